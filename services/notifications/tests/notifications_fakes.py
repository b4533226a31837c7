"""Hand-written fakes of notifications' ports."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from notifications.domain.directory import AffiliateContact
from notifications.domain.model import PENDING, SENDING, Delivery, DeliveryFailed
from notifications.service_layer.ports import (
    EmailContent,
    LetterContent,
    LetterJob,
    OutgoingEmail,
    OutgoingLetter,
)
from servicekit.testing import FakeUnitOfWorkBase


class FakeDeliveries:
    def __init__(self, store: dict[str, Delivery], claimed: dict[str, datetime]) -> None:
        self.store = store
        self.claimed = claimed

    async def add_if_absent(self, delivery: Delivery) -> bool:
        if any(d.key == delivery.key for d in self.store.values()):
            return False
        self.store[delivery.id] = copy.deepcopy(delivery)
        return True

    async def add_all_if_absent(self, planned: Sequence[Delivery]) -> int:
        return sum([int(await self.add_if_absent(d)) for d in planned])

    async def save_all(self, saved: Sequence[Delivery]) -> None:
        for delivery in saved:
            await self.save(delivery)

    async def get(self, delivery_id: str) -> Delivery | None:
        found = self.store.get(delivery_id)
        return copy.deepcopy(found) if found else None

    async def save(self, delivery: Delivery) -> None:
        self.store[delivery.id] = copy.deepcopy(delivery)
        self.claimed.pop(delivery.id, None)

    async def claim_due(self, now: datetime, limit: int, stale_before: datetime) -> list[Delivery]:
        due = [
            d
            for d in self.store.values()
            if (d.state == PENDING and d.next_attempt_at is not None and d.next_attempt_at <= now)
            or (d.state == SENDING and self.claimed.get(d.id, now) < stale_before)
        ][:limit]
        for d in due:
            d.state = SENDING
            self.claimed[d.id] = now
        return [copy.deepcopy(d) for d in due]

    async def letters_in_transit(self, limit: int) -> list[Delivery]:
        return [
            copy.deepcopy(d)
            for d in self.store.values()
            if d.channel == "letter"
            and d.state == "sent"
            and d.letter_status in ("queued", "printed")
        ][:limit]

    async def list_by_state(self, state: str, limit: int) -> list[Delivery]:
        return [copy.deepcopy(d) for d in self.store.values() if d.state == state][:limit]


class FakeDirectory:
    def __init__(self) -> None:
        self.contacts: dict[str, AffiliateContact] = {}

    async def get(self, affiliate_id: str) -> AffiliateContact | None:
        return self.contacts.get(affiliate_id)

    async def get_many(self, affiliate_ids: Collection[str]) -> dict[str, AffiliateContact]:
        return {i: self.contacts[i] for i in affiliate_ids if i in self.contacts}

    async def put_unless_newer(self, contact: AffiliateContact) -> None:
        current = self.contacts.get(contact.affiliate_id)
        if current is None or current.updated_at <= contact.updated_at:
            self.contacts[contact.affiliate_id] = contact


class FakeNotificationsUow(FakeUnitOfWorkBase):
    """Deliveries are shared across units of work (committed on write: enough for tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries = FakeDeliveries({}, {})
        self.affiliates = FakeDirectory()


class EchoRenderer:
    def render_email(self, kind: str, context: dict[str, Any]) -> EmailContent:
        text = f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(context.items()))
        return EmailContent(subject=f"[{kind}]", text=text, html=f"<p>{text}</p>")

    def render_letter(self, kind: str, context: dict[str, Any], today: date) -> LetterContent:
        text = f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(context.items()))
        return LetterContent(text.encode(), kind, tuple(context["address_lines"]))

    async def render_letters(self, jobs: Sequence[LetterJob]) -> list[LetterContent | Exception]:
        return [self.render_letter(j.kind, j.context, j.today) for j in jobs]

    def close(self) -> None:
        pass


class RecordingLetters:
    def __init__(self) -> None:
        self.sent: list[OutgoingLetter] = []
        self.statuses: dict[str, str] = {}

    async def send(self, letter: OutgoingLetter) -> str:
        self.sent.append(letter)
        self.statuses[letter.message_id] = "queued"
        return letter.message_id

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        return [await self.send(letter) for letter in letters]

    async def status(self, reference: str) -> str:
        return self.statuses[reference]


class RecordingEmail:
    """Records sent mails; ``failures`` lists the outcomes of the next sends."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures: list[DeliveryFailed] = []

    async def send(self, email: OutgoingEmail) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)


class ClearOpener:
    def open(self, sealed: str) -> str:
        return sealed.removeprefix("sealed:")
