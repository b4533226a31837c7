import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import (
    ACCESS_TOKEN_TYPE,
    PLATFORM_AUDIENCES,
    TokenVerifier,
    audience_of,
)
from servicekit.problems import Unauthorized


def _key(kid: str) -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid})


AUD = audience_of("mandates")


def _token(key: OKPKey, *, typ_header: str | None = ACCESS_TOKEN_TYPE, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "acc-1",
        "act": "cabinet_user",
        "cab": "cab-1",
        "rights": ["read", "declare"],
        "iss": "mon-compte-identity",
        "aud": list(PLATFORM_AUDIENCES),
        "token_use": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    header = {"alg": "Ed25519", "kid": key.kid}
    if typ_header is not None:
        header["typ"] = typ_header
    return jwt.encode(header, claims, key, algorithms=["Ed25519"])


class Jwks:
    def __init__(self, *keys: OKPKey) -> None:
        self.keys = list(keys)
        self.fetches = 0

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return KeySet(self.keys).as_dict(private=False)


async def test_a_valid_token_gives_its_principal() -> None:
    key = _key("k1")
    verifier = TokenVerifier(Jwks(key), audience=AUD)
    principal = await verifier.verify(_token(key))
    assert principal.subject == "acc-1"
    assert principal.actor == "cabinet_user"
    assert principal.has_right("declare")
    assert not principal.has_right("pay")


async def test_an_expired_token_is_refused() -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="expiré"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, exp=int(time.time()) - 1))


async def test_a_token_signed_by_another_key_with_a_known_kid_is_refused() -> None:
    published, forger = _key("k1"), _key("k1")
    with pytest.raises(Unauthorized, match="Signature"):
        await TokenVerifier(Jwks(published), audience=AUD).verify(_token(forger))


async def test_tampered_claims_break_the_signature() -> None:
    key = _key("k1")
    token = _token(key)
    header, payload, signature = token.split(".")
    forged = _token(key, act="agent").split(".")[1]
    with pytest.raises(Unauthorized):
        await TokenVerifier(Jwks(key), audience=AUD).verify(f"{header}.{forged}.{signature}")
    assert payload != forged


async def test_an_unknown_key_id_refetches_the_jwks_once_then_refuses() -> None:
    key, stranger = _key("k1"), _key("k9")
    jwks = Jwks(key)
    verifier = TokenVerifier(jwks, min_refresh_interval_s=0, audience=AUD)
    with pytest.raises(Unauthorized, match="inconnue"):
        await verifier.verify(_token(stranger))
    assert jwks.fetches == 2


async def test_a_rotated_key_is_picked_up_when_a_token_names_it() -> None:
    old, new = _key("k1"), _key("k2")
    jwks = Jwks(old)
    verifier = TokenVerifier(jwks, min_refresh_interval_s=0, audience=AUD)
    assert (await verifier.verify(_token(old))).subject == "acc-1"
    jwks.keys.append(new)
    assert (await verifier.verify(_token(new, sub="acc-2"))).subject == "acc-2"
    assert (await verifier.verify(_token(old))).subject == "acc-1"


async def test_a_token_for_another_audience_is_refused() -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="autre usage"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, aud="elsewhere"))


async def test_garbage_is_refused() -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(Jwks(_key("k1")), audience=AUD).verify("not-a-token")


async def test_a_cached_token_is_refused_once_it_has_expired() -> None:
    from datetime import UTC, datetime, timedelta

    from servicekit.clock import FakeClock

    key = _key("k1")
    clock = FakeClock(datetime.now(UTC))
    verifier = TokenVerifier(Jwks(key), clock=clock, audience=AUD)
    token = _token(key, exp=int(clock.now().timestamp()) + 60)
    assert (await verifier.verify(token)).subject == "acc-1"
    assert (await verifier.verify(token)).subject == "acc-1"
    clock.advance(timedelta(seconds=61))
    with pytest.raises(Unauthorized, match="expiré"):
        await verifier.verify(token)


def _forged(header: object) -> str:
    import base64
    import json

    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{encoded}.eyJzdWIiOiJ4In0.c2ln"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": ["k1"]},
        {"alg": "EdDSA", "kid": {"k": 1}},
        {"alg": ["EdDSA"], "kid": "k1"},
        {"kid": "k1"},
        ["not", "an", "object"],
        "text",
    ],
    ids=["kid list", "kid object", "alg list", "no alg", "header list", "header string"],
)
async def test_a_malformed_jose_header_is_a_401_never_a_500(header: object) -> None:
    verifier = TokenVerifier(Jwks(_key("k1")), audience=AUD)
    with pytest.raises(Unauthorized):
        await verifier.verify(_forged(header))


@pytest.mark.parametrize("token", ["a.b.c", "!!!.###.$$$", "eyJ.eyJ.eyJ", "x" * 50])
async def test_an_unreadable_token_is_a_401(token: str) -> None:
    verifier = TokenVerifier(Jwks(_key("k1")), audience=AUD)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)


async def test_a_token_whose_audiences_include_the_service_is_accepted() -> None:
    key = _key("k1")
    verifier = TokenVerifier(Jwks(key), audience=audience_of("mandates"))
    token = _token(key, aud=list(PLATFORM_AUDIENCES))
    assert (await verifier.verify(token)).subject == "acc-1"


@pytest.mark.parametrize("service", ["identity", "cotisations", "notifications", "gateway"])
async def test_a_token_for_one_service_is_refused_by_another(service: str) -> None:
    key = _key("k1")
    token = _token(key, aud=[audience_of(service)])
    assert (await TokenVerifier(Jwks(key), audience=audience_of(service)).verify(token)).subject
    with pytest.raises(Unauthorized, match="autre usage"):
        await TokenVerifier(Jwks(key), audience=audience_of("mandates")).verify(token)


async def test_the_former_shared_audience_is_refused() -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="autre usage"):
        await TokenVerifier(Jwks(key), audience=audience_of("mandates")).verify(
            _token(key, aud="mon-compte")
        )


async def test_a_token_not_valid_yet_is_refused() -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="pas encore valable"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, nbf=int(time.time()) + 120))


async def test_a_token_without_nbf_is_refused() -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="incomplet"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, nbf=None))


@pytest.mark.parametrize("token_use", ["refresh", "id", None])
async def test_a_token_of_another_kind_is_refused(token_use: str | None) -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="n'est pas un jeton d'accès"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, token_use=token_use))


@pytest.mark.parametrize("typ", ["JWT", "refresh+jwt", None])
async def test_a_jose_header_of_another_type_is_refused(typ: str | None) -> None:
    key = _key("k1")
    with pytest.raises(Unauthorized, match="n'est pas un jeton d'accès"):
        await TokenVerifier(Jwks(key), audience=AUD).verify(_token(key, typ_header=typ))


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_cached_token_of_a_key_gone_from_the_refreshed_jwks_is_refused_at_once() -> None:
    old, new = _key("k1"), _key("k2")
    jwks = Jwks(old, new)
    clock = Monotonic()
    verifier = TokenVerifier(jwks, audience=AUD, ttl_s=60, monotonic=clock)
    token = _token(old)
    assert (await verifier.verify(token)).subject == "acc-1"
    assert (await verifier.verify(token)).subject == "acc-1"  # from the cache
    jwks.keys = [new]
    clock.now += 61  # the cached key set expires: the refresh no longer holds k1
    with pytest.raises(Unauthorized, match="inconnue"):
        await verifier.verify(token)
    assert (await verifier.verify(_token(new))).subject == "acc-1"


async def test_a_refresh_for_a_new_key_evicts_the_tokens_of_a_removed_one() -> None:
    old, newer = _key("k1"), _key("k3")
    jwks = Jwks(old)
    clock = Monotonic()
    verifier = TokenVerifier(
        jwks, audience=AUD, ttl_s=300, min_refresh_interval_s=0, monotonic=clock
    )
    token = _token(old)
    assert (await verifier.verify(token)).subject == "acc-1"
    jwks.keys = [newer]  # k1 compromised: replaced and removed at once
    assert (await verifier.verify(_token(newer, sub="acc-2"))).subject == "acc-2"
    with pytest.raises(Unauthorized, match="inconnue"):
        await verifier.verify(token)  # well within its exp and the key set's ttl


async def test_calls_do_not_queue_behind_a_refresh_that_hangs() -> None:
    import asyncio

    key = _key("k1")
    served = Jwks(key)
    hanging = asyncio.Event()
    release = asyncio.Event()

    async def fetch() -> dict[str, Any]:
        if served.fetches:
            hanging.set()
            await release.wait()  # identity accepts the connection and never answers
        return await served()

    clock = Monotonic()
    verifier = TokenVerifier(fetch, audience=AUD, ttl_s=60, monotonic=clock)
    assert (await verifier.verify(_token(key))).subject == "acc-1"
    clock.now += 61
    refreshing = asyncio.create_task(verifier.verify(_token(key, sub="acc-2")))
    await hanging.wait()
    other = await asyncio.wait_for(verifier.verify(_token(key, sub="acc-3")), timeout=5)
    assert other.subject == "acc-3"  # answered with the last good keys, not after the fetch
    release.set()
    assert (await refreshing).subject == "acc-2"
