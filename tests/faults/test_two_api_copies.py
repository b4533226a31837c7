"""Two copies of every api under test, each service on PostgreSQL, as behind a load balancer:
requests alternate between the copies, and every answer is the one a single copy would give.

What each copy would otherwise keep for itself, and what is asserted here across the two:
identity's login throttle (the failures sent to both copies counted together, the wait they
earn refused by both) and its sessions (ended or logged out on one copy, refused by the
other); an ``Idempotency-Key`` replayed on the other copy (the first answer, one effect);
mandates' wrong-key count of a firm's key entry (the fifth wrong key, whichever copy took the
first four, locks the request); the rate limits of attestations' public verification and of
appointments' booking (counted once for both copies); appointments' verification code (used
once on one copy, refused by the other).

The apis believe ``X-Forwarded-For`` from the loopback (``TRUSTED_PROXIES``, as from the
gateway), so each test is a client address of its own and the limits of one test do not eat
into another's."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from devstack.postgres import PostgresServer, create_database
from devstack.pytest_fixtures import start_test_broker
from devstack.sync import run_sync
from drill import db_count
from journeys import (
    PASSWORD,
    activated_login,
    added_client,
    agent_bearer,
    key_from_letter,
    random_siret,
    registered_artisan,
    signup_body,
    verification_code,
)
from mandates.domain.keys import new_key
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform
from stdnum.fr import nir as stdnum_nir

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

SERVICES = ("identity", "notifications", "mandates", "attestations", "appointments")
NOT_NEEDED = ("notifications-api", "attestations-worker", "appointments-worker")
COPIED = ("identity", "mandates", "attestations", "appointments")
VERIFY_LIMIT = 4
BOOKING_LIMIT = 3
ENV = {
    "TRUSTED_PROXIES": "127.0.0.1",
    "IDENTITY_RATE_LIMIT_LOGIN_PER_MINUTE": "1000",  # the throttle is under test, not this
    "ATTESTATIONS_VERIFY_LIMIT": str(VERIFY_LIMIT),
    "APPOINTMENTS_BOOKING_LIMIT": str(BOOKING_LIMIT),
    "APPOINTMENTS_CAPTCHA_MAX_NUMBER": "1000",
}
WRONG = "Pas le bon mot de passe du tout"
AGENCY = "agence-paris"
PROBLEM = "https://mon-compte.example/problems/"
DEADLINE_S = 60

_addresses = itertools.count(1)
_serials = itertools.count(1)


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[RunningPlatform]:
    """identity, notifications' worker, mandates, attestations' and appointments' apis, each
    service on a PostgreSQL database of its own, on a broker of the module's own; then a
    second copy of each api under test (``<service>-api-2``, its own ports)."""
    broker = start_test_broker(tmp_path_factory.mktemp("kafka"))
    try:
        urls = {
            service: run_sync(
                create_database(postgres_server.url, f"copies_{service}_{uuid.uuid4().hex[:8]}")
            )
            for service in SERVICES
        }
        running = run_platform(
            tmp_path_factory.mktemp("var"),
            broker.bootstrap,
            services=SERVICES,
            skip=NOT_NEEDED,
            env=ENV,
            database_urls=urls,
        )
        try:

            def second_copy(service: str) -> None:
                running.start(f"{service}-api", as_name=f"{service}-api-2")

            with ThreadPoolExecutor(len(COPIED)) as pool:
                list(pool.map(second_copy, COPIED))
            assert all(running.cfg.database_url(s).startswith("postgresql") for s in SERVICES)
            yield running
        finally:
            running.stop()
    finally:
        broker.stop()


def copies(platform: RunningPlatform, service: str) -> tuple[str, str]:
    """The addresses of the two copies of ``service``'s api."""
    return platform.api(service), platform.url(f"{service}-api-2")


def new_source() -> dict[str, str]:
    """A client address of its own, as the gateway forwards it."""
    n = next(_addresses)
    return {"X-Forwarded-For": f"198.51.{100 + n // 250}.{n % 250 + 1}"}


def kind(resp: httpx.Response) -> str:
    """The problem type's last part (``rate-limited``), or the status when not a problem."""
    if resp.headers.get("content-type", "").startswith("application/problem+json"):
        return str(resp.json()["type"]).removeprefix(PROBLEM)
    return str(resp.status_code)


async def in_one_minute(
    run: Callable[[dict[str, str]], Awaitable[list[httpx.Response]]],
) -> list[httpx.Response]:
    """``run`` from a new client address; again from another one if the sequence straddled a
    minute (the limits count per fixed minute, a new one starts from zero)."""
    for _ in range(3):
        minute = int(time.time()) // 60
        answers = await run(new_source())
        if int(time.time()) // 60 == minute:
            return answers
    raise AssertionError("three sequences in a row straddled a minute")


# -- identity ---------------------------------------------------------------------------------


async def test_the_login_throttle_counts_the_failures_sent_to_both_copies(
    platform: RunningPlatform,
) -> None:
    one, two = copies(platform, "identity")
    email = f"agent.{uuid.uuid4().hex[:6]}@urssaf.example"
    await agent_bearer(platform, email)
    async with httpx.AsyncClient(timeout=30, headers=new_source()) as client:

        async def login(api: str, password: str) -> httpx.Response:
            body = {"username": email, "password": password}
            return await client.post(f"{api}/v1/auth/token", json=body)

        async def failure_after_the_wait(api: str) -> httpx.Response:
            async def answered() -> httpx.Response | None:
                resp = await login(api, WRONG)
                return None if resp.status_code == 429 else resp  # refused, not counted

            resp = await eventually(answered, timeout_s=10, interval_s=0.2, message="the wait")
            assert resp is not None
            return resp

        # three failures, alternately: each copy has seen at most two, yet the third (on copy
        # 1) makes the account wait a second, and copy 2 refuses the right password at once
        for api in (one, two, one):
            failed = await login(api, WRONG)
            assert (failed.status_code, kind(failed)) == (401, "invalid-credentials")
        refused = await login(two, PASSWORD)
        assert (refused.status_code, kind(refused)) == (429, "rate-limited"), refused.text
        assert refused.headers["Retry-After"] == "1"

        # the fourth failure (copy 2, once the wait is over) doubles the wait on copy 1, which
        # has seen two failures of its own
        assert (await failure_after_the_wait(two)).status_code == 401
        refused = await login(one, PASSWORD)
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["Retry-After"]) <= 2

        # the fifth (copy 1): four seconds, on copy 2 which has seen two; the right password
        # is refused by both, unchecked
        assert (await failure_after_the_wait(one)).status_code == 401
        for api in (two, one):
            refused = await login(api, PASSWORD)
            assert refused.status_code == 429, refused.text
            assert 3 <= int(refused.headers["Retry-After"]) <= 4


async def test_sessions_ended_on_one_copy_are_refused_by_the_other(
    platform: RunningPlatform,
) -> None:
    one, two = copies(platform, "identity")
    email = f"agent.{uuid.uuid4().hex[:6]}@urssaf.example"
    await agent_bearer(platform, email)
    async with httpx.AsyncClient(timeout=30, headers=new_source()) as client:

        async def login(api: str) -> dict[str, str]:
            body = {"username": email, "password": PASSWORD}
            resp = await client.post(f"{api}/v1/auth/token", json=body)
            assert resp.status_code == 200, resp.text
            pair: dict[str, str] = resp.json()
            return pair

        async def refresh(api: str, pair: dict[str, str]) -> httpx.Response:
            body = {"refresh_token": pair["refresh_token"]}
            return await client.post(f"{api}/v1/auth/refresh", json=body)

        def bearer(pair: dict[str, str]) -> dict[str, str]:
            return {"Authorization": f"Bearer {pair['access_token']}"}

        first, second, third = await login(one), await login(two), await login(one)

        # both copies list the same sessions, whichever copy opened them
        listed = [
            (await client.get(f"{api}/v1/me/sessions", headers=bearer(first))).json()
            for api in (one, two)
        ]
        assert listed[0] == listed[1]
        assert [s["current"] for s in listed[1]].count(True) == 1

        # a logout on copy 2 ends the session copy 1 opened
        out = await client.post(
            f"{two}/v1/auth/logout", json={"refresh_token": third["refresh_token"]}
        )
        assert out.status_code == 204, out.text
        rejected = await refresh(one, third)
        assert (rejected.status_code, kind(rejected)) == (401, "session-rejected")

        # a refresh token of copy 1 rotates on copy 2; « se déconnecter partout » on copy 1
        # then ends every session, those copy 2 opened or refreshed included
        rotated = await refresh(two, first)
        assert rotated.status_code == 200, rotated.text
        renewed: dict[str, str] = rotated.json()
        ended = await client.delete(f"{one}/v1/me/sessions", headers=bearer(renewed))
        assert ended.status_code == 200, ended.text
        assert ended.json()["ended"] == len(listed[0]) - 1  # the logged-out one was gone
        for api, pair in ((two, renewed), (two, second), (one, second)):
            rejected = await refresh(api, pair)
            assert (rejected.status_code, kind(rejected)) == (401, "session-rejected")

        # the access tokens already issued live out their 10 minutes (each api verifies them
        # alone against the JWKS, identity's README): on copy 2 as on copy 1, with no session
        for api in (one, two):
            me = await client.get(f"{api}/v1/me", headers=bearer(renewed))
            assert me.status_code == 200, me.text
            sessions = await client.get(f"{api}/v1/me/sessions", headers=bearer(renewed))
            assert (sessions.status_code, sessions.json()) == (200, [])


# -- mandates ---------------------------------------------------------------------------------


async def test_the_wrong_keys_typed_on_both_copies_lock_the_request_at_the_fifth(
    platform: RunningPlatform,
) -> None:
    rng = random.Random()
    siren, _, _ = await registered_artisan(platform, rng)
    one, two = copies(platform, "mandates")
    firm_email = f"firm.{uuid.uuid4().hex[:6]}@cabinet-copies.fr"
    async with httpx.AsyncClient(timeout=30) as client:
        signup = await client.post(
            f"{platform.api('identity')}/v1/cabinets",
            json=signup_body(firm_email, random_siret(rng), "Cabinet Copies"),
        )
        assert signup.status_code == 201, signup.text
        cabinet = f"/v1/cabinets/{signup.json()['cabinet_id']}/clients"
        firm = await activated_login(client, platform, firm_email, firm_email)
        row = await added_client(client, f"{one}{cabinet}", siren, firm)
        right = await key_from_letter(platform, row["id"])
        client_path = f"{cabinet}/{row['id']}"

        async def letter_sent() -> bool:  # nothing else changes the request while keys are typed
            resp = await client.get(f"{two}{client_path}", headers=firm)
            return bool(resp.json()["state"] == "letter_sent")

        await eventually(letter_sent, timeout_s=DEADLINE_S, message="the letter status")

        async def typed(api: str, key: str) -> httpx.Response:
            url = f"{api}{client_path}/activation"
            return await client.post(url, json={"key": key}, headers=firm)

        wrong = [k for k in (new_key() for _ in range(6)) if k != right][:5]
        for n, (api, key) in enumerate(zip((one, two, one, two), wrong, strict=False)):
            answer = await typed(api, key)
            assert (answer.status_code, kind(answer)) == (422, "wrong-key"), answer.text
            assert answer.json()["attempts_left"] == 4 - n
        locked = await typed(one, wrong[4])  # copy 1 has seen two wrong keys, copy 2 two
        assert (locked.status_code, kind(locked)) == (409, "request-locked"), locked.text
        for api in (two, one):  # the right key is no use now, on either copy
            answer = await typed(api, right)
            assert (answer.status_code, kind(answer)) == (409, "request-locked"), answer.text
        seen = [
            (await client.get(f"{api}{client_path}", headers=firm)).json() for api in (one, two)
        ]
        assert seen[0] == seen[1]
        assert seen[1]["state"] == "locked"
        assert [h["transition"] for h in seen[1]["history"]].count("key_entered") == 5


# -- attestations -----------------------------------------------------------------------------


async def test_the_public_verification_limit_counts_both_copies_together(
    platform: RunningPlatform,
) -> None:
    one, two = copies(platform, "attestations")
    async with httpx.AsyncClient(timeout=30) as client:

        async def verifications(source: dict[str, str]) -> list[httpx.Response]:
            return [
                await client.get(f"{api}/v1/verifications/ABCD-EFGH-JKMN-PQRS", headers=source)
                for api in itertools.islice(itertools.cycle((one, two)), VERIFY_LIMIT + 2)
            ]

        answers = await in_one_minute(verifications)
    # the limit's calls, alternately (each copy has answered half of them), then refused by
    # both: a copy counting alone would have let through twice as many
    assert [kind(a) for a in answers] == ["code-not-found"] * VERIFY_LIMIT + ["rate-limited"] * 2
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[VERIFY_LIMIT:])


# -- appointments -----------------------------------------------------------------------------


def a_nir(serial: int) -> str:
    body = f"18505751{serial:05d}"
    return body + stdnum_nir.calc_check_digits(body)


async def free_slots(client: httpx.AsyncClient, api: str) -> list[dict[str, Any]]:
    resp = await client.get(f"{api}/v1/slots", params={"agency_id": AGENCY, "limit": 60})
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def a_booking(client: httpx.AsyncClient, api: str, captcha: str = "") -> dict[str, Any]:
    """A booking form filled by a new person, for a slot no other booking of this module took
    (each serial its own), with a verification code solved from ``api``'s challenge."""
    serial = next(_serials)
    slots = await free_slots(client, api)
    return {
        "agency_id": AGENCY,
        "starts_at": slots[serial % len(slots)]["starts_at"],
        "reason_code": "cotisations-echeancier",
        "channel": "agence",
        "nir": a_nir(serial),
        "first_names": "Jean",
        "last_name": f"Dupont-{serial}",
        "address": "1 rue de la Paix, 75002 Paris",
        "mobile": "06 12 34 56 78",
        "email": f"rdv.{serial}.{uuid.uuid4().hex[:6]}@example.fr",
        "terms_accepted": True,
        "captcha": captcha or await verification_code(client, api),
    }


async def places_left(client: httpx.AsyncClient, api: str, starts_at: str) -> int:
    slot = next(s for s in await free_slots(client, api) if s["starts_at"] == starts_at)
    return int(slot["places_left"])


async def test_an_idempotency_key_replayed_on_the_other_copy_answers_the_first_booking(
    platform: RunningPlatform,
) -> None:
    one, two = copies(platform, "appointments")
    async with httpx.AsyncClient(timeout=30, headers=new_source()) as client:
        body = await a_booking(client, two)
        before = await places_left(client, one, body["starts_at"])
        key = {"Idempotency-Key": f"rdv-{uuid.uuid4()}"}
        first = await client.post(f"{one}/v1/appointments", json=body, headers=key)
        assert first.status_code == 201, first.text
        again = await client.post(f"{two}/v1/appointments", json=body, headers=key)
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        other = await client.post(
            f"{two}/v1/appointments", json={**body, "last_name": "Durand"}, headers=key
        )
        assert (other.status_code, kind(other)) == (422, "idempotency-key-reused"), other.text
        # one effect: one place taken, one appointment
        for api in (one, two):
            assert await places_left(client, api, body["starts_at"]) == before - 1
    held = await db_count(
        platform,
        "appointments",
        f"SELECT count(*) FROM appointments WHERE email = '{body['email']}'",
    )
    assert held == 1


async def test_a_verification_code_used_on_one_copy_is_refused_by_the_other(
    platform: RunningPlatform,
) -> None:
    one, two = copies(platform, "appointments")
    async with httpx.AsyncClient(timeout=30, headers=new_source()) as client:
        solved = await verification_code(client, two)  # a challenge of copy 2, used on copy 1
        booked = await client.post(
            f"{one}/v1/appointments", json=await a_booking(client, one, solved)
        )
        assert booked.status_code == 201, booked.text
        # another person, another slot, the same solution, on copy 2
        again = await client.post(
            f"{two}/v1/appointments", json=await a_booking(client, two, solved)
        )
    assert (again.status_code, kind(again)) == (422, "validation-error"), again.text
    assert again.json()["errors"][0]["field"] == "captcha"
    assert "déjà servi" in again.json()["detail"]


async def test_the_booking_limit_counts_both_copies_together(platform: RunningPlatform) -> None:
    one, two = copies(platform, "appointments")
    async with httpx.AsyncClient(timeout=30) as client:

        async def bookings(source: dict[str, str]) -> list[httpx.Response]:
            forms = [await a_booking(client, one) for _ in range(BOOKING_LIMIT + 2)]
            answers = []
            for api, form in zip(itertools.cycle((one, two)), forms, strict=False):
                answers.append(
                    await client.post(f"{api}/v1/appointments", json=form, headers=source)
                )
            return answers

        answers = await in_one_minute(bookings)
    # the limit's bookings, alternately, then both copies refuse: each alone has seen two
    assert [a.status_code for a in answers] == [201] * BOOKING_LIMIT + [429] * 2, [
        a.text for a in answers
    ]
    assert all(kind(a) == "rate-limited" for a in answers[BOOKING_LIMIT:])
