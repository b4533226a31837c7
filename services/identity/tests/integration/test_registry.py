"""The business registry's feed on a real database: register, update, radiate, once each;
NIRs encrypted at rest; bad records refused as poison."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity_fakes import PlainHasher
from identity_registry_samples import NIR, incoming, record
from servicekit.messaging import PoisonMessage
from servicekit.sealing import generate_keypair
from sqlalchemy import select


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[IdentityApp]:
    _, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
    )
    identity = bootstrap(settings, hasher=PlainHasher())
    await identity.migrate()
    yield identity
    await identity.stop()


async def _events(app: IdentityApp) -> list[tuple[str, dict[str, object]]]:
    async with app.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(orm.outbox.c.event_type, orm.outbox.c.payload).order_by(orm.outbox.c.id)
            )
        ).all()
    return [(row.event_type, json.loads(row.payload)) for row in rows]


async def test_a_new_siren_registers_a_known_one_updates_and_a_radiation_closes(
    app: IdentityApp,
) -> None:
    await app.on_registry_record(incoming(record(), "r1"))
    await app.on_registry_record(incoming(record(email="nouveau@dupont.fr"), "r2"))
    await app.on_registry_record(incoming(record(radiated_on="2026-03-31"), "r3"))
    events = await _events(app)
    # r3 also brings the e-mail back to the registry's first value: an update, then the radiation.
    assert [t for t, _ in events] == [
        "identity.affiliate.registered.v1",
        "identity.affiliate.updated.v1",
        "identity.affiliate.updated.v1",
        "identity.affiliate.radiated.v1",
    ]
    assert events[1][1]["email"] == "nouveau@dupont.fr"
    assert events[-1][1]["radiated_on"] == "2026-03-31"
    assert all("nir" not in payload for _, payload in events)
    assert len({payload["affiliate_id"] for _, payload in events}) == 1


async def test_the_same_record_twice_changes_nothing(app: IdentityApp) -> None:
    await app.on_registry_record(incoming(record(), "r1"))
    await app.on_registry_record(incoming(record(), "r1"))
    await app.on_registry_record(incoming(record(), "r2"))
    assert [t for t, _ in await _events(app)] == ["identity.affiliate.registered.v1"]


async def test_the_nir_is_encrypted_at_rest(app: IdentityApp) -> None:
    await app.on_registry_record(incoming(record(), "r1"))
    async with app.engine.connect() as conn:
        row = (await conn.execute(select(orm.affiliates))).one()
    assert NIR not in row.nir_encrypted
    assert NIR not in row.nir_index
    assert app.vault.decrypt(row.nir_encrypted) == NIR


@pytest.mark.parametrize(
    "bad",
    [
        {"siren": "732829321"},
        {"nir": "185057800608400"},
        {"sirets": ["44306184100047"]},
    ],
)
async def test_a_record_with_a_bad_identifier_is_poison_and_writes_nothing(
    app: IdentityApp, bad: dict[str, object]
) -> None:
    with pytest.raises(PoisonMessage):
        await app.on_registry_record(incoming(record(**bad), "bad"))
    assert await _events(app) == []
