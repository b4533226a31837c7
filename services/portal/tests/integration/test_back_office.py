"""The agents' pages over the real apps: their « Mon compte » entries, the registry load's
report row by row (and a form without its token refused), a payment-delay plan the rule
leaves to an agent decided with its reason, and a message really dead-lettered by
cotisations' consumer listed then replayed; anyone else gets a French 403 page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from contracts.bank import v1 as bank_v1
from contracts.envelope import Envelope
from cotisations.entrypoints.worker import router as cotisations_router
from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    Browser,
    Platform,
    agent_of_its_own,
    assure_of_its_own,
    debt_on,
    form_token,
    main_text,
    sign_in,
)
from servicekit.messaging.consumer import GroupConsumer
from servicekit.messaging.events import REPLAYED_FROM
from servicekit.messaging.partitions import PartitionTracker
from servicekit.operations.replays import (
    KafkaDlqReplayer,
    MovedLetter,
    ReplayStore,
    carry_out_next,
)
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

AGENT_EMAIL = "agnes.morel@organisme.example"
PAGES = ("/gestion/registre", "/gestion/delais-de-paiement", "/gestion/lettres-mortes")
HEADER = (
    "siren,sirets,nir,birth_name,usage_name,first_names,birth_date,category,address_line,"
    "postal_code,city,departement,email,mobile,affiliated_on,radiated_on"
)


def _row(siren_body: str, birth_date: str = "1990-02-03") -> str:
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nir_body = "29002" + "75" + siren_body[-6:]
    nir = nir_body + stdnum_nir.calc_check_digits(nir_body)
    return (
        f"{siren},,{nir},Martin,,Lucie,{birth_date},artisan,3 rue Neuve,69001,Lyon,69,,,2021-01-01,"
    )


async def _agent(world: Platform, browser: Browser) -> None:
    await agent_of_its_own(world, AGENT_EMAIL)
    assert (await sign_in(browser, AGENT_EMAIL)).status_code == 303


async def test_an_agent_finds_the_entries_and_anyone_else_gets_a_french_403(
    world: Platform,
) -> None:
    async with world.portal() as anonymous:
        for page in PAGES:
            resp = await anonymous.get(page)
            assert (resp.status_code, resp.headers["location"]) == (
                303,
                "/connexion?suite=" + quote(page, safe="/"),
            )
    for email in (ASSURE_EMAIL, CABINET_EMAIL):
        async with world.portal() as browser:
            await sign_in(browser, email)
            for page in PAGES:
                refused = await browser.get(page)
                assert refused.status_code == 403, page
                assert "Cette page est réservée aux agents de l'organisme." in main_text(
                    refused.text
                )
            posted = await browser.post(
                "/gestion/lettres-mortes/rejeu",
                data={"csrf": browser.session()["csrf"], "service": "cotisations"},
            )
            assert posted.status_code == 403
    async with world.portal() as agent:
        await _agent(world, agent)
        home = await agent.get("/")
        text = main_text(home.text)
        assert "Votre espace d'agent de l'organisme." in text
        for page in PAGES:
            assert f'href="{page}"' in home.text
        assert 'href="/cotisations"' not in home.text


async def test_the_registry_load_reports_each_row_and_a_form_without_its_token_does_nothing(
    world: Platform,
) -> None:
    async with world.portal() as agent:
        await _agent(world, agent)
        page = await agent.get("/gestion/registre")
        assert page.status_code == 200
        assert 'enctype="multipart/form-data"' in page.text
        csrf = form_token(page.text)

        unsent = "\n".join([HEADER, _row("77001234")]).encode()
        forged = await agent.post(
            "/gestion/registre", files={"fichier": ("registre.csv", unsent, "text/csv")}
        )
        assert forged.status_code == 403
        assert "Formulaire refusé" in main_text(forged.text)

        nothing = await agent.post("/gestion/registre", data={"csrf": csrf})
        assert nothing.status_code == 422
        assert 'id="fichier-erreur"' in nothing.text
        empty = await agent.post(
            "/gestion/registre",
            data={"csrf": csrf},
            files={"fichier": ("vide.csv", b"", "text/csv")},
        )
        assert empty.status_code == 422
        assert 'id="fichier-erreur"' in empty.text
        assert 'aria-invalid="true"' in empty.text

        content = "\n".join(
            [HEADER, _row("77001234"), _row("77001242", birth_date="pas une date")]
        ).encode()
        report = await agent.post(
            "/gestion/registre",
            data={"csrf": csrf},
            files={"fichier": ("registre.csv", content, "text/csv")},
        )
        assert report.status_code == 200, main_text(report.text)
        text = main_text(report.text)
        # the row sent with the forged form was not loaded: it is registered only now
        assert "2 lignes lues" in text
        assert "1 ligne acceptée (affilié inscrit au registre : 1)" in text
        assert "1 ligne refusée" in text
        assert re.search(r"2 Acceptée Affilié inscrit au registre [0-9a-f-]{8,}", text), text
        assert "3 Refusée Colonne birth_date : Date illisible « pas une date »" in text

        again = await agent.post(
            "/gestion/registre",
            data={"csrf": csrf},
            files={"fichier": ("registre.csv", "\n".join([HEADER, _row("77001234")]), "text/csv")},
        )
        assert "Rien à changer : l'affilié est déjà ainsi" in main_text(again.text)


async def test_a_plan_the_rule_leaves_to_an_agent_is_decided_with_its_reason(
    world: Platform,
) -> None:
    email = "ines@roche.fr"
    affiliate_id = await assure_of_its_own(world, "81234591", "Roche", email)
    await debt_on(world, affiliate_id, "7000.00", (datetime.now(UTC) - timedelta(days=40)).date())
    async with world.portal() as assure:
        await sign_in(assure, email)
        page = await assure.get("/cotisations/delai")
        preview = await assure.post(
            "/cotisations/delai", data={"csrf": form_token(page.text), "echeances": "10"}
        )
        assert preview.status_code == 200, main_text(preview.text)
        assert "ne peut pas être accordé immédiatement" in main_text(preview.text)
        key = re.search(r'name="cle_idempotence" value="([^"]+)"', preview.text)
        assert key is not None
        asked = await assure.post(
            "/cotisations/delai/demande",
            data={"csrf": form_token(preview.text), "echeances": "10", "cle_idempotence": key[1]},
        )
        assert asked.status_code == 303
        text = main_text((await assure.get("/cotisations")).text)
        found = re.search(r"transmise à un agent, .* Référence de la demande : ([0-9a-f]+)\.", text)
        assert found is not None, text
        reference = found[1]
        assert "Demande de délai de paiement en cours d'examen" in text

    async with world.portal() as agent:
        await _agent(world, agent)
        opened = await agent.get("/gestion/delais-de-paiement", params={"dossier": affiliate_id})
        assert opened.status_code == 200, main_text(opened.text)
        text = main_text(opened.text)
        assert "Une demande de délai de paiement attend la décision d'un agent" in text
        assert "7\u00a0000,00\u00a0€" in text
        csrf = form_token(opened.text)
        decision = {"csrf": csrf, "dossier": affiliate_id, "reference": reference}

        no_reason = await agent.post(
            "/gestion/delais-de-paiement/decision", data={**decision, "decision": "refuser"}
        )
        assert no_reason.status_code == 422
        assert re.search(r'id="motif-erreur">[^<]*indiquez le motif', no_reason.text)
        unknown = await agent.post(
            "/gestion/delais-de-paiement/decision",
            data={**decision, "reference": "inconnue", "decision": "accorder"},
        )
        assert unknown.status_code == 404
        assert re.search(
            r'id="reference-erreur">Aucun délai de paiement ne correspond', unknown.text
        )
        nowhere = await agent.get("/gestion/delais-de-paiement", params={"dossier": "personne"})
        assert nowhere.status_code == 404
        assert 'id="dossier-erreur"' in nowhere.text

        granted = await agent.post(
            "/gestion/delais-de-paiement/decision",
            data={**decision, "decision": "accorder", "motif": "Situation vérifiée par téléphone"},
        )
        assert granted.status_code == 303
        text = main_text((await agent.get(granted.headers["location"])).text)
        assert f"Délai de paiement {reference} accordé" in text
        assert re.search(r"Délai de paiement accordé \(référence [0-9a-f]+\)", text), text
        twice = await agent.post(
            "/gestion/delais-de-paiement/decision",
            data={**decision, "decision": "refuser", "motif": "Trop tard"},
        )
        assert twice.status_code == 409
        assert re.search(
            r'id="reference-erreur">Ce délai de paiement a déjà été décidé', twice.text
        )

    async with world.portal() as assure:
        await sign_in(assure, email)
        text = main_text((await assure.get("/cotisations")).text)
        assert "Demande de délai de paiement en cours d'examen" not in text
        instalment = r"\d{1,2} \d{1,2}(?:er)? [a-zéû]+ 20\d\d [0-9\u00a0]+,\d\d\u00a0€ À payer"
        assert len(re.findall(instalment, text)) == 10, text  # the plan's ten instalments


# --- a real dead letter: cotisations' consumer, its table, its replay ---------------------------


@dataclass
class _Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class _Topics:
    """Kafka's part, in memory: the topics a consumer publishes its dead letters to and a
    replay moves them back from (the only thing here that is not the services' own code)."""

    def __init__(self) -> None:
        self.records: dict[str, list[_Record]] = {}
        self.positions: dict[str, int] = {}

    def append(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> _Record:
        records = self.records.setdefault(topic, [])
        record = _Record(topic, 0, len(records), key, value, headers)
        records.append(record)
        return record

    async def publish(
        self, value: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None:
        self.append(topic, value, key, [(k, v.encode()) for k, v in headers.items()])


class _Replayer(KafkaDlqReplayer):
    """What :class:`KafkaDlqReplayer` does, over :class:`_Topics`."""

    def __init__(self, topics: _Topics) -> None:
        super().__init__("in-memory", "cotisations.dlq-replay")
        self.topics = topics

    async def replay(self, dlq: str, topic: str, limit: int) -> list[MovedLetter]:
        records = self.topics.records.get(dlq, [])
        start = self.topics.positions.get(dlq, 0)
        moved = []
        for record in records[start : start + limit]:
            original = {k: v.decode() for k, v in record.headers}
            headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
            headers.append((REPLAYED_FROM, dlq.encode()))
            self.topics.append(topic, record.value or b"", record.key, headers)
            moved.append(
                MovedLetter(
                    original["dlq_group"],
                    original["dlq_original_topic"],
                    int(original["dlq_original_partition"]),
                    int(original["dlq_original_offset"]),
                )
            )
        self.topics.positions[dlq] = start + len(moved)
        return moved


async def test_a_dead_letter_is_listed_and_a_confirmed_replay_empties_the_list(
    world: Platform,
) -> None:
    cotisations = world.services["cotisations"].app
    runtime = cotisations.runtime
    events = cotisations_router(cotisations)
    [subscription] = [s for s in events.subscriptions if s.topic == bank_v1.SEPA_RETURNS]
    topics = _Topics()
    group = events.group_id(subscription.purpose)
    consumer = GroupConsumer(
        service="cotisations",
        consumer="cotisations",
        group=group,
        by_topic={subscription.topic: subscription},
        retry=events.retry,
        broker=topics,  # type: ignore[arg-type]
        dead_letters=events.dead_letters,
        tracker=PartitionTracker("cotisations", group, 1.0),
        gate=events.gate,
    )
    envelope = Envelope(
        id="evt-retour-illisible",
        type=bank_v1.SepaReturnV1.event_type,
        source="bank",
        time=datetime.now(UTC),
        subject="CT20261207ILLISIBLE",
    )
    poison = topics.append(
        bank_v1.SEPA_RETURNS, b"{pas du json", b"CT20261207ILLISIBLE", envelope.to_headers()
    )
    await consumer.handle_fetch([poison])
    dlq = runtime.dlq_of(bank_v1.SEPA_RETURNS)
    assert len(topics.records[dlq]) == 1

    async with world.portal() as agent:
        await _agent(world, agent)
        page = await agent.get("/gestion/lettres-mortes")
        assert page.status_code == 200, page.headers.get("location")
        text = main_text(page.text)
        assert "Cotisations (cotisations)" in text
        assert re.search(
            r"Sujet bank\.sepa_returns : 1 lettre morte.* bank\.sepa_returns\.return_recorded\.v1 "
            r"evt-retour-illisible CT20261207ILLISIBLE 1 PoisonMessage: data is not JSON",
            text,
        ), text

        refused = await agent.post(
            "/gestion/lettres-mortes/rejeu",
            data={
                "csrf": form_token(page.text),
                "service": "cotisations",
                "sujet": "identity.account",
                "nombre": "un",
            },
        )
        assert refused.status_code == 404
        assert "cotisations ne consomme pas le sujet identity.account." in main_text(refused.text)

        link = re.search(
            r'href="(/gestion/lettres-mortes/rejeu\?service=cotisations&amp;'
            r'sujet=bank.sepa_returns&amp;nombre=un)"',
            page.text,
        )
        assert link is not None
        confirm = await agent.get(link[1].replace("&amp;", "&"))
        assert confirm.status_code == 200
        assert "La plus ancienne lettre morte de ce sujet" in main_text(confirm.text)
        unsigned = await agent.post(
            "/gestion/lettres-mortes/rejeu",
            data={"service": "cotisations", "sujet": "bank.sepa_returns", "nombre": "un"},
        )
        assert unsigned.status_code == 403
        asked = await agent.post(
            "/gestion/lettres-mortes/rejeu",
            data={
                "csrf": form_token(confirm.text),
                "service": "cotisations",
                "sujet": "bank.sepa_returns",
                "nombre": "un",
            },
        )
        assert asked.status_code == 303
        state = asked.headers["location"]
        pending = main_text((await agent.get(state)).text)
        assert (
            "Rejeu demandé pour la plus ancienne lettre morte du sujet bank.sepa_returns" in pending
        )
        assert (
            "Rejeu du sujet bank.sepa_returns, service Cotisations (cotisations) : en attente"
            in (pending)
        )

        # the worker's part: the replay asked is carried out, the letter goes back to its topic
        store = ReplayStore(runtime.engine, runtime.tables.replays, runtime.tables.dead_letters)
        assert await carry_out_next(store, _Replayer(topics), runtime.clock, runtime.dlq_of) == 1

        done = main_text((await agent.get(state)).text)
        assert re.search(
            r"bank\.sepa_returns, service Cotisations \(cotisations\) : terminé "
            r".* 1 lettre morte rejouée",
            done,
        ), done
        assert "evt-retour-illisible" not in done
        assert "Cotisations (cotisations) Aucune lettre morte." in done
        back = topics.records[bank_v1.SEPA_RETURNS][-1]
        assert dict(back.headers)["ce_id"] == b"evt-retour-illisible"
        assert dict(back.headers)[REPLAYED_FROM] == dlq.encode()
