"""Letters in transit read page by page on a real database (SQLite and PostgreSQL): every one
of them, oldest first, each once, whatever the page size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.model import Delivery
from servicekit.sealing import generate_keypair

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[NotificationsApp]:
    private, _ = generate_keypair()
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=private, letters_dir=str(tmp_path)
    )
    application = bootstrap(settings)
    await application.migrate()
    try:
        yield application
    finally:
        await application.stop()


def _letter(i: int) -> Delivery:
    created = START + timedelta(seconds=i // 4)  # four letters at each instant
    delivery = Delivery.plan(
        delivery_id=f"d-{i:03d}",
        source_event_id=f"ev-{i}",
        event_time=created,
        kind="activation_key_letter",
        channel="letter",
        recipient=f"affiliate:aff-{i}",
        context={},
        sealed={},
        optional=False,
        now=created,
    )
    delivery.mark_sent(created, provider_ref=delivery.id)
    return delivery


async def test_letters_in_transit_are_read_page_by_page_every_one_once_oldest_first(
    app: NotificationsApp,
) -> None:
    letters = [_letter(i) for i in range(23)]
    posted = letters[5]
    posted.change_letter_status("posted", START)
    async with app.new_uow() as uow:
        await uow.deliveries.add_all_if_absent(letters)
        await uow.deliveries.save_all(letters)
        await uow.commit()
    read: list[str] = []
    after: tuple[datetime, str] | None = None
    async with app.new_uow() as uow:
        while page := await uow.deliveries.letters_in_transit(5, after):
            read.extend(d.id for d in page)
            after = (page[-1].created_at, page[-1].id)
    assert read == [d.id for d in letters if d is not posted]


async def test_a_letter_superseded_is_found_by_its_event_and_no_longer_in_transit(
    app: NotificationsApp,
) -> None:
    letters = [_letter(i) for i in range(3)]
    async with app.new_uow() as uow:
        await uow.deliveries.add_all_if_absent(letters)
        await uow.deliveries.save_all(letters)
        await uow.commit()
    async with app.new_uow() as uow:
        [found] = await uow.deliveries.find("ev-1", "activation_key_letter")
        assert await uow.deliveries.find("ev-1", "echeancier_rectificatif_letter") == []
    found.supersede(START, taken_back=True)
    async with app.new_uow() as uow:
        await uow.deliveries.save(found)
        await uow.commit()
    async with app.new_uow() as uow:
        in_transit = await uow.deliveries.letters_in_transit(10)
        [stored] = await uow.deliveries.find("ev-1", "activation_key_letter")
    assert [d.id for d in in_transit] == ["d-000", "d-002"]
    assert stored.letter_status == "withdrawn"
