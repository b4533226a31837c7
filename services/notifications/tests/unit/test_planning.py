"""Every event type notifications handles plans deliveries that the real templates render."""

from datetime import UTC, date, datetime, timedelta

import pytest
from contracts.cotisations import v1 as cotisations_v1
from contracts.notifications import v1
from notifications.adapters.templates import TemplateRenderer
from notifications.domain.kinds import MessageKind
from notifications.service_layer.planning import PLANNERS
from notifications_events import SAMPLE_PAYLOADS, STANDING, affiliate, incoming
from notifications_fakes import FakeNotifications


def _app() -> FakeNotifications:
    """notifications on fakes, rendering with the real templates."""
    return FakeNotifications(renderer=TemplateRenderer())


def test_every_planned_type_has_a_sample_and_every_kind_is_planned_by_some_event() -> None:
    assert {p.event_type for p in SAMPLE_PAYLOADS} == set(PLANNERS)
    kinds = {d.kind for p in SAMPLE_PAYLOADS for d in PLANNERS[p.event_type](incoming(p))}
    from_the_directory = {MessageKind.COLLABORATOR_JOINED.value}  # consumers._planned
    assert kinds | from_the_directory == {k.value for k in MessageKind}


@pytest.mark.parametrize("payload", SAMPLE_PAYLOADS, ids=lambda p: p.event_type)
async def test_each_event_sends_its_messages_rendered_by_the_real_templates(
    payload: object,
) -> None:
    app = _app()
    uow, email, letters = app.uow, app.email, app.letters
    await app.record_affiliate(incoming(affiliate()))
    event = incoming(payload)  # type: ignore[arg-type]
    planned = await app.plan(event)
    assert planned >= 1
    await app.dispatch()
    states = {d.state for d in uow.deliveries.store.values()}
    assert states == {"sent"}, [(d.kind, d.last_error) for d in uow.deliveries.store.values()]
    assert len(email.sent) + len(letters.sent) == planned


async def test_a_key_letter_goes_to_the_registry_address_with_the_opened_key() -> None:
    app = _app()
    uow, letters = app.uow, app.letters
    await app.record_affiliate(incoming(affiliate()))
    key_issued = next(p for p in SAMPLE_PAYLOADS if p.event_type.endswith("key_issued.v1"))
    await app.plan(incoming(key_issued))
    await app.dispatch()
    [letter] = letters.sent
    assert letter.content.address_lines == ("JEAN DUPONT", "12 RUE DES LILAS", "69003 LYON")
    statuses = [
        e.payload for e in uow.outbox.events if isinstance(e.payload, v1.LetterStatusChangedV1)
    ]
    assert [s.status for s in statuses] == ["queued"]


async def test_a_letter_to_an_affiliate_not_yet_known_waits_for_the_registry() -> None:
    app = _app()
    letters, clock = app.letters, app.clock
    key_issued = next(p for p in SAMPLE_PAYLOADS if p.event_type.endswith("key_issued.v1"))
    await app.plan(incoming(key_issued))
    await app.dispatch()
    assert letters.sent == []
    await app.record_affiliate(incoming(affiliate()))
    clock.advance(timedelta(seconds=10))
    await app.dispatch()
    assert len(letters.sent) == 1


async def test_the_client_email_is_skipped_when_the_registry_knows_no_address() -> None:
    app = _app()
    uow, email = app.uow, app.email
    await app.record_affiliate(incoming(affiliate(email=None)))
    revised = next(p for p in SAMPLE_PAYLOADS if p.event_type.endswith("schedule_revised.v1"))
    await app.plan(incoming(revised))
    await app.dispatch()
    states = {d.kind: d.state for d in uow.deliveries.store.values()}
    assert states == {
        "echeancier_rectificatif_letter": "sent",
        "echeancier_rectificatif_email": "skipped",
    }
    assert email.sent == []


async def test_letter_status_changes_are_tracked_and_published_once_each() -> None:
    app = _app()
    uow, letters = app.uow, app.letters
    await app.record_affiliate(incoming(affiliate()))
    key_issued = next(p for p in SAMPLE_PAYLOADS if p.event_type.endswith("key_issued.v1"))
    await app.plan(incoming(key_issued))
    await app.dispatch()
    [letter] = letters.sent
    letters.statuses[letter.message_id] = "printed"
    assert await app.track_letters() == 1
    assert await app.track_letters() == 0
    letters.statuses[letter.message_id] = "posted"
    assert await app.track_letters() == 1
    assert await app.track_letters() == 0
    statuses = [
        e.payload.status
        for e in uow.outbox.events
        if isinstance(e.payload, v1.LetterStatusChangedV1)
    ]  # type: ignore[attr-defined]
    assert statuses == ["queued", "printed", "posted"]


async def test_an_older_registry_event_does_not_overwrite_a_newer_address() -> None:
    app = FakeNotifications()
    newer = incoming(affiliate())
    older = incoming(affiliate(email="old@dupont.fr"))
    older = older.__class__(
        envelope=older.envelope.model_copy(
            update={"time": newer.envelope.time - timedelta(days=1)}
        ),
        data=older.data,
        topic=older.topic,
        partition=0,
        offset=0,
    )
    await app.record_affiliate(newer)
    await app.record_affiliate(older)
    contact = await app.uow.affiliates.get("aff-1")
    assert contact is not None
    assert contact.email == "jean@dupont.fr"


async def test_every_letter_in_transit_is_tracked_however_many_pages_they_fill() -> None:
    app = FakeNotifications()  # the echo renderer: 250 letters, no PDF needed
    letters = app.letters
    await app.record_affiliate(incoming(affiliate()))
    key_issued = next(p for p in SAMPLE_PAYLOADS if p.event_type.endswith("key_issued.v1"))
    for i in range(250):
        await app.plan(incoming(key_issued))
        if i % 7 == 0:  # most planned at the same instant: the id breaks the tie
            app.clock.advance(timedelta(seconds=1))
    while await app.dispatch():
        pass
    assert len(letters.sent) == 250
    for letter in letters.sent:
        letters.statuses[letter.message_id] = "printed"
    assert await app.track_letters() == 250  # three pages of the default 100
    assert app.uow.deliveries.pages_read == 3
    assert {d.letter_status for d in app.deliveries} == {"printed"}
    for letter in letters.sent:
        letters.statuses[letter.message_id] = "posted"
    assert await app.track_letters(page_size=7) == 250
    assert {d.letter_status for d in app.deliveries} == {"posted"}
    assert await app.track_letters() == 0


async def test_a_registration_attempted_with_a_used_address_tells_its_owner_in_french() -> None:
    app = _app()
    attempted = next(
        p for p in SAMPLE_PAYLOADS if p.event_type.endswith("registration_attempted.v1")
    )
    assert await app.plan(incoming(attempted)) == 1
    await app.dispatch()
    [mail] = app.email.sent
    assert mail.to == "claire@cabinet.fr"
    assert mail.content.subject == "Tentative d'inscription avec votre adresse électronique"
    text = mail.content.text
    assert "Bonjour Claire Martin" in text
    assert "15 janvier 2026 à 10 h 00" in text
    assert "aucun nouveau compte n'a été créé" in text
    assert "Mot de passe oublié" in text
    assert "Si ce n'est pas vous" in text


async def test_a_debts_telepayment_mail_says_it_is_debited_now_and_no_longer_changeable() -> None:
    app = _app()
    await app.record_affiliate(incoming(affiliate()))
    debt = cotisations_v1.PaymentRecordedV1(
        affiliate_id="aff-1",
        payment_id="telepayment:tp-9",
        mode="telepaiement",
        amount="50.00",
        value_date=date(2026, 12, 7),
        status="pending",
        paid=[
            cotisations_v1.PaidItem(
                reference="debt:opening", kind="call", due_date=date(2025, 12, 5), amount="50.00"
            )
        ],
        external_reference="tp-9",
        standing=STANDING,
        changeable_until=datetime(2026, 12, 6, 11, 0, tzinfo=UTC),  # before it was made
        recorded_at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    )
    await app.plan(incoming(debt))
    await app.dispatch()
    [mail] = app.email.sent
    text = mail.content.text
    assert "50,00 € seront débités le 7 décembre 2026." in text  # not « à la date d'échéance »
    assert "le solde repris des comptes antérieurs : 50,00 €" in text
    assert "ne peut plus être modifié : il est débité le 7 décembre 2026" in text
    assert "Référence du paiement : tp-9." in text
