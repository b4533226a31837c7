"""A re-issued key: the letter it replaces is withdrawn from the channel while not printed,
shown superseded once printed, never sent if not handed over yet; each letter has its own
reference."""

from __future__ import annotations

from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1
from notifications.adapters.templates import TemplateRenderer
from notifications_events import SAMPLE_PAYLOADS, affiliate, incoming
from notifications_fakes import FakeNotifications

FIRST = next(p for p in SAMPLE_PAYLOADS if isinstance(p, mandates_v1.MandateKeyIssuedV1))


def _reissue(first_event_id: str) -> mandates_v1.MandateKeyIssuedV1:
    return FIRST.model_copy(
        update={"sealed_key": "sealed:NEWK-EYNE-WKEY-NEWK", "supersedes_event_id": first_event_id}
    )


async def _app_with_first_letter(*, dispatched: bool) -> FakeNotifications:
    app = FakeNotifications(renderer=TemplateRenderer())
    await app.record_affiliate(incoming(affiliate()))
    await app.plan(incoming(FIRST, event_id="ev-first"))
    if dispatched:
        await app.dispatch()
    return app


def _by_event(app: FakeNotifications, event_id: str) -> tuple[str, str | None, str]:
    [d] = [d for d in app.deliveries if d.source_event_id == event_id]
    return d.state, d.letter_status, str(d.context["reference"])


async def test_a_key_reissued_while_the_first_letter_is_queued_withdraws_it_from_the_channel() -> (
    None
):
    app = await _app_with_first_letter(dispatched=True)
    [first] = app.letters.sent
    await app.plan(incoming(_reissue("ev-first"), event_id="ev-second"))
    await app.dispatch()
    assert app.letters.withdrawn == [first.message_id]
    [sent_first, second] = app.letters.sent
    assert sent_first.message_id == first.message_id
    first_state, first_status, first_reference = _by_event(app, "ev-first")
    assert (first_state, first_status) == ("sent", "withdrawn")
    assert _by_event(app, "ev-second")[:2] == ("sent", "queued")
    assert first.reference == first_reference
    assert second.reference != first.reference
    assert first.reference.startswith("MND-1-")
    assert second.reference.startswith("MND-1-")
    assert b"NEWK-EYNE-WKEY-NEWK" not in first.content.pdf
    assert await app.track_letters() == 0  # the withdrawn letter is no longer followed
    statuses = [
        e.payload.status  # type: ignore[attr-defined]
        for e in app.uow.outbox.events
        if isinstance(e.payload, v1.LetterStatusChangedV1)
    ]
    assert statuses == ["queued", "queued"]  # "withdrawn" is notifications' own


async def test_a_key_reissued_before_the_first_letter_went_out_sends_only_the_new_one() -> None:
    app = await _app_with_first_letter(dispatched=False)
    await app.plan(incoming(_reissue("ev-first"), event_id="ev-second"))
    await app.dispatch()
    [letter] = app.letters.sent
    assert letter.reference == _by_event(app, "ev-second")[2]
    assert _by_event(app, "ev-first")[:2] == ("skipped", "withdrawn")
    assert app.letters.withdrawn == []


async def test_a_key_reissued_once_the_first_letter_is_printed_shows_it_superseded() -> None:
    app = await _app_with_first_letter(dispatched=True)
    [first] = app.letters.sent
    app.letters.statuses[first.message_id] = "printed"
    assert await app.track_letters() == 1
    await app.plan(incoming(_reissue("ev-first"), event_id="ev-second"))
    await app.dispatch()
    assert app.letters.withdrawn == []
    assert len(app.letters.sent) == 2
    assert _by_event(app, "ev-first")[:2] == ("sent", "superseded")
    assert await app.track_letters() == 0


async def test_a_reissue_waits_while_the_channel_cannot_take_the_first_letter_back() -> None:
    app = await _app_with_first_letter(dispatched=True)
    from notifications.domain.errors import DeliveryFailed

    async def unreachable(reference: str) -> bool:
        raise DeliveryFailed("letter provider unreachable", permanent=False)

    app.letters.withdraw = unreachable  # type: ignore[method-assign]
    await app.plan(incoming(_reissue("ev-first"), event_id="ev-second"))
    await app.dispatch()
    assert len(app.letters.sent) == 1
    assert _by_event(app, "ev-second")[0] == "pending"
    assert _by_event(app, "ev-first")[:2] == ("sent", "queued")


def _pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


async def test_the_key_letter_names_the_business_it_concerns_with_its_siren() -> None:
    app = await _app_with_first_letter(dispatched=True)
    [letter] = app.letters.sent
    assert "Entreprise concernée : Jean Dupont, SIREN 732 829 320." in _pdf_text(letter.content.pdf)


async def test_the_key_letter_says_when_the_registry_knows_no_siren() -> None:
    app = FakeNotifications(renderer=TemplateRenderer())
    await app.record_affiliate(incoming(affiliate().model_copy(update={"siren": None})))
    await app.plan(incoming(FIRST))
    await app.dispatch()
    [letter] = app.letters.sent
    text = _pdf_text(letter.content.pdf)
    assert "Entreprise concernée : Jean Dupont, SIREN non connu du registre." in text
