"""identity's signing keys on a real database: encrypted at rest, one key however many copies
start at once on an empty database, rotated on a schedule with an overlap (a new key is
published before it signs, an old one verifies until its last token has expired), and clear
keys of an older schema encrypted at the first start."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.adapters.signing import KeyStore
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity_fakes import PlainHasher
from identity_migrations import upgrade_to
from joserfc.jwk import OKPKey
from servicekit.auth import TokenVerifier, audience_of
from servicekit.clock import FakeClock
from servicekit.problems import Unauthorized
from servicekit.sealing import generate_keypair
from sqlalchemy import column, insert, select, table
from sqlalchemy.ext.asyncio import create_async_engine

TOKEN_TTL = timedelta(minutes=10)
COPIES = 6


def _app(database_url: str, clock: FakeClock, **settings: Any) -> IdentityApp:
    _, public = generate_keypair()
    values: dict[str, Any] = {
        "database_url": database_url,
        "notifications_public_key": public,
        "nir_key": NirVault.generate_key(),
        "key_encryption_key": KEK,
        **settings,
    }
    return bootstrap(IdentitySettings(**values), hasher=PlainHasher(), clock=clock)


KEK = NirVault.generate_key()


async def _rows(app: IdentityApp) -> list[Any]:
    async with app.engine.connect() as conn:
        return list((await conn.execute(select(orm.signing_keys))).all())


async def _verify(keys: KeyStore, token: str, clock: FakeClock) -> str:
    async def jwks() -> dict[str, Any]:
        return keys.jwks()

    verifier = TokenVerifier(jwks, clock=clock, audience=audience_of("identity"))
    return (await verifier.verify(token)).subject


def _kids(keys: KeyStore) -> list[str]:
    return sorted(k["kid"] for k in keys.jwks()["keys"])


async def _started(app: IdentityApp) -> IdentityApp:
    await app.runtime.prepare_schema()
    return app


async def test_the_private_key_is_stored_encrypted(database_url: str) -> None:
    app = await _started(_app(database_url, FakeClock()))
    try:
        await app.keys.load()
        secret = app.keys.signing_key().as_dict(private=True)["d"]
        [row] = await _rows(app)
        stored = " ".join(str(v) for v in row)
        assert secret not in stored
        assert '"d"' not in stored
        # another start with the same key reads it back; with another key it refuses to start
        again = await _started(_app(database_url, FakeClock()))
        await again.keys.load()
        assert again.keys.signing_key().as_dict(private=True)["d"] == secret
        await again.runtime.dispose()
        other = _app(database_url, FakeClock(), key_encryption_key=NirVault.generate_key())
        with pytest.raises(RuntimeError, match="IDENTITY_KEY_ENCRYPTION_KEY"):
            await other.keys.load()
        await other.runtime.dispose()
    finally:
        await app.runtime.dispose()


def test_production_refuses_to_start_without_a_key_encryption_key() -> None:
    _, public = generate_keypair()
    settings = IdentitySettings(
        environment="production", notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    with pytest.raises(RuntimeError, match="IDENTITY_KEY_ENCRYPTION_KEY"):
        bootstrap(settings)


async def test_copies_starting_at_once_on_an_empty_database_converge_on_one_key(
    database_url: str,
) -> None:
    """Six copies, each already connected, read the empty table and create at the same
    moment: one key is kept, and every copy signs with it and publishes it."""
    clock = FakeClock()
    first = await _started(_app(database_url, clock))
    copies = [first, *(_app(database_url, clock) for _ in range(COPIES - 1))]
    try:
        for app in copies:
            async with app.engine.connect() as conn:
                await conn.execute(select(1))
        await asyncio.gather(*(app.keys.load() for app in copies))
        assert len(await _rows(first)) == 1
        assert len({app.keys.signing_key().kid for app in copies}) == 1
        assert all(app.keys.jwks() == first.keys.jwks() for app in copies)
        token = copies[-1].keys.sign({"sub": "acc-1", "act": "agent"}, TOKEN_TTL)
        assert await _verify(first.keys, token, clock) == "acc-1"
    finally:
        for app in copies:
            await app.runtime.dispose()


async def test_keys_rotate_on_schedule_and_an_old_key_verifies_until_its_last_token_expires(
    database_url: str,
) -> None:
    clock = FakeClock()
    a = await _started(_app(database_url, clock, signing_key_rotation_days=30))
    b = _app(database_url, clock, signing_key_rotation_days=30)
    try:
        await asyncio.gather(a.keys.load(), b.keys.load())
        first = a.keys.signing_key().kid
        clock.advance(timedelta(days=29))
        await asyncio.gather(a.keys.maintain(), b.keys.maintain())
        assert _kids(a.keys) == [first]  # not yet due

        clock.advance(timedelta(days=1))  # due: a new key is published, not yet signing
        await asyncio.gather(a.keys.maintain(), b.keys.maintain())
        assert len(await _rows(a)) == 2  # both copies maintained, one new key
        [second] = set(_kids(a.keys)) - {first}
        assert _kids(b.keys) == _kids(a.keys)
        assert a.keys.signing_key().kid == b.keys.signing_key().kid == first

        clock.advance(timedelta(minutes=10) - timedelta(seconds=1))
        assert b.keys.signing_key().kid == first
        last_of_first = b.keys.sign({"sub": "acc-1", "act": "agent"}, TOKEN_TTL)
        clock.advance(timedelta(seconds=1))  # published long enough: it signs on every copy
        await asyncio.gather(a.keys.maintain(), b.keys.maintain())
        assert a.keys.signing_key().kid == b.keys.signing_key().kid == second
        clock.advance(TOKEN_TTL - timedelta(seconds=2))
        await a.keys.maintain()
        assert await _verify(a.keys, last_of_first, clock) == "acc-1"
        assert first in _kids(a.keys)

        clock.advance(timedelta(minutes=10))  # every token of the first key has expired
        await asyncio.gather(a.keys.maintain(), b.keys.maintain())
        assert _kids(a.keys) == _kids(b.keys) == [second]
        assert [r.kid for r in await _rows(a)] == [second]
    finally:
        await a.runtime.dispose()
        await b.runtime.dispose()


async def test_a_clear_key_of_the_previous_schema_is_encrypted_at_the_first_start(
    database_url: str,
) -> None:
    clock = FakeClock()
    engine = create_async_engine(database_url)
    key = OKPKey.generate_key("Ed25519", parameters={"kid": "clear-key-1"})
    clear = json.dumps(key.as_dict(private=True))
    try:
        await upgrade_to(engine, "0010")
        async with engine.begin() as conn:
            await conn.execute(
                insert(
                    table(
                        "signing_keys", column("kid"), column("private_jwk"), column("created_at")
                    )
                ).values(
                    kid="clear-key-1", private_jwk=clear, created_at=clock.now() - timedelta(days=1)
                )
            )
    finally:
        await engine.dispose()
    app = await _started(_app(database_url, clock))
    try:
        await app.keys.load()
        assert app.keys.signing_key().kid == "clear-key-1"
        [row] = await _rows(app)
        assert key.as_dict(private=True)["d"] not in " ".join(str(v) for v in row)
        token = app.keys.sign({"sub": "acc-1", "act": "agent"}, TOKEN_TTL)
        assert await _verify(app.keys, token, clock) == "acc-1"
    finally:
        await app.runtime.dispose()


async def test_an_operators_rotation_publishes_the_next_key_ahead_and_only_once(
    database_url: str,
) -> None:
    clock = FakeClock()
    a = await _started(_app(database_url, clock))
    b = _app(database_url, clock)
    try:
        await asyncio.gather(a.keys.load(), b.keys.load())
        first = a.keys.signing_key().kid

        waiting = await a.keys.rotate_ahead()
        assert (await a.keys.rotate_ahead()).kid == waiting.kid  # asked twice, one key
        assert len(await _rows(a)) == 2
        assert waiting.signs_from == clock.now() + timedelta(minutes=10)
        assert a.keys.signing_key().kid == first  # published, not signing yet
        assert [state for _, state in a.keys.listing()] == ["signs", "published"]

        await b.keys.maintain()  # the other copy's next check
        assert _kids(b.keys) == sorted([first, waiting.kid])
        clock.advance(timedelta(minutes=9))
        token = a.keys.sign({"sub": "acc-1", "act": "agent"}, TOKEN_TTL)  # the old key's last
        clock.advance(timedelta(minutes=1))
        await asyncio.gather(a.keys.maintain(), b.keys.maintain())
        assert a.keys.signing_key().kid == b.keys.signing_key().kid == waiting.kid
        assert [state for _, state in b.keys.listing()] == ["retired", "signs"]
        assert await _verify(b.keys, token, clock) == "acc-1"  # still alive: verified
    finally:
        await a.runtime.dispose()
        await b.runtime.dispose()


async def test_a_replacement_after_a_leak_withdraws_every_other_key_at_once(
    database_url: str,
) -> None:
    clock = FakeClock()
    a = await _started(_app(database_url, clock))
    b = _app(database_url, clock)
    try:
        await asyncio.gather(a.keys.load(), b.keys.load())
        leaked = a.keys.signing_key().kid
        await a.keys.rotate_ahead()  # a key waiting to sign goes too: it was made beside it
        token = b.keys.sign({"sub": "acc-1", "act": "agent"}, TOKEN_TTL)

        new, withdrawn = await a.keys.replace()
        assert leaked in withdrawn
        assert len(withdrawn) == 2
        assert [r.kid for r in await _rows(a)] == [new]
        assert a.keys.signing_key().kid == new
        assert _kids(a.keys) == [new]
        with pytest.raises(Unauthorized, match="clé inconnue"):
            await _verify(a.keys, token, clock)  # the leaked key's token, refused

        await b.keys.maintain()  # the other copy signs with the new key from its next check
        assert b.keys.signing_key().kid == new
        assert (
            await _verify(a.keys, b.keys.sign({"sub": "acc-2", "act": "agent"}, TOKEN_TTL), clock)
            == "acc-2"
        )
    finally:
        await a.runtime.dispose()
        await b.runtime.dispose()
