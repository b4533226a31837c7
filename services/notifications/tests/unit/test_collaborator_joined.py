"""A collaborator who accepts an invitation: each administrator of the firm is told, from the
directory of firms' users notifications keeps from identity's events."""

from __future__ import annotations

from datetime import timedelta

from contracts.common import Recipient
from contracts.identity import v1 as identity_v1
from notifications.adapters.templates import TemplateRenderer
from notifications_events import NOW, incoming
from notifications_fakes import FakeNotifications

CABINET = "cab-1"


def _activation(account_id: str, email: str, name: str, purpose: str) -> object:
    return identity_v1.AccountActivationRequestedV1(
        account_id=account_id,
        kind="cabinet_user",
        purpose=purpose,  # type: ignore[arg-type]
        email=email,
        display_name=name,
        cabinet_name="Cabinet Martin",
        sealed_link="sealed:https://id/x?token=t",
        expires_at=NOW + timedelta(days=1),
    )


def _changed(
    account_id: str,
    name: str,
    change: str,
    rights: list[str],
    version: int,
    *,
    accepted: bool = False,
    notify: list[Recipient] | None = None,
) -> identity_v1.CabinetUserChangedV1:
    return identity_v1.CabinetUserChangedV1(
        cabinet_id=CABINET,
        cabinet_name="Cabinet Martin",
        account_id=account_id,
        user_name=name,
        change=change,  # type: ignore[arg-type]
        rights=rights,
        notify=notify or [],
        changed_at=NOW,
        invitation_accepted=accepted,
        version=version,
    )


async def _firm(app: FakeNotifications) -> None:
    """Claire founded the firm (its first administrator); Sophie was invited as an
    administrator, Marc as a collaborator; Luc, an administrator, was suspended."""
    for event in (
        identity_v1.CabinetRegisteredV1(
            cabinet_id=CABINET,
            raison_sociale="Cabinet Martin",
            siret="73282932000074",
            admin_account_id="acc-claire",
            registered_at=NOW,
        ),
        _activation("acc-claire", "claire@cabinet.fr", "Claire Martin", "cabinet_activation"),
        _changed("acc-sophie", "Sophie Roux", "user_invited", ["admin", "read"], 1),
        _activation("acc-sophie", "sophie@cabinet.fr", "Sophie Roux", "collaborator_invitation"),
        _changed("acc-sophie", "Sophie Roux", "user_activated", ["admin", "read"], 2),
        _changed("acc-marc", "Marc Petit", "user_invited", ["read"], 1),
        _activation("acc-marc", "marc@cabinet.fr", "Marc Petit", "collaborator_invitation"),
        _changed("acc-luc", "Luc Blanc", "user_invited", ["admin"], 1),
        _activation("acc-luc", "luc@cabinet.fr", "Luc Blanc", "collaborator_invitation"),
        _changed("acc-luc", "Luc Blanc", "user_suspended", ["admin"], 2),
    ):
        await app.plan(incoming(event))  # type: ignore[arg-type]
    app.email.sent.clear()
    for d in list(app.deliveries):
        app.uow.deliveries.store.pop(d.id)


async def test_each_administrator_is_told_when_a_collaborator_accepts_the_invitation() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await _firm(app)
    accepted = _changed(
        "acc-paul", "Paul Leroy", "user_activated", ["read"], 2, accepted=True,
        notify=[Recipient(email="sophie@cabinet.fr", display_name="Sophie Roux")],
    )  # fmt: skip
    await app.plan(incoming(accepted))
    await app.dispatch()
    told = sorted((m.to, m.content.subject) for m in app.email.sent)
    assert told == [
        ("claire@cabinet.fr", "Paul Leroy a rejoint le compte du cabinet sur Mon compte"),
        ("sophie@cabinet.fr", "Paul Leroy a rejoint le compte du cabinet sur Mon compte"),
    ]  # not Marc (no admin right), not Luc (suspended), Sophie once
    [to_claire] = [m for m in app.email.sent if m.to == "claire@cabinet.fr"]
    assert "Bonjour Claire Martin" in to_claire.content.text
    assert "administrateur" in to_claire.content.text


async def test_a_reactivation_by_an_administrator_is_not_an_accepted_invitation() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await _firm(app)
    await app.plan(incoming(_changed("acc-luc", "Luc Blanc", "user_activated", ["admin"], 3)))
    await app.dispatch()
    assert app.email.sent == []


async def test_an_older_change_does_not_give_back_a_right_taken_since() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await _firm(app)
    await app.plan(incoming(_changed("acc-sophie", "Sophie Roux", "user_rights_changed", [], 4)))
    await app.plan(incoming(_changed("acc-sophie", "Sophie Roux", "user_activated", ["admin"], 3)))
    app.email.sent.clear()
    await app.plan(
        incoming(_changed("acc-paul", "Paul Leroy", "user_activated", [], 2, accepted=True))
    )
    await app.dispatch()
    assert [m.to for m in app.email.sent] == ["claire@cabinet.fr"]
