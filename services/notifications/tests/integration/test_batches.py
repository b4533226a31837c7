"""The worker's batch consumers on a real database (SQLite and PostgreSQL): the events of one
fetch planned in one transaction, each once, and the registry's copy kept newest-first; then
the dispatcher sends the letters of a whole claim with the addresses read once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from contracts.mandates import v1 as mandates_v1
from contracts.notifications.v1 import LetterStatusChangedV1, MessageFailedV1, MessageSentV1
from notifications.adapters import orm
from notifications.adapters.letters import FolderLetterChannel
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.errors import DeliveryFailed
from notifications.domain.model import Delivery
from notifications.service_layer import dispatch
from notifications.service_layer.ports import OutgoingLetter
from notifications.service_layer.recording import RecordingFailed
from notifications_events import CLAIRE, NOW, affiliate, incoming
from notifications_fakes import RecordingEmail
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair, seal
from sqlalchemy import Row, Table, func, select

PRIVATE_KEY, PUBLIC_KEY = generate_keypair()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[NotificationsApp]:
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=PRIVATE_KEY, letters_dir=str(tmp_path)
    )
    application = bootstrap(settings, clock=clock)
    await application.migrate()
    try:
        yield application
    finally:
        await application.stop()


def _key_issued(n: int) -> mandates_v1.MandateKeyIssuedV1:
    return mandates_v1.MandateKeyIssuedV1(
        mandate_id=f"m{n}",
        affiliate_id=f"aff-{n}",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        sealed_key=seal(PUBLIC_KEY, "7KQ4-M9XP-2HWN-3RTV-C"),
        reference=f"MND-{n}",
        issued_at=NOW,
    )


async def _count(app: NotificationsApp, table: Table) -> int:
    async with app.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_fetch_is_planned_once_even_when_replayed_in_a_later_fetch(
    app: NotificationsApp,
) -> None:
    first = [incoming(_key_issued(n)) for n in range(3)]
    later = incoming(_key_issued(3))
    await app.on_events(first)
    await app.on_events([first[1], later, first[1]])

    assert await _count(app, orm.deliveries) == 4
    async with app.sessions() as session:
        inbox = (await session.execute(select(orm.inbox.c.event_id))).scalars().all()
    assert sorted(inbox) == sorted(e.envelope.id for e in [*first, later])


async def test_an_older_registry_event_never_overwrites_a_newer_address(
    app: NotificationsApp,
) -> None:
    newer = incoming(affiliate("aff-1", email="nouveau@dupont.fr"))
    older = incoming(affiliate("aff-1", email="ancien@dupont.fr"))
    day_before = older.envelope.model_copy(update={"time": NOW - timedelta(days=1)})
    older = replace(older, envelope=day_before)
    await app.on_affiliates([newer])
    await app.on_affiliates([older, incoming(affiliate("aff-2"))])

    async with app.sessions() as session:
        query = select(orm.affiliates.c.affiliate_id, orm.affiliates.c.email)
        rows = {r.affiliate_id: r.email for r in await session.execute(query)}
    assert rows == {"aff-1": "nouveau@dupont.fr", "aff-2": "jean@dupont.fr"}


async def test_a_claimed_batch_of_letters_is_sent_to_each_registry_address(
    app: NotificationsApp, tmp_path: Path
) -> None:
    await app.on_affiliates([incoming(affiliate(f"aff-{n}")) for n in range(5)])
    await app.on_events([incoming(_key_issued(n)) for n in range(6)])  # aff-5 unknown

    assert await app.dispatch() == 6

    async with app.sessions() as session:
        query = select(orm.deliveries.c.id, orm.deliveries.c.state, orm.deliveries.c.last_error)
        rows = (await session.execute(query)).all()
    sent = sorted(r.id for r in rows if r.state == "sent")
    [waiting] = [r for r in rows if r.state != "sent"]
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == sent
    assert len(sent) == 5
    assert waiting.state == "pending"  # tried again once the registry knows aff-5
    assert "aff-5" in waiting.last_error


class RefusingOne:
    """The folder channel, except that it refuses one message id as a provider would."""

    def __init__(self, folder: Path, refused: str) -> None:
        self.folder = FolderLetterChannel(folder)
        self.refused = refused

    async def send(self, letter: OutgoingLetter) -> str:
        return await self.folder.send(letter)

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        accepted = [letter for letter in letters if letter.message_id != self.refused]
        written = iter(await self.folder.send_many(accepted))
        return [
            DeliveryFailed("refused: address", permanent=True)
            if letter.message_id == self.refused
            else next(written)
            for letter in letters
        ]

    async def status(self, reference: str) -> str:
        return await self.folder.status(reference)


async def _rows(app: NotificationsApp) -> dict[str, Row[Any]]:
    async with app.sessions() as session:
        rows = await session.execute(select(orm.deliveries))
        return {row.id: row for row in rows}


async def test_a_letter_the_channel_refuses_is_parked_and_the_others_of_its_claim_are_sent(
    app: NotificationsApp, tmp_path: Path
) -> None:
    await app.on_affiliates([incoming(affiliate(f"aff-{n}")) for n in range(3)])
    await app.on_events([incoming(_key_issued(n)) for n in range(3)])
    refused = sorted(await _rows(app))[0]
    app.deps = replace(app.deps, letters=RefusingOne(tmp_path, refused))

    assert await app.dispatch() == 3

    rows = await _rows(app)
    assert rows[refused].state == "parked"
    assert "refused: address" in rows[refused].last_error
    assert sorted(r.state for r in rows.values()) == ["parked", "sent", "sent"]
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == sorted(set(rows) - {refused})
    async with app.sessions() as session:
        query = select(orm.outbox.c.event_type, func.count()).group_by(orm.outbox.c.event_type)
        events = {r.event_type: r[1] for r in await session.execute(query)}
    assert events == {
        MessageSentV1.event_type: 2,
        LetterStatusChangedV1.event_type: 2,
        MessageFailedV1.event_type: 1,
    }


async def test_letters_whose_record_was_lost_are_handed_over_again_and_printed_once(
    app: NotificationsApp, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await app.on_affiliates([incoming(affiliate(f"aff-{n}")) for n in range(2)])
    await app.on_events([incoming(_key_issued(n)) for n in range(2)])

    async def lost(*args: object) -> None:
        raise RecordingFailed("the database went away after the hand-over")

    with monkeypatch.context() as patched:
        patched.setattr(dispatch, "record_letters_sent", lost)
        assert await app.dispatch() == 2
    assert sorted(r.state for r in (await _rows(app)).values()) == ["sending", "sending"]
    assert len(list(tmp_path.glob("*.pdf"))) == 2
    assert await app.dispatch() == 0  # still claimed within the sending timeout

    clock.advance(app.deps.sending_timeout + timedelta(seconds=1))
    assert await app.dispatch() == 2

    rows = await _rows(app)
    assert sorted(r.state for r in rows.values()) == ["sent", "sent"]
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == sorted(rows)
    assert len(list(tmp_path.glob("*.json"))) == 2


def _activated(n: int) -> mandates_v1.MandateActivatedV1:
    return mandates_v1.MandateActivatedV1(
        mandate_id=f"m{n}",
        affiliate_id=f"aff-{n}",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        client_name=f"Client {n}",
        activated_at=NOW,
        notify=[CLAIRE],
    )


async def test_a_claim_taken_over_by_another_copy_is_sent_by_that_copy_alone(
    database_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy slow through its claim (a loaded machine) past the sending timeout: another
    copy sees the rest of the claim stale and takes it over; the slow one then sends none of
    what it no longer holds. Every mail goes out once."""
    mail = RecordingEmail()
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=PRIVATE_KEY, letters_dir=str(tmp_path)
    )
    slow, other = (
        bootstrap(settings, clock=clock, email=mail),
        bootstrap(settings, clock=clock, email=mail),
    )
    await slow.migrate()
    try:
        await slow.on_affiliates([incoming(affiliate(f"aff-{n}")) for n in range(3)])
        await slow.on_events([incoming(_activated(n)) for n in range(3)])  # 3 mails each way
        original = dispatch.send_and_record
        taken_over = False

        async def send(delivery: Delivery, *args: Any) -> None:
            nonlocal taken_over
            if args[-1] is slow.deps and len(mail.sent) == 1 and not taken_over:
                # the first mail sent, the slow copy stalls past the sending timeout and the
                # other copy takes over the five it has not sent yet
                taken_over = True
                clock.advance(slow.deps.sending_timeout + timedelta(seconds=1))
                assert await other.dispatch() == 5
            await original(delivery, *args)

        monkeypatch.setattr(dispatch, "send_and_record", send)
        assert await slow.dispatch() == 6
        assert taken_over
        sent = Counter(m.message_id for m in mail.sent)  # one Message-ID per delivery
        assert len(sent) == 6
        assert set(sent.values()) == {1}
        firm = sorted(m.content.subject for m in mail.sent if m.to == CLAIRE.email)
        assert firm == [f"Mandat activé : Client {n}" for n in range(3)]
        assert [r.state for r in (await _rows(slow)).values()] == ["sent"] * 6
        async with slow.sessions() as session:
            published = Counter((await session.execute(select(orm.outbox.c.event_type))).scalars())
        assert published[MessageSentV1.event_type] == 6  # none from the copy that lost it
    finally:
        await other.stop()
        await slow.stop()
