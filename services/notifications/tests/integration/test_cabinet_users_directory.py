"""The directory of firms' users on a real database (SQLite and PostgreSQL), fed in one batch:
a collaborator who accepts an invitation plans a mail to each administrator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from contracts.identity import v1 as identity_v1
from notifications.adapters import orm
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.service_layer import consumers
from notifications_events import NOW, incoming
from servicekit.sealing import generate_keypair
from sqlalchemy import select


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[NotificationsApp]:
    private, _ = generate_keypair()
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=private, letters_dir=str(tmp_path)
    )
    application = bootstrap(settings)
    await application.migrate()
    try:
        yield application
    finally:
        await application.stop()


def _changed(
    account_id: str, change: str, rights: list[str], version: int, accepted: bool = False
) -> identity_v1.CabinetUserChangedV1:
    return identity_v1.CabinetUserChangedV1(
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        account_id=account_id,
        user_name=account_id,
        change=change,  # type: ignore[arg-type]
        rights=rights,
        changed_at=NOW,
        invitation_accepted=accepted,
        version=version,
    )


async def test_the_administrators_of_the_firm_are_planned_a_mail_from_the_directory(
    app: NotificationsApp,
) -> None:
    events = [
        identity_v1.CabinetRegisteredV1(
            cabinet_id="cab-1",
            raison_sociale="Cabinet Martin",
            siret="73282932000074",
            admin_account_id="acc-claire",
            registered_at=NOW,
        ),
        identity_v1.AccountActivationRequestedV1(
            account_id="acc-claire",
            kind="cabinet_user",
            purpose="cabinet_activation",
            email="claire@cabinet.fr",
            display_name="Claire Martin",
            cabinet_name="Cabinet Martin",
            sealed_link="sealed:x",
            expires_at=NOW + timedelta(days=2),
        ),
        identity_v1.AccountEmailChangedV1(
            account_id="acc-claire",
            kind="cabinet_user",
            email="claire.martin@cabinet.fr",
            display_name="Claire Martin",
            changed_at=NOW,
        ),
        _changed("acc-marc", "user_invited", ["read"], 1),
        _changed("acc-paul", "user_activated", ["read"], 2, accepted=True),
    ]
    await consumers.plan_deliveries_batch([incoming(e) for e in events], app.new_uow(), app.deps)
    async with app.sessions() as session:
        rows = (
            await session.execute(
                select(orm.deliveries.c.kind, orm.deliveries.c.recipient).where(
                    orm.deliveries.c.kind == "collaborator_joined"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [("collaborator_joined", "claire.martin@cabinet.fr")]
