"""Clients, activation keys and the mandate lifecycle over HTTP on a real database (SQLite and
PostgreSQL): SPEC.md 3.1–3.3."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from contracts.notifications import v1 as notifications_v1
from mandates.adapters import orm
from mandates.domain import keys
from mandates_world import (
    SIREN_OK,
    SIRET_OK,
    World,
    admin_headers,
    affiliate,
    assure_headers,
    incoming,
    world,
)
from sqlalchemy import select

CAB = "cab-1"
ADMIN = "adm-1"
HEADERS = admin_headers(CAB, ADMIN)


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as built:
        await built.firm(CAB, ADMIN)
        await built.feed(affiliate("aff-1", SIREN_OK))
        yield built


async def _add(w: World, headers: dict[str, str] = HEADERS, cabinet: str = CAB) -> str:
    resp = await w.client.post(
        f"/v1/cabinets/{cabinet}/clients",
        json={"identifier": SIRET_OK, "name": "Boulangerie Dupont"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def _typo(key: str) -> str:
    symbols = keys.normalize(key)
    wrong = next(c for c in keys.ALPHABET if c != symbols[3])
    return symbols[:3] + wrong + symbols[4:]


async def _enter(
    w: World, client_id: str, key: str, headers: dict[str, str] = HEADERS
) -> tuple[int, dict[str, object]]:
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/clients/{client_id}/activation", json={"key": key}, headers=headers
    )
    return resp.status_code, resp.json()


async def test_the_key_from_the_letter_activates_the_mandate_and_a_typo_costs_no_attempt(
    w: World,
) -> None:
    client_id = await _add(w)
    [issued] = await w.events("mandates.mandate.key_issued.v1")
    assert issued["affiliate_id"] == "aff-1"
    assert "sealed_key" in issued
    key = await w.key_of(client_id)
    assert key not in str(issued)

    status, body = await _enter(w, client_id, _typo(key))
    assert (status, body["type"].rsplit("/", 1)[-1], body["attempts_left"]) == (422, "key-typo", 5)
    status, body = await _enter(w, client_id, keys.new_key())
    assert (status, body["type"].rsplit("/", 1)[-1], body["attempts_left"]) == (422, "wrong-key", 4)

    status, body = await _enter(w, client_id, key.lower().replace("-", " "))
    assert status == 200, body
    assert body["state"] == "active"
    assert len(await w.events("mandates.mandate.activated.v1")) == 1
    status, body = await _enter(w, client_id, key)
    assert status == 409


async def test_five_wrong_keys_lock_the_request_until_a_key_is_reissued(w: World) -> None:
    client_id = await _add(w)
    old_key = await w.key_of(client_id)
    answers = [(await _enter(w, client_id, keys.new_key()))[0] for _ in range(5)]
    assert answers == [422, 422, 422, 422, 409]
    status, body = await _enter(w, client_id, old_key)
    assert (status, body["type"].rsplit("/", 1)[-1]) == (409, "request-locked")
    assert len(await w.events("mandates.mandate.locked.v1")) == 1

    resp = await w.client.post(f"/v1/cabinets/{CAB}/clients/{client_id}/key", headers=HEADERS)
    assert resp.status_code == 202
    assert resp.json()["state"] == "requested"
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 2
    new_key = await w.key_of(client_id)
    assert (await _enter(w, client_id, old_key))[0] == 422
    assert (await _enter(w, client_id, new_key))[0] == 200


async def test_a_reissued_key_names_the_key_issue_it_supersedes(w: World) -> None:
    """Each re-issue's key_issued carries supersedes_event_id = the event id of the key issue
    it replaces (notifications withdraws that letter); a first key supersedes nothing."""
    client_id = await _add(w)
    for _ in range(2):
        resp = await w.client.post(f"/v1/cabinets/{CAB}/clients/{client_id}/key", headers=HEADERS)
        assert resp.status_code == 202, resp.text
    async with w.app.sessions() as session:
        rows = (
            await session.execute(
                select(orm.outbox.c.event_id, orm.outbox.c.payload)
                .where(orm.outbox.c.event_type == "mandates.mandate.key_issued.v1")
                .order_by(orm.outbox.c.id)
            )
        ).all()
    issued = [(event_id, json.loads(payload)) for event_id, payload in rows]
    assert [p["mandate_id"] for _, p in issued] == [client_id] * 3
    (first_id, first), (second_id, second), (_, third) = issued
    assert first["supersedes_event_id"] is None
    assert second["supersedes_event_id"] == first_id
    assert third["supersedes_event_id"] == second_id


async def test_another_firms_key_is_refused_exactly_like_a_wrong_key(w: World) -> None:
    await w.firm("cab-2", "adm-2", "Cabinet Leroy")
    ours = await _add(w)
    theirs = await _add(w, admin_headers("cab-2", "adm-2"), "cab-2")
    their_key = await w.key_of(theirs)
    status, body = await _enter(w, ours, their_key)
    wrong_status, wrong = await _enter(w, ours, keys.new_key())
    assert status == wrong_status == 422
    same = ("type", "title", "status")
    assert {k: body[k] for k in same} == {k: wrong[k] for k in same}
    assert (body["attempts_left"], wrong["attempts_left"]) == (4, 3)


async def test_two_simultaneous_right_keys_activate_the_mandate_once(w: World) -> None:
    client_id = await _add(w)
    key = await w.key_of(client_id)
    results = await asyncio.gather(_enter(w, client_id, key), _enter(w, client_id, key))
    assert sorted(status for status, _ in results) == [200, 409]
    assert len(await w.events("mandates.mandate.activated.v1")) == 1


@pytest.mark.parametrize(
    ("identifier", "registry", "status", "kind"),
    [
        ("73282932000075", None, 422, "invalid-siret"),
        ("732829321", None, 422, "invalid-siren"),
        ("123456789012", None, 422, "invalid-identifier"),
        ("552100554", None, 422, "unknown-affiliate"),
        ("552100554", {"radiated": True}, 422, "radiated"),
        ("552100554", {"consent": False}, 422, "consent-off"),
    ],
)
async def test_a_client_the_registry_does_not_allow_is_refused_with_its_reason(
    w: World, identifier: str, registry: dict[str, bool] | None, status: int, kind: str
) -> None:
    if registry is not None:
        await w.feed(affiliate("aff-2", "552100554", **registry))
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": identifier, "name": "Client"},
        headers=HEADERS,
    )
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"].endswith("/" + kind)
    assert await w.events("mandates.mandate.key_issued.v1") == []


async def test_a_client_already_followed_by_the_firm_is_a_conflict(w: World) -> None:
    await _add(w)
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": SIREN_OK, "name": "Encore"},
        headers=HEADERS,
    )
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/already-client")


async def test_deleting_a_pending_client_and_adding_it_again_kills_the_old_key(w: World) -> None:
    first = await _add(w)
    old_key = await w.key_of(first)
    assert (
        await w.client.delete(f"/v1/cabinets/{CAB}/clients/{first}", headers=HEADERS)
    ).status_code == 204
    second = await _add(w)
    assert (await _enter(w, first, old_key))[0] == 409
    assert (await _enter(w, second, old_key))[0] == 422
    assert (await _enter(w, second, await w.key_of(second)))[0] == 200


async def test_another_firm_activating_ends_the_previous_mandate_and_both_are_told(
    w: World,
) -> None:
    await w.firm("cab-2", "adm-2", "Cabinet Leroy")
    ours = await _add(w)
    assert (await _enter(w, ours, await w.key_of(ours)))[0] == 200
    theirs = await _add(w, admin_headers("cab-2", "adm-2"), "cab-2")
    resp = await w.client.post(
        f"/v1/cabinets/cab-2/clients/{theirs}/activation",
        json={"key": await w.key_of(theirs)},
        headers=admin_headers("cab-2", "adm-2"),
    )
    assert resp.status_code == 200
    [ended] = await w.events("mandates.mandate.ended.v1")
    assert (ended["cabinet_id"], ended["ended_by"]) == (CAB, "replacement")
    assert [r["email"] for r in ended["notify"]] == ["adm-1@cabinet.fr"]
    mine = await w.client.get(f"/v1/cabinets/{CAB}/clients/{ours}", headers=HEADERS)
    assert (mine.json()["state"], mine.json()["ended_by"]) == ("ended", "replacement")


async def test_the_client_sees_who_holds_the_mandate_and_revokes_it_at_once(w: World) -> None:
    client_id = await _add(w)
    assert (await _enter(w, client_id, await w.key_of(client_id)))[0] == 200
    me = assure_headers("aff-1")
    held = (await w.client.get("/v1/me/mandates", headers=me)).json()
    assert held["current"]["cabinet_name"] == "Cabinet Martin"
    assert held["current"]["since"] is not None

    assert (await w.client.delete("/v1/me/mandates/current", headers=me)).status_code == 204
    [ended] = await w.events("mandates.mandate.ended.v1")
    assert ended["ended_by"] == "client"
    assert [r["email"] for r in ended["notify"]] == ["adm-1@cabinet.fr"]
    after = (await w.client.get("/v1/me/mandates", headers=me)).json()
    assert after["current"] is None
    assert [h["transition"] for h in after["past"][0]["history"]] == [
        "requested",
        "activated",
        "ended",
    ]
    firm_view = (
        await w.client.get(f"/v1/cabinets/{CAB}/clients/{client_id}", headers=HEADERS)
    ).json()
    assert [h["transition"] for h in firm_view["history"]] == ["requested", "activated", "ended"]
    assert (await w.client.delete("/v1/me/mandates/current", headers=me)).status_code == 404


async def test_the_assure_sees_the_scopes_and_every_transition_with_who_made_it(
    w: World,
) -> None:
    """requested, letter sent, wrong keys entered, locked, a new key, activated, ended: each
    with who made it (firm, assuré, system); and what the firm reaches, and never reaches."""
    me = assure_headers("aff-1")
    client_id = await _add(w)
    pending = (await w.client.get("/v1/me/mandates", headers=me)).json()
    assert pending["current"] is None
    assert [(p["mandate_id"], p["state"]) for p in pending["pending"]] == [(client_id, "requested")]
    for _ in range(5):
        await _enter(w, client_id, keys.new_key())
    locked = (await w.client.get("/v1/me/mandates", headers=me)).json()
    assert [p["state"] for p in locked["pending"]] == ["locked"]
    assert (
        await w.client.post(f"/v1/cabinets/{CAB}/clients/{client_id}/key", headers=HEADERS)
    ).status_code == 202
    issued = (await w.events("mandates.mandate.key_issued.v1"))[-1]
    await w.feed(
        notifications_v1.LetterStatusChangedV1(
            message_id="msg-2",
            kind="activation_key_letter",
            source_event_id=await _key_event_id(w, client_id),
            affiliate_id=issued["affiliate_id"],
            status="posted",
            changed_at=issued["issued_at"],
        )
    )
    assert (await _enter(w, client_id, await w.key_of(client_id)))[0] == 200

    held = (await w.client.get("/v1/me/mandates", headers=me)).json()
    current = held["current"]
    assert (current["mandate_id"], held["pending"]) == (client_id, [])
    assert [sc["code"] for sc in current["scopes"]] == [
        "donnees_personnelles",
        "cotisations",
        "attestations",
    ]
    assert {sc["code"] for sc in current["never_delegated"]} == {"sante", "releve_de_carriere"}
    assert all(sc["label"] and sc["access"] for sc in current["scopes"])

    assert (await w.client.delete("/v1/me/mandates/current", headers=me)).status_code == 204
    [past] = (await w.client.get("/v1/me/mandates", headers=me)).json()["past"]
    assert [(h["transition"], h["by"]) for h in past["history"]] == [
        ("requested", "firm"),
        *[("key_entered", "firm")] * 5,
        ("locked", "system"),
        ("key_reissued", "firm"),
        ("letter_sent", "system"),
        ("activated", "firm"),
        ("ended", "assure"),
    ]
    assert past["history"][1]["detail"] == "clé erronée, 4 essai(s) restant(s)"
    assert past["history"][-1]["by_label"] == "vous"
    assert all(h["label"] for h in past["history"])


async def test_a_firm_user_cannot_use_the_client_endpoints(w: World) -> None:
    resp = await w.client.get("/v1/me/mandates", headers=HEADERS)
    assert resp.status_code == 403


async def test_a_radiation_ends_the_mandate(w: World) -> None:
    client_id = await _add(w)
    assert (await _enter(w, client_id, await w.key_of(client_id)))[0] == 200
    await w.feed(affiliate("aff-1", SIREN_OK, radiated=True))
    [ended] = await w.events("mandates.mandate.ended.v1")
    assert ended["ended_by"] == "registry"


async def test_a_radiation_in_a_fetch_of_registry_events_drops_the_pending_request(
    w: World,
) -> None:
    client_id = await _add(w)
    await w.feed_fetch(
        [
            incoming(affiliate("aff-9", "552100554")),
            incoming(affiliate("aff-1", SIREN_OK, radiated=True)),
        ]
    )
    [deleted] = await w.events("mandates.mandate.deleted.v1")
    assert deleted["mandate_id"] == client_id
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": "552100554", "name": "Nouvelle"},
        headers=HEADERS,
    )
    assert resp.status_code == 201, resp.text


async def test_the_letter_status_is_shown_and_the_first_one_means_letter_sent(w: World) -> None:
    client_id = await _add(w)
    for status in await _letter_statuses(w, client_id, "queued", "posted"):
        await w.feed(status)
    view = (await w.client.get(f"/v1/cabinets/{CAB}/clients/{client_id}", headers=HEADERS)).json()
    assert (view["state"], view["letter_status"]) == ("letter_sent", "posted")
    assert len(await w.events("mandates.mandate.letter_status_changed.v1")) == 2


async def test_letter_statuses_of_one_fetch_apply_in_order_and_once(w: World) -> None:
    client_id = await _add(w)
    fetch = [incoming(s) for s in await _letter_statuses(w, client_id, "queued", "posted")]
    await w.feed_fetch(fetch)
    await w.feed_fetch([fetch[1], fetch[0]])  # redelivered: nothing moves back

    view = (await w.client.get(f"/v1/cabinets/{CAB}/clients/{client_id}", headers=HEADERS)).json()
    assert (view["state"], view["letter_status"]) == ("letter_sent", "posted")
    assert len(await w.events("mandates.mandate.letter_status_changed.v1")) == 2


async def _letter_statuses(
    w: World, client_id: str, *statuses: str
) -> list[notifications_v1.LetterStatusChangedV1]:
    """notifications' news of the client's key letter, one per status, in order."""
    [issued] = await w.events("mandates.mandate.key_issued.v1")
    envelope_id = await _key_event_id(w, client_id)
    return [
        notifications_v1.LetterStatusChangedV1(
            message_id="msg-1",
            kind="activation_key_letter",
            source_event_id=envelope_id,
            affiliate_id=issued["affiliate_id"],
            status=status,  # type: ignore[arg-type]
            changed_at=issued["issued_at"],
        )
        for status in statuses
    ]


async def _key_event_id(w: World, client_id: str) -> str:
    from mandates.adapters import orm
    from sqlalchemy import select

    async with w.app.sessions() as session:
        row = (
            await session.execute(
                select(orm.mandates.c.key_event_id).where(orm.mandates.c.id == client_id)
            )
        ).one()
        return str(row.key_event_id)


async def test_the_client_list_is_paginated_searchable_and_sorted(w: World) -> None:
    sirens = ["552100554", "542107651", "443061841"]
    names = ["Charlie SARL", "Alpha SAS", "Bravo EURL"]
    for i, (siren, name) in enumerate(zip(sirens, names, strict=True)):
        await w.feed(affiliate(f"aff-l{i}", siren))
        resp = await w.client.post(
            f"/v1/cabinets/{CAB}/clients",
            json={"identifier": siren, "name": name},
            headers=HEADERS,
        )
        assert resp.status_code == 201, resp.text
    page = (
        await w.client.get(f"/v1/cabinets/{CAB}/clients?size=2&sort=name", headers=HEADERS)
    ).json()
    assert page["total"] == 3
    assert [c["name"] for c in page["items"]] == ["Alpha SAS", "Bravo EURL"]
    page2 = (
        await w.client.get(f"/v1/cabinets/{CAB}/clients?size=2&page=2&sort=name", headers=HEADERS)
    ).json()
    assert [c["name"] for c in page2["items"]] == ["Charlie SARL"]
    found = (await w.client.get(f"/v1/cabinets/{CAB}/clients?q=brav", headers=HEADERS)).json()
    assert [c["name"] for c in found["items"]] == ["Bravo EURL"]
    by_siren = (await w.client.get(f"/v1/cabinets/{CAB}/clients?q=5421", headers=HEADERS)).json()
    assert [c["siren"] for c in by_siren["items"]] == ["542107651"]
    desc = (await w.client.get(f"/v1/cabinets/{CAB}/clients?sort=-name", headers=HEADERS)).json()
    assert desc["items"][0]["name"] == "Charlie SARL"
