"""The contribution account on a real database: opened from the registry's events, read by
the assuré, agents, and a firm only through an active mandate and portfolio access."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import httpx
import pytest
from contracts.identity import v1 as identity_v1
from cotisations.bootstrap import CotisationsApp, bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import AUDIENCE, create_app
from cotisations_samples import NOW, activated, affiliate, ended, event, subscribed, token
from servicekit.clock import FakeClock
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import verifier


@dataclass
class Service:
    client: httpx.AsyncClient
    app: CotisationsApp


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[Service]:
    app = bootstrap(CotisationsSettings(database_url=database_url), clock=FakeClock(NOW))
    api = create_app(app, verifier=verifier(FakeClock(NOW), audience=AUDIENCE))
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
            yield Service(client, app)


async def test_an_artisan_gets_an_account_with_the_minimum_contributions_on_moselle_working_days(
    service: Service,
) -> None:
    await service.app.on_affiliate(event(affiliate("aff-1", "artisan")))
    resp = await service.client.get(
        "/v1/accounts/aff-1", headers=token("assure", "acc-1", aff="aff-1", cat="artisan")
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["provisional_total"] == "1377.00"
    assert len(body["echeancier"]) == 12
    assert sum(float(i["amount"]) for i in body["echeancier"]) == pytest.approx(1377.00)
    assert body["echeancier"][3]["due_date"] == "2026-04-07"


async def test_an_affilie_of_long_standing_taken_over_today_owes_nothing_of_the_months_before(
    service: Service,
) -> None:
    """Affiliated since 2020, the account opened from the registry on the business date: the
    instalments due before that day are in the books this ledger replaces — shown
    ``before_ledger``, nothing outstanding, the account up to date — and the ledger calls
    from that day on. An earlier year reads the same."""
    await service.app.on_affiliate(event(affiliate("aff-1", "artisan")))
    headers = token("assure", "acc-1", aff="aff-1", cat="artisan")
    body = (await service.client.get("/v1/accounts/aff-1", headers=headers)).json()
    today = NOW.date().isoformat()
    before = [i for i in body["echeancier"] if i["due_date"] < today]
    assert before, "the business date falls after the year's first instalment"
    assert {(i["payment"], i["outstanding"]) for i in before} == {("before_ledger", "0.00")}
    after = [i for i in body["echeancier"] if i["due_date"] >= today]
    assert {i["payment"] for i in after} == {"upcoming"}
    assert (body["standing"]["overdue"], body["standing"]["up_to_date"]) == ("0.00", True)
    last_year = (await service.client.get("/v1/accounts/aff-1?year=2025", headers=headers)).json()
    assert {i["payment"] for i in last_year["echeancier"]} == {"before_ledger"}


async def test_a_retiree_or_a_profession_liberale_gets_no_account(service: Service) -> None:
    for i, category in enumerate(("retraite", "profession_liberale")):
        await service.app.on_affiliate(event(affiliate(f"aff-{i}", category)))
    resp = await service.client.get("/v1/accounts/aff-0", headers=token("agent", "ag-1"))
    assert resp.status_code == 404


async def test_a_radiation_stops_the_instalments_after_its_date(service: Service) -> None:
    await service.app.on_affiliate(event(affiliate("aff-1", "commercant")))
    await service.app.on_affiliate(
        event(
            identity_v1.AffiliateRadiatedV1(
                **{
                    **affiliate("aff-1", "commercant").model_dump(),
                    "radiated_on": date(2026, 6, 30),
                }
            )
        )
    )
    body = (await service.client.get("/v1/accounts/aff-1", headers=token("agent", "ag"))).json()
    assert body["closed_on"] == "2026-06-30"
    assert [i["due_date"][:7] for i in body["echeancier"]][-1] == "2026-06"


async def test_a_firm_reads_the_account_only_through_a_mandate_and_its_portfolio(
    service: Service,
) -> None:
    await service.app.on_affiliate(event(affiliate("aff-1", "artisan")))
    admin = token(
        "cabinet_user", "adm", cab="cab-1", rights=["admin", "clients", "declare", "pay", "read"]
    )
    paul = token("cabinet_user", "paul", cab="cab-1", rights=["read"])
    other = token("cabinet_user", "zoe", cab="cab-2", rights=["admin", "read"])

    async def status(headers: dict[str, str]) -> int:
        return (await service.client.get("/v1/accounts/aff-1", headers=headers)).status_code

    assert [await status(h) for h in (admin, paul, other)] == [404, 404, 404]
    await service.app.on_access_event(event(activated()))
    assert [await status(h) for h in (admin, paul, other)] == [200, 404, 404]
    await service.app.on_access_event(event(subscribed()))
    assert await status(paul) == 200
    await service.app.on_access_event(event(ended()))
    assert [await status(h) for h in (admin, paul)] == [404, 404]
    assert await status({}) == 401
    assert await status(token("assure", "acc-9", aff="aff-9", cat="artisan")) == 404


async def test_a_replayed_mandate_or_registry_event_changes_nothing(service: Service) -> None:
    """Redelivery (same event id) after the mandate ended reopens nothing; a replayed registry
    event does not reopen a closed account nor reset it."""
    registered = event(affiliate("aff-1", "artisan"))
    await service.app.on_affiliate(registered)
    admin = token("cabinet_user", "adm", cab="cab-1", rights=["admin", "read"])
    activation, end = event(activated()), event(ended())
    for delivered in (activation, end, activation, end, activation):
        await service.app.on_access_event(delivered)
    assert (await service.client.get("/v1/accounts/aff-1", headers=admin)).status_code == 404
    # the same activation again under another id (a replay from a dead-letter topic), older
    # than the end the read model holds: it stays ended
    earlier = activation.envelope.model_copy(
        update={"id": "replayed", "time": NOW - timedelta(days=1)}
    )
    await service.app.on_access_event(replace(activation, envelope=earlier))
    assert (await service.client.get("/v1/accounts/aff-1", headers=admin)).status_code == 404

    radiated = event(affiliate("aff-1", "artisan", radiated_on=date(2026, 6, 30)))
    for delivered in (radiated, registered):
        await service.app.on_affiliate(delivered)
    assure = token("assure", "acc-1", aff="aff-1", cat="artisan")
    account = (await service.client.get("/v1/accounts/aff-1", headers=assure)).json()
    assert account["closed_on"] == "2026-06-30"
    assert len(account["echeancier"]) == 6


async def test_registry_events_of_one_fetch_open_and_close_accounts_in_order(
    service: Service,
) -> None:
    await service.app.on_affiliates(
        [
            event(affiliate("aff-1", "artisan")),
            event(affiliate("aff-2", "retraite")),
            event(affiliate("aff-3", "commercant")),
            event(affiliate("aff-1", "artisan", radiated_on=date(2026, 6, 30))),
        ]
    )

    async def read(affiliate_id: str) -> httpx.Response:
        headers = token("assure", f"acc-{affiliate_id}", aff=affiliate_id, cat="artisan")
        return await service.client.get(f"/v1/accounts/{affiliate_id}", headers=headers)

    closed = (await read("aff-1")).json()
    assert (closed["closed_on"], len(closed["echeancier"])) == ("2026-06-30", 6)
    assert (await read("aff-2")).status_code == 404
    assert (await read("aff-3")).json()["category"] == "commercant"


async def test_access_events_of_one_fetch_apply_in_order(service: Service) -> None:
    await service.app.on_affiliate(event(affiliate("aff-1", "artisan")))
    paul = token("cabinet_user", "paul", cab="cab-1", rights=["read"])
    await service.app.on_access_events([event(activated()), event(subscribed())])
    assert (await service.client.get("/v1/accounts/aff-1", headers=paul)).status_code == 200
    await service.app.on_access_events([event(ended())])
    assert (await service.client.get("/v1/accounts/aff-1", headers=paul)).status_code == 404
