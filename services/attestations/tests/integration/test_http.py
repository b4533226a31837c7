"""attestations' HTTP API in-process, over a real database: who may issue and download, the
vigilance refusals, the payment certificate, the public verification, the JWKS."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from attestations.adapters.pdf import payload_of
from attestations.verify import main as verify_main
from attestations.verify import verify_payload
from attestations_samples import (
    NOW,
    Api,
    activated,
    affiliate,
    assure,
    feed,
    firm_user,
    recorded,
    rejected,
    running_api,
    standing,
    subscribed,
)
from contracts.cotisations import v1 as cotisations_v1
from pypdf import PdfReader
from servicekit.testing.tokens import bearer


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(
        f"sqlite+aiosqlite:///{tmp_path}/a.db",
        tmp_path / "data",
        affiliate("aff-1", "artisan"),
        affiliate("aff-2", "profession_liberale", birth_name="Martin"),
        affiliate("aff-3", "retraite", birth_name="Durand"),
        recorded("pay-1", "412.00", date(2026, 2, 5)),
        recorded("pay-0", "400.00", date(2025, 11, 5), standing=standing(as_of=date(2025, 11, 5))),
        recorded(
            "pay-9",
            "100.00",
            date(2025, 12, 5),
            status="pending",
            standing=standing(as_of=date(2025, 12, 5)),
        ),
        activated("aff-1"),
        subscribed("paul"),
        pades=False,
    ) as api:
        yield api


async def test_an_artisan_gets_a_vigilance_certificate_valid_six_months(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "vigilance"}, headers=assure()
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["valid_until"] == "2026-09-10"
    assert body["status"] == "valid"
    assert body["holder"] == "Jean Dupont"
    assert [len(g) for g in body["code"].split("-")] == [4, 4, 4, 4]
    pdf = await api.client.get(body["pdf_url"], headers=assure())
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Attestation de vigilance" in text
    assert body["code"] in text
    assert "10 septembre 2026" in text
    events = await api.outbox()
    assert [t for t, _ in events] == ["attestations.attestation.issued.v1"]
    assert events[0][1]["kind"] == "vigilance"


async def test_the_same_certificate_downloads_byte_for_byte_the_same(api: Api) -> None:
    made = (
        await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "affiliation"},
            headers=assure(),
        )
    ).json()
    first = await api.client.get(made["pdf_url"], headers=assure())
    api.later(40)
    second = await api.client.get(made["pdf_url"], headers=assure(at=api.clock.now()))
    assert first.content == second.content


async def test_a_vigilance_certificate_is_refused_with_the_unpaid_amount_and_what_to_do(
    api: Api,
) -> None:
    await feed(api.app, rejected("pay-1", "412.00"), at=api.clock.now())
    resp = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "vigilance"}, headers=assure()
    )
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["type"].endswith("attestation-refused")
    assert problem["title"] == "Attestation refusée"
    assert problem["reason"] == "unpaid"
    assert "412,00 €" in problem["detail"]
    assert "délai de paiement" in problem["what_to_do"]


async def test_an_instalment_left_unpaid_with_no_payment_refuses_the_next_certificate(
    api: Api,
) -> None:
    """No payment event: cotisations' daily sweep says the calendar made an instalment overdue
    (``standing_changed``), and that is what the next request reads."""
    ask = {"affiliate_id": "aff-1", "kind": "vigilance"}
    assert (
        await api.client.post("/v1/attestations", json=ask, headers=assure())
    ).status_code == 201
    overdue = standing("114.75", as_of=date(2026, 3, 10), oldest=date(2026, 3, 5))
    changed = cotisations_v1.StandingChangedV1(
        affiliate_id="aff-1", standing=overdue, reason="overdue", changed_at=api.clock.now()
    )
    await feed(api.app, changed, at=api.clock.now())
    resp = await api.client.post("/v1/attestations", json=ask, headers=assure())
    assert resp.status_code == 422, resp.text
    assert resp.json()["reason"] == "unpaid"
    assert "114,75 €" in resp.json()["detail"]
    assert "5 mars 2026" in resp.json()["detail"]


async def test_a_payment_certificate_counts_the_payments_that_stand_in_the_year(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-1", "kind": "paiement", "year": 2025},
        headers=assure(),
    )
    assert resp.status_code == 201, resp.text
    assert "400,00 €" in resp.json()["statement"]  # the pending debit of December is not paid yet


async def test_a_payment_certificate_needs_its_year(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "paiement"}, headers=assure()
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "year"


@pytest.mark.parametrize(
    ("kind", "who", "year", "reason", "words"),
    [
        ("paiement", "aff-1", 2027, "year_not_begun", "L'année 2027 n'est pas encore commencée"),
        ("fiscale", "aff-3", 2027, "year_not_begun", "L'année 2027 n'est pas encore commencée"),
        ("paiement", "aff-1", 2019, "year_before_affiliation", "1er janvier 2020"),
    ],
)
async def test_a_payment_certificate_covers_only_a_year_begun_since_the_affiliation(
    api: Api, kind: str, who: str, year: int, reason: str, words: str
) -> None:
    headers = assure(who, "retraite") if who == "aff-3" else assure()
    resp = await api.client.post(
        "/v1/attestations", json={"affiliate_id": who, "kind": kind, "year": year}, headers=headers
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["reason"] == reason
    assert words in resp.json()["detail"]
    assert resp.json()["what_to_do"].startswith("Choisissez l'année")
    listed = await api.client.get(f"/v1/affiliates/{who}/attestations", headers=headers)
    assert listed.json()["items"] == []  # nothing issued


async def test_a_firm_user_with_the_read_right_gets_the_client_s_certificate(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "vigilance"}, headers=firm_user()
    )
    assert resp.status_code == 201, resp.text
    pdf = await api.client.get(resp.json()["pdf_url"], headers=firm_user())
    assert pdf.status_code == 200


async def test_a_firm_user_without_the_read_right_is_refused_naming_it(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-1", "kind": "vigilance"},
        headers=firm_user(rights=("pay",)),
    )
    assert resp.status_code == 403
    assert resp.json()["right"] == "read"


@pytest.mark.parametrize(
    "headers",
    [
        assure("aff-9"),
        firm_user("pierre"),
        bearer("cabinet_user", "x", exp_at=NOW, cab="cab-2", rights=["read", "admin"]),
        bearer("agent", "agent-1", exp_at=NOW),
    ],
    ids=["another assuré", "an unsubscribed collaborator", "another firm", "an agent"],
)
async def test_anyone_else_gets_404_for_another_person_s_certificate(
    api: Api, headers: dict[str, str]
) -> None:
    made = (
        await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "affiliation"},
            headers=assure(),
        )
    ).json()
    create = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "affiliation"}, headers=headers
    )
    assert create.status_code == 404
    for path in (made["pdf_url"], f"/v1/attestations/{made['attestation_id']}"):
        assert (await api.client.get(path, headers=headers)).status_code == 404
    unknown = await api.client.get("/v1/attestations/nope/pdf", headers=assure())
    assert unknown.status_code == 404


async def test_a_profession_liberale_is_refused_the_teleservice(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-2", "kind": "affiliation"},
        headers=assure("aff-2", "profession_liberale"),
    )
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("teleservice-closed")


async def test_a_pensioner_gets_an_affiliation_certificate_but_no_vigilance(api: Api) -> None:
    ok = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-3", "kind": "affiliation"},
        headers=assure("aff-3", "retraite"),
    )
    assert ok.status_code == 201
    no = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-3", "kind": "vigilance"},
        headers=assure("aff-3", "retraite"),
    )
    assert no.status_code == 422
    assert no.json()["type"].endswith("kind-not-applicable")


async def test_a_radiation_certificate_only_once_radiated(api: Api) -> None:
    refused = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "radiation"}, headers=assure()
    )
    assert refused.status_code == 422
    await feed(api.app, affiliate("aff-1", radiated_on=date(2026, 3, 1)), at=api.clock.now())
    made = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "radiation"}, headers=assure()
    )
    assert made.status_code == 201
    assert "1er mars 2026" in made.json()["statement"]


async def test_an_idempotency_key_replays_the_first_answer(api: Api) -> None:
    headers = {**assure(), "Idempotency-Key": "k-1"}
    body = {"affiliate_id": "aff-1", "kind": "affiliation"}
    first = await api.client.post("/v1/attestations", json=body, headers=headers)
    again = await api.client.post("/v1/attestations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert len(await api.outbox()) == 1


async def test_the_public_verification_says_what_the_certificate_says_and_its_status(
    api: Api,
) -> None:
    made = (
        await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "vigilance"},
            headers=assure(),
        )
    ).json()
    code = made["code"]
    seen = await api.client.get(f"/v1/verifications/{code.lower().replace('-', '')}")
    assert seen.status_code == 200
    assert seen.json()["status"] == "valid"
    assert seen.json()["holder"] == "Jean Dupont"
    assert set(seen.json()) == {
        "status",
        "code",
        "kind",
        "title",
        "holder",
        "siren",
        "period",
        "statement",
        "issued_on",
        "valid_until",
    }
    api.later(200)
    assert (await api.client.get(f"/v1/verifications/{code}")).json()["status"] == "expired"
    revoke = await api.client.post(
        f"/v1/attestations/{made['attestation_id']}/revocation",
        json={"reason": "Émise par erreur"},
        headers=bearer("agent", "agent-1", exp_at=api.clock.now()),
    )
    assert revoke.status_code == 200, revoke.text
    assert (await api.client.get(f"/v1/verifications/{code}")).json()["status"] == "revoked"


async def test_an_unknown_code_and_a_mistyped_one_answer_alike(api: Api) -> None:
    made = (
        await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "affiliation"},
            headers=assure(),
        )
    ).json()
    code = made["code"].replace("-", "")
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")
    from attestations.domain.codes import new_code

    answers = [await api.client.get(f"/v1/verifications/{c}") for c in (typo, new_code(), "x")]
    assert {a.status_code for a in answers} == {404}
    assert len({(a.json()["type"], a.json()["detail"]) for a in answers}) == 1


async def test_the_verification_is_rate_limited(api: Api) -> None:
    answers = [
        (await api.client.get("/v1/verifications/AAAA-AAAA-AAAA-AAAA")).status_code
        for _ in range(api.app.settings.verify_limit + 1)
    ]
    assert answers[-1] == 429
    assert set(answers[:-1]) == {404}


async def test_the_pdf_carries_the_signed_payload_that_verifies_offline_with_the_jwks(
    api: Api, tmp_path: Path
) -> None:
    made = (
        await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "vigilance"},
            headers=assure(),
        )
    ).json()
    pdf = (await api.client.get(made["pdf_url"], headers=assure())).content
    jwks = (await api.client.get("/.well-known/attestations-jwks.json")).json()
    payload = payload_of(pdf)
    assert payload is not None
    result = verify_payload(payload, jwks)
    assert result.ok
    assert result.claims["c"] == made["code"]
    (tmp_path / "a.pdf").write_bytes(pdf)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    # unsealed (this api runs without its PAdES seal): the document itself is not trusted
    assert verify_main([str(tmp_path / "a.pdf"), "--jwks", str(tmp_path / "jwks.json")]) == 1
    prefix, kid, claims, signature = payload.split(".")
    other = verify_payload(
        ".".join(
            [prefix, kid, claims[:-4] + ("AAAA" if claims[-4:] != "AAAA" else "BBBB"), signature]
        ),
        jwks,
    )
    assert not other.ok
    assert verify_main([payload, "--jwks", str(tmp_path / "jwks.json")]) == 0


async def test_a_telepayment_changed_before_its_debit_counts_for_its_new_amount(api: Api) -> None:
    later = api.clock.now()
    changed = cotisations_v1.TelepaymentChangedV1(
        affiliate_id="aff-1",
        payment_id="pay-9",
        external_reference="tp-9",
        amount="80.00",
        previous_amount="100.00",
        parts=[cotisations_v1.TelepaymentPart(iban="FR76 **** 0189", amount="80.00")],
        value_date=date(2025, 12, 5),
        paid=[],
        standing=standing(as_of=date(2025, 12, 4)),
        changed_at=later,
    )
    await feed(api.app, changed, at=later)
    settled = cotisations_v1.PaymentSettledV1(
        affiliate_id="aff-1",
        payment_id="pay-9",
        amount="80.00",
        settled_on=date(2025, 12, 5),
        standing=standing(as_of=date(2025, 12, 8)),
        settled_at=later,
    )
    await feed(api.app, settled, at=later)
    # the first announcement replayed: older, it changes nothing
    await feed(
        api.app,
        recorded("pay-9", "100.00", date(2025, 12, 5), status="pending"),
        at=datetime(2025, 12, 1, tzinfo=UTC),
        event_id="replayed-pay-9",
    )
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-1", "kind": "paiement", "year": 2025},
        headers=assure(),
    )
    assert resp.status_code == 201, resp.text
    assert "480,00 €" in resp.json()["statement"]


async def test_a_missing_declaration_refuses_vigilance_until_cotisations_says_it_is_received(
    api: Api,
) -> None:
    ask = {"affiliate_id": "aff-1", "kind": "vigilance"}

    def changed(missing: list[str]) -> cotisations_v1.StandingChangedV1:
        return cotisations_v1.StandingChangedV1(
            affiliate_id="aff-1",
            standing=standing(as_of=date(2026, 3, 10)),
            reason="changed",
            missing_declarations=missing,
            changed_at=api.clock.now(),
        )

    first = api.clock.now()
    await feed(api.app, changed(["2025-T4", "2026-01"]), at=first)
    refused = await api.client.post("/v1/attestations", json=ask, headers=assure())
    assert refused.status_code == 422, refused.text
    assert refused.json()["reason"] == "declaration_missing"
    assert "du 4e trimestre 2025 et de janvier 2026" in refused.json()["detail"]
    assert "Déclarer mon chiffre d'affaires" in refused.json()["what_to_do"]
    received = first + timedelta(minutes=5)
    await feed(api.app, changed([]), at=received)
    await feed(api.app, changed(["2026-01"]), at=first - timedelta(days=1))  # older, late
    granted = await api.client.post("/v1/attestations", json=ask, headers=assure())
    assert granted.status_code == 201, granted.text
