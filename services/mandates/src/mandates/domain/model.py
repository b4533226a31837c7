"""Mandates and portfolios: the rules of SPEC.md 3, free of I/O.

A firm's *client* is a mandate row: ``requested → letter_sent → active → ended``, plus
``locked`` (five wrong keys) and ``deleted`` (by the firm before activation). One open mandate
per (firm, affilié); one active mandate per affilié.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mandates.domain import keys

MandateState = Literal["requested", "letter_sent", "active", "ended", "locked", "deleted"]
EndedBy = Literal["client", "cabinet", "replacement", "registry"]
OPEN_STATES: tuple[MandateState, ...] = ("requested", "letter_sent", "active", "locked")
PENDING_STATES: tuple[MandateState, ...] = ("requested", "letter_sent")
MAX_WRONG_KEYS = 5


class MandateError(Exception):
    """A rule refuses the action; ``code`` names the rule, the message is for users."""

    code = "mandate-error"


class WrongState(MandateError):
    code = "wrong-state"


class WrongKey(MandateError):
    code = "wrong-key"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            "la clé ne correspond pas à cette demande"
            + (f" ; il reste {attempts_left} essai(s)" if attempts_left else "")
        )
        self.attempts_left = attempts_left


class RequestLocked(MandateError):
    code = "request-locked"

    def __init__(self) -> None:
        super().__init__(
            "cinq clés erronées ont verrouillé cette demande : réémettez une clé pour en "
            "recevoir une nouvelle par courrier"
        )


@dataclass
class HistoryEntry:
    at: datetime
    transition: str
    detail: str = ""


@dataclass
class Mandate:
    id: str
    cabinet_id: str
    affiliate_id: str
    siren: str
    client_name: str
    portfolio_id: str
    state: MandateState
    key_hash: str
    key_event_id: str
    issued_at: datetime
    created_at: datetime
    failed_attempts: int = 0
    letter_status: str | None = None
    activated_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: EndedBy | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    def _record(self, at: datetime, transition: str, detail: str = "") -> None:
        self.history.append(HistoryEntry(at, transition, detail))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def reissue(self, key_hash: str, key_event_id: str, now: datetime) -> None:
        """A new key and a new letter; the old key is dead (no deletion needed)."""
        if self.state not in ("requested", "letter_sent", "locked"):
            raise WrongState("seule une demande en attente ou verrouillée reçoit une nouvelle clé")
        self.key_hash = key_hash
        self.key_event_id = key_event_id
        self.failed_attempts = 0
        self.issued_at = now
        self.letter_status = None
        self.state = "requested"
        self._record(now, "key_reissued")

    def letter_moved(self, status: str, now: datetime) -> bool:
        """The key letter's status at the printer; ``True`` when something changed."""
        if status == self.letter_status:
            return False
        self.letter_status = status
        if self.state == "requested":
            self.state = "letter_sent"
            self._record(now, "letter_sent", status)
        return True

    def check_key(self, typed: str, now: datetime) -> None:
        """Raise :class:`keys.KeyTypo` (nothing spent), :class:`WrongKey` (one attempt spent,
        the fifth locks) or :class:`RequestLocked`; return when the key is this request's."""
        if self.state == "locked":
            raise RequestLocked()
        if self.state not in PENDING_STATES:
            raise WrongState("cette demande n'attend plus de clé")
        symbols = keys.normalize(typed)
        if keys.digest(symbols) == self.key_hash:
            return
        self.failed_attempts += 1
        if self.failed_attempts >= MAX_WRONG_KEYS:
            self.state = "locked"
            self._record(now, "locked", f"{self.failed_attempts} clés erronées")
            raise RequestLocked()
        raise WrongKey(MAX_WRONG_KEYS - self.failed_attempts)

    def activate(self, now: datetime) -> None:
        self.state = "active"
        self.activated_at = now
        self._record(now, "activated")

    def end(self, by: EndedBy, now: datetime) -> None:
        if self.state != "active":
            raise WrongState("ce mandat n'est pas actif")
        self.state = "ended"
        self.ended_by = by
        self.ended_at = now
        self._record(now, "ended", by)

    def delete(self, now: datetime) -> None:
        """The firm removes a client: a pending request is deleted, an active mandate ends."""
        if self.state == "active":
            self.end("cabinet", now)
            return
        if self.state not in ("requested", "letter_sent", "locked"):
            raise WrongState("ce client n'est plus suivi")
        self.state = "deleted"
        self.ended_at = now
        self._record(now, "deleted")

    def close_for_radiation(self, now: datetime) -> None:
        if self.state == "active":
            self.end("registry", now)
        elif self.is_open:
            self.state = "deleted"
            self.ended_at = now
            self._record(now, "deleted", "registry")


@dataclass
class Portfolio:
    id: str
    cabinet_id: str
    name: str
    owner_account_id: str | None
    is_default: bool
    created_at: datetime


@dataclass(frozen=True)
class Affiliate:
    """The registry's copy, as mandates needs it."""

    affiliate_id: str
    siren: str | None
    display_name: str
    radiated: bool
    consent: bool


@dataclass(frozen=True)
class FirmUser:
    account_id: str
    cabinet_id: str
    name: str
    email: str | None
    is_admin: bool
    active: bool
