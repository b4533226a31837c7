"""The rule of delegated access, free of I/O: may this caller act on this affilié?

- an agent reaches every affilié; an assuré only their own;
- a firm user (``cabinet_user``) reaches a client only through an **active mandate of their
  firm**, as an **administrator** or a **subscriber of the client's portfolio**, and never
  while **suspended or removed**; santé and the relevé de carrière are never delegated; while
  the read model is **quarantined** for the client or the firm (an access event it could not
  apply went to the dead letters) no firm user reaches them;
  otherwise the client is "not found" (404: its existence is not revealed);
- the action's right must be in the token (``declare``, ``pay``, ``read``…, or ``admin``),
  else 403 naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.auth import Principal, Right
from servicekit.problems import Forbidden, NotFound

RIGHT_LABELS: dict[str, str] = {
    "admin": "administrateur",
    "clients": "gestion des clients",
    "declare": "déclarations",
    "pay": "paiements",
    "read": "consultation",
}


@dataclass(frozen=True, slots=True)
class Grant:
    """What the read model knows of one firm user and one client."""

    mandate_active: bool
    subscribed: bool
    user_live: bool
    quarantined: bool


def not_found() -> NotFound:
    return NotFound("Aucun dossier accessible ne correspond.", kind="dossier-not-found")


def right_missing(right: Right) -> Forbidden:
    return Forbidden(
        f"Le droit « {right} » est nécessaire pour cette action.",
        kind="right-missing",
        extra={"right": right, "right_label": RIGHT_LABELS.get(right, right)},
    )


def needs_grant(principal: Principal, affiliate_id: str, *, delegable: bool) -> bool:
    """Decide what the principal alone decides; ``True`` when the read model must be asked.
    Raises :class:`NotFound` for a caller who can never reach this affilié."""
    if principal.actor == "agent":
        return False
    if principal.actor == "assure":
        if principal.affiliate_id != affiliate_id:
            raise not_found()
        return False
    if principal.actor != "cabinet_user" or not delegable or principal.cabinet_id is None:
        raise not_found()
    return True


def acts_in_firm(principal: Principal, cabinet_id: str, *, user_live: bool) -> bool:
    """Whether a caller may act in a firm's own space (its clients, portfolios, imports): a
    user of that firm, never while suspended or removed — the same "never" as for the
    clients' data, whatever the token still says."""
    return principal.actor == "cabinet_user" and principal.cabinet_id == cabinet_id and user_live


def decide(principal: Principal, right: Right, grant: Grant) -> None:
    """Raise unless a firm user with ``grant`` may take an action needing ``right``."""
    if grant.quarantined or not grant.mandate_active or not grant.user_live:
        raise not_found()
    is_admin = principal.has_right("admin")
    if not is_admin and not grant.subscribed:
        raise not_found()
    if not is_admin and not principal.has_right(right):
        raise right_missing(right)
