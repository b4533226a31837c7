"""The fuzz stage: property-based requests (schemathesis) on every api's own OpenAPI, as every
kind of caller — nobody, an assuré, a firm's administrator, a collaborator, an agent — valid
and invalid data alike, on the real processes. It fails on any server error, any status the
OpenAPI does not declare, and any answer that violates its declared schema or content type.

Bounded in time: ``FUZZ_EXAMPLES`` examples per operation, mode and caller (3 by default),
derandomized so that a failure found in CI is found again on a laptop.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from journeys import (
    PASSWORD,
    activated_login,
    agent_bearer,
    random_siret,
    registered_artisan,
    signup_body,
)
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
APIS = ("identity", "notifications", "cotisations", "mandates", "attestations", "appointments")
CALLERS = ("nobody", "assure", "firm_admin", "collaborator", "agent")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def _callers(platform: RunningPlatform) -> dict[str, dict[str, str]]:
    """A token of each kind of caller, obtained as those people obtain theirs."""
    rng = random.Random(2026)
    identity = platform.api("identity")
    suffix = uuid.uuid4().hex[:6]
    headers: dict[str, dict[str, str]] = {"nobody": {}}
    async with httpx.AsyncClient(timeout=30) as client:
        _, nir, registry = await registered_artisan(platform, rng)
        assure_email = f"assure.{suffix}@example.fr"

        async def signed_up() -> bool:
            resp = await client.post(
                f"{identity}/v1/assures",
                json={
                    "nir": nir,
                    "birth_date": registry.birth_date.isoformat(),
                    "birth_name": registry.birth_name,
                    "email": assure_email,
                    "password": PASSWORD,
                },
            )
            return resp.status_code == 201

        await eventually(signed_up, timeout_s=60, interval_s=0.5, message="the assuré")
        headers["assure"] = await activated_login(client, platform, assure_email, nir[:13])
        admin_email = f"admin.{suffix}@cabinet-fuzz.fr"
        signup = await client.post(
            f"{identity}/v1/cabinets", json=signup_body(admin_email, random_siret(rng))
        )
        assert signup.status_code == 201, signup.text
        cabinet_id = signup.json()["cabinet_id"]
        headers["firm_admin"] = await activated_login(client, platform, admin_email, admin_email)
        collaborator_email = f"collab.{suffix}@cabinet-fuzz.fr"
        invited = await client.post(
            f"{identity}/v1/cabinets/{cabinet_id}/users",
            json={"first_name": "Paul", "last_name": "Leroy", "email": collaborator_email,
                  "rights": ["clients", "declare", "read"]},
            headers=headers["firm_admin"],
        )  # fmt: skip
        assert invited.status_code == 201, invited.text
        headers["collaborator"] = await activated_login(
            client, platform, collaborator_email, collaborator_email, invited=True
        )
    headers["agent"] = await agent_bearer(platform, f"ops.{suffix}@urssaf.example")
    return headers


@pytest.fixture(scope="module")
def fuzzed(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningPlatform, dict[str, dict[str, str]]]]:
    platform = run_platform(
        tmp_path_factory.mktemp("fuzz"),
        kafka_bootstrap,
        env={"IDENTITY_RATE_LIMIT_LOGIN_PER_MINUTE": "100000"},
    )
    try:
        yield platform, asyncio.run(_callers(platform))
    finally:
        platform.stop()


def _fuzz(base: str, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=base, headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # no invalid input exists for this operation (nothing to negate)
            except (Exception, BaseExceptionGroup) as exc:  # each failure is a finding
                first = str(exc).strip().splitlines()[:6]
                found.append(f"{operation.label} [{mode.value}]: " + " | ".join(first))
    return found


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("api", APIS)
def test_no_request_gets_a_server_error_or_an_answer_its_openapi_does_not_declare(
    fuzzed: tuple[RunningPlatform, dict[str, dict[str, str]]], api: str, caller: str
) -> None:
    platform, callers = fuzzed
    findings = _fuzz(platform.api(api), callers[caller])
    assert findings == [], "\n".join(findings)


def test_the_fuzz_stage_reaches_every_api_of_the_stack() -> None:
    from devstack.services import SERVICES

    assert set(APIS) == {s.name for s in SERVICES}
