"""The OpenAPI document declares every status each of cotisations' routes can answer, each
problem as ``application/problem+json`` with its French description."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import AUDIENCE, create_app
from cotisations.entrypoints.problems import _PROBLEMS
from servicekit.clock import FakeClock
from servicekit.testing.tokens import verifier

ACCOUNT = "/v1/accounts/{affiliate_id}"
REFUSALS = {401, 403, 404, 500}  # no token; no right; no access or no account; unexpected
BODY = REFUSALS | {413, 422}  # a body too large, or refused
CREATING = BODY | {409}  # POST: an Idempotency-Key in use (409), reused (422)

EXPECTED = {
    ("get", ACCOUNT): REFUSALS | {200, 422},  # a year not covered
    ("get", f"{ACCOUNT}/career"): REFUSALS | {200},  # nothing the caller sends can be refused
    ("post", f"{ACCOUNT}/estimates/preview"): CREATING | {200},
    ("post", f"{ACCOUNT}/estimates"): CREATING | {201},
    ("post", f"{ACCOUNT}/incomes"): CREATING | {201},
    ("post", f"{ACCOUNT}/declarations"): CREATING | {201},
    ("put", f"{ACCOUNT}/periodicity"): BODY | {200},
    ("put", f"{ACCOUNT}/debit-day"): BODY | {200, 409},  # once a calendar year
    ("post", f"{ACCOUNT}/telepayment"): CREATING | {201},
    ("delete", f"{ACCOUNT}/telepayment"): REFUSALS | {200},
    ("get", f"{ACCOUNT}/payables"): REFUSALS | {200},
    ("post", f"{ACCOUNT}/telepayments/preview"): CREATING | {200},
    ("post", f"{ACCOUNT}/telepayments"): CREATING | {201},
    ("patch", f"{ACCOUNT}/telepayments/{{payment_id}}"): BODY | {200, 409},  # noon the day before
    ("post", f"{ACCOUNT}/payment-plans/preview"): CREATING | {200},
    ("post", f"{ACCOUNT}/payment-plans"): CREATING | {201},
    ("post", f"{ACCOUNT}/payment-plans/{{plan_id}}/decision"): CREATING | {200},
    ("get", f"{ACCOUNT}/payments"): REFUSALS | {200, 422},  # a page out of bounds
    ("post", f"{ACCOUNT}/payments"): CREATING | {201},  # the same cheque twice: 409
    ("post", f"{ACCOUNT}/opening-balance"): CREATING | {201},  # twice: 409
    ("get", f"{ACCOUNT}/direct-debit"): REFUSALS | {200},
    ("post", f"{ACCOUNT}/direct-debit"): CREATING | {201},  # a mandate in force already
    ("put", f"{ACCOUNT}/direct-debit"): BODY | {200, 409},  # no mandate in force
    ("delete", f"{ACCOUNT}/direct-debit"): REFUSALS | {200, 409},
    ("post", "/v1/operations/debit-runs"): (CREATING - {404}) | {200},
    ("post", "/v1/operations/bank-returns"): CREATING | {202},  # no file that day: 404
    ("post", "/v1/operations/plan-sweeps"): {200, 401, 403, 409, 422, 500},  # no body; its key
    ("post", "/v1/operations/standing-sweeps"): {200, 401, 403, 409, 422, 500},
}


@pytest.fixture(scope="module")
async def document() -> AsyncIterator[dict[str, Any]]:
    app = bootstrap(
        CotisationsSettings(database_url="sqlite+aiosqlite:///:memory:"), clock=FakeClock()
    )
    yield create_app(app, verifier=verifier(FakeClock(), audience=AUDIENCE)).openapi()
    await app.stop()


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_each_route_declares_exactly_the_statuses_it_can_answer(
    document: dict[str, Any], method: str, path: str
) -> None:
    responses = document["paths"][path][method]["responses"]
    assert {int(status) for status in responses} == EXPECTED[(method, path)]
    for status, response in responses.items():
        if int(status) < 400:
            continue
        assert response["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemRead"}}
        }, (status, response)
        assert not response["description"].isascii(), response["description"]  # French


def test_every_route_of_the_service_is_in_the_table(document: dict[str, Any]) -> None:
    ours = {
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "cotisations" in operation.get("tags", [])
    }
    assert ours == set(EXPECTED)


def test_each_refusal_of_the_domain_is_named_where_it_can_be_answered(
    document: dict[str, Any],
) -> None:
    said = " ".join(
        response["description"]
        for path, operations in document["paths"].items()
        if path.startswith(("/v1/accounts", "/v1/operations/debit-runs", "/v1/operations/bank"))
        for operation in operations.values()
        for response in operation["responses"].values()
    )
    for _, kind, _ in _PROBLEMS.values():
        if kind:  # empty: the refusal's own code is its type (the payments' below)
            assert f"`{kind}`" in said, kind
    for code in PAYMENT_CODES:
        assert f"`{code}`" in said, code


PAYMENT_CODES = (
    "telepayment-mandate-exists",
    "telepayment-mandate-active",
    "telepayment-mandate-missing",
    "telepayment-mandate-not-found",
    "telepayment-locked",
    "telepayment-not-found",
    "plan-already-decided",
    "payment-plan-not-found",
    "agent-only",
    "concurrent-request",
    "plan-debts-gone",
)
