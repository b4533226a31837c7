"""Portfolios and who sees which client (seed 004, SPEC.md 3.4) on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from contracts.identity import v1 as identity_v1
from mandates_world import NOW, SIRET_OK, World, admin_headers, affiliate, user_headers, world

CAB = "cab-1"
ADMIN = "adm-1"
HEADERS = admin_headers(CAB, ADMIN)
COLLAB = user_headers(CAB, "col-1", ["clients", "read"])


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as built:
        await built.firm(CAB, ADMIN)
        await built.collaborator(CAB, "col-1", ["clients", "read"])
        await built.feed(affiliate("aff-1", "732829320"))
        yield built


async def _portfolios(w: World, headers: dict[str, str] = HEADERS) -> list[dict[str, object]]:
    resp = await w.client.get(f"/v1/cabinets/{CAB}/portfolios", headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json())


async def test_a_new_firm_has_a_default_portfolio_named_after_its_raison_sociale(
    w: World,
) -> None:
    [default] = await _portfolios(w)
    assert (default["name"], default["is_default"], default["owner_account_id"]) == (
        "Cabinet Martin",
        True,
        ADMIN,
    )
    assert [e["portfolio_name"] for e in await w.events("mandates.portfolio.created.v1")] == [
        "Cabinet Martin"
    ]


async def test_a_collaborator_sees_a_client_only_through_a_subscribed_portfolio(
    w: World,
) -> None:
    created = await w.client.post(
        f"/v1/cabinets/{CAB}/portfolios", json={"name": "Clients Lyon"}, headers=HEADERS
    )
    assert created.status_code == 201
    lyon = created.json()["id"]
    added = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": SIRET_OK, "name": "Boulangerie Dupont", "portfolio_id": lyon},
        headers=HEADERS,
    )
    client_id = added.json()["id"]
    url = f"/v1/cabinets/{CAB}/clients/{client_id}"

    assert (await w.client.get(url, headers=COLLAB)).status_code == 404
    listed = await w.client.get(f"/v1/cabinets/{CAB}/clients", headers=COLLAB)
    assert listed.json()["total"] == 0

    sub = await w.client.put(
        f"/v1/cabinets/{CAB}/portfolios/{lyon}/subscribers/col-1", headers=HEADERS
    )
    assert sub.status_code == 204
    [event] = await w.events("mandates.portfolio.subscriber_added.v1")
    assert [r["email"] for r in event["notify"]] == ["col-1@cabinet.fr"]
    assert (await w.client.get(url, headers=COLLAB)).status_code == 200
    assert (await w.client.get(f"/v1/cabinets/{CAB}/clients", headers=COLLAB)).json()["total"] == 1

    unsub = await w.client.delete(
        f"/v1/cabinets/{CAB}/portfolios/{lyon}/subscribers/col-1", headers=HEADERS
    )
    assert unsub.status_code == 204
    assert (await w.client.get(url, headers=COLLAB)).status_code == 404


async def test_rights_are_checked_a_reader_cannot_add_and_a_collaborator_cannot_manage(
    w: World,
) -> None:
    reader = user_headers(CAB, "col-2", ["read"])
    await w.collaborator(CAB, "col-2", ["read"])
    [default] = await _portfolios(w)
    await w.client.put(
        f"/v1/cabinets/{CAB}/portfolios/{default['id']}/subscribers/col-2", headers=HEADERS
    )
    add = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": SIRET_OK, "name": "Dupont"},
        headers=reader,
    )
    assert add.status_code == 403
    assert add.json()["right"] == "clients"
    create = await w.client.post(
        f"/v1/cabinets/{CAB}/portfolios", json={"name": "X"}, headers=COLLAB
    )
    assert create.status_code == 403
    other_firm = await w.client.get(
        "/v1/cabinets/cab-9/clients", headers=admin_headers("cab-1", ADMIN)
    )
    assert other_firm.status_code == 404


async def test_moving_a_client_and_transferring_a_portfolio_keep_the_mandate_active(
    w: World,
) -> None:
    await w.collaborator(CAB, "adm-2", ["admin", "clients", "declare", "pay", "read"])
    added = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": SIRET_OK, "name": "Boulangerie Dupont"},
        headers=HEADERS,
    )
    client_id = added.json()["id"]
    activated = await w.client.post(
        f"/v1/cabinets/{CAB}/clients/{client_id}/activation",
        json={"key": await w.key_of(client_id)},
        headers=HEADERS,
    )
    assert activated.status_code == 200
    lyon = (
        await w.client.post(
            f"/v1/cabinets/{CAB}/portfolios", json={"name": "Lyon"}, headers=HEADERS
        )
    ).json()["id"]

    moved = await w.client.post(
        f"/v1/cabinets/{CAB}/clients/{client_id}/move",
        json={"portfolio_id": lyon},
        headers=HEADERS,
    )
    assert moved.status_code == 200
    assert (moved.json()["portfolio_id"], moved.json()["state"]) == (lyon, "active")
    assert [e["portfolio_id"] for e in await w.events("mandates.mandate.moved.v1")] == [lyon]

    to_collaborator = await w.client.post(
        f"/v1/cabinets/{CAB}/portfolios/{lyon}/transfer",
        json={"to_account_id": "col-1"},
        headers=HEADERS,
    )
    assert to_collaborator.status_code == 409
    transferred = await w.client.post(
        f"/v1/cabinets/{CAB}/portfolios/{lyon}/transfer",
        json={"to_account_id": "adm-2"},
        headers=HEADERS,
    )
    assert transferred.status_code == 200
    assert transferred.json()["owner_account_id"] == "adm-2"
    [event] = await w.events("mandates.portfolio.transferred.v1")
    assert (event["from_account_id"], event["to_account_id"]) == (ADMIN, "adm-2")
    new_admin = admin_headers(CAB, "adm-2")
    client = await w.client.get(f"/v1/cabinets/{CAB}/clients/{client_id}", headers=new_admin)
    assert client.status_code == 200
    assert client.json()["state"] == "active"
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 1


async def test_portfolio_names_are_unique_and_only_an_empty_one_is_deleted(w: World) -> None:
    [default] = await _portfolios(w)
    lyon = (
        await w.client.post(
            f"/v1/cabinets/{CAB}/portfolios", json={"name": "Lyon"}, headers=HEADERS
        )
    ).json()["id"]
    twin = await w.client.post(
        f"/v1/cabinets/{CAB}/portfolios", json={"name": " lyon "}, headers=HEADERS
    )
    assert twin.status_code == 409
    renamed = await w.client.patch(
        f"/v1/cabinets/{CAB}/portfolios/{lyon}", json={"name": "Lyon Sud"}, headers=HEADERS
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Lyon Sud"
    [event] = await w.events("mandates.portfolio.renamed.v1")
    assert event["previous_name"] == "Lyon"
    await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": SIRET_OK, "name": "Dupont", "portfolio_id": lyon},
        headers=HEADERS,
    )
    url = f"/v1/cabinets/{CAB}/portfolios"
    assert (await w.client.delete(f"{url}/{lyon}", headers=HEADERS)).status_code == 409
    assert (await w.client.delete(f"{url}/{default['id']}", headers=HEADERS)).status_code == 409
    empty = (await w.client.post(url, json={"name": "Vide"}, headers=HEADERS)).json()["id"]
    assert (await w.client.delete(f"{url}/{empty}", headers=HEADERS)).status_code == 204
    assert len(await w.events("mandates.portfolio.deleted.v1")) == 1


async def test_a_collaborator_who_changed_address_is_told_at_the_new_one(w: World) -> None:
    await w.feed(
        identity_v1.AccountEmailChangedV1(
            account_id="col-1",
            kind="cabinet_user",
            email="paul.nouveau@cabinet.fr",
            display_name="Paul Leroy",
            changed_at=NOW,
        )
    )
    [default] = await _portfolios(w)
    sub = await w.client.put(
        f"/v1/cabinets/{CAB}/portfolios/{default['id']}/subscribers/col-1", headers=HEADERS
    )
    assert sub.status_code == 204
    [event] = await w.events("mandates.portfolio.subscriber_added.v1")
    assert [(r["email"], r["display_name"]) for r in event["notify"]] == [
        ("paul.nouveau@cabinet.fr", "Paul Leroy")
    ]


async def test_a_suspended_or_removed_collaborator_is_refused_the_firm_at_once(
    database_url: str,
) -> None:
    async with world(database_url) as w:
        await w.firm("cab-s", "adm-s")
        await w.collaborator("cab-s", "col-s", ["clients", "read"])
        headers = user_headers("cab-s", "col-s", ["clients", "read"])
        assert (
            await w.client.get("/v1/cabinets/cab-s/clients", headers=headers)
        ).status_code == 200
        for change in ("user_suspended", "user_removed"):
            await w.feed(
                identity_v1.CabinetUserChangedV1(
                    cabinet_id="cab-s", cabinet_name="Cabinet Martin", account_id="col-s",
                    user_name="Collab", change=change, rights=["clients", "read"], changed_at=NOW,
                )
            )  # fmt: skip
            refused = await w.client.get("/v1/cabinets/cab-s/clients", headers=headers)
            assert refused.status_code == 404, change
            assert refused.json()["type"].endswith("cabinet-not-found")
        assert (
            await w.client.get(
                "/v1/cabinets/cab-s/clients", headers=admin_headers("cab-s", "adm-s")
            )
        ).status_code == 200


async def test_every_write_answers_the_state_a_read_then_shows(w: World) -> None:
    """A write's answer is the state it produced: the same body as the next GET, never the
    aggregate alone (no subscribers, 0 clients, no history)."""
    await w.collaborator(CAB, "adm-2", ["admin", "clients", "declare", "pay", "read"])
    clients_url, portfolios_url = f"/v1/cabinets/{CAB}/clients", f"/v1/cabinets/{CAB}/portfolios"

    async def portfolio_read(portfolio_id: str) -> dict[str, object]:
        return next(p for p in await _portfolios(w) if p["id"] == portfolio_id)

    async def client_read(client_id: str) -> dict[str, object]:
        resp = await w.client.get(f"{clients_url}/{client_id}", headers=HEADERS)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    created = await w.client.post(portfolios_url, json={"name": "Lyon"}, headers=HEADERS)
    assert created.status_code == 201, created.text
    lyon = created.json()["id"]
    assert created.json() == await portfolio_read(lyon)

    added = await w.client.post(
        clients_url,
        json={"identifier": SIRET_OK, "name": "Boulangerie Dupont", "portfolio_id": lyon},
        headers=HEADERS,
    )
    assert added.status_code == 201, added.text
    client_id = added.json()["id"]
    assert added.json() == await client_read(client_id)
    assert [h["transition"] for h in added.json()["history"]][:1] == ["requested"]

    reissued = await w.client.post(f"{clients_url}/{client_id}/key", headers=HEADERS)
    assert reissued.status_code == 202, reissued.text
    assert reissued.json() == await client_read(client_id)

    activated = await w.client.post(
        f"{clients_url}/{client_id}/activation",
        json={"key": await w.key_of(client_id)},
        headers=HEADERS,
    )
    assert activated.status_code == 200, activated.text
    assert activated.json() == await client_read(client_id)

    sub = await w.client.put(f"{portfolios_url}/{lyon}/subscribers/col-1", headers=HEADERS)
    assert sub.status_code == 204

    renamed = await w.client.patch(
        f"{portfolios_url}/{lyon}", json={"name": "Lyon Sud"}, headers=HEADERS
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == await portfolio_read(lyon)
    assert (renamed.json()["subscribers"], renamed.json()["clients"]) == (["col-1"], 1)

    transferred = await w.client.post(
        f"{portfolios_url}/{lyon}/transfer", json={"to_account_id": "adm-2"}, headers=HEADERS
    )
    assert transferred.status_code == 200, transferred.text
    assert transferred.json() == await portfolio_read(lyon)
    assert (transferred.json()["subscribers"], transferred.json()["clients"]) == (
        ["adm-2", "col-1"],
        1,
    )

    [default] = [p for p in await _portfolios(w) if p["is_default"]]
    moved = await w.client.post(
        f"{clients_url}/{client_id}/move", json={"portfolio_id": default["id"]}, headers=HEADERS
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == await client_read(client_id)
