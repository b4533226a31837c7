"""Hand-written fakes of notifications' ports, and notifications over them for tests "in high
gear": the bus of ``bootstrap`` (the same handlers) and the consumers."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from notifications.bootstrap import HANDLERS, QUERIES
from notifications.domain import commands
from notifications.domain.directory import AffiliateContact, CabinetUser
from notifications.domain.errors import DeliveryFailed
from notifications.domain.model import PENDING, SENDING, Delivery, RetrySchedule
from notifications.service_layer import consumers
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.ports import (
    EmailContent,
    LetterContent,
    LetterJob,
    OutgoingEmail,
    OutgoingLetter,
    Renderer,
    SecretOpener,
)
from servicekit.bus import MessageBus
from servicekit.clock import FakeClock
from servicekit.messaging import IncomingEvent
from servicekit.testing import FakeUnitOfWorkBase


def _stored(delivery: Delivery) -> Delivery:
    """A copy as a table row keeps it: the state, never the events recorded."""
    stored = copy.deepcopy(delivery)
    stored.events.clear()
    stored.claim = None  # a row read back carries no copy's claim
    return stored


class FakeDeliveries:
    def __init__(self, store: dict[str, Delivery], claimed: dict[str, datetime]) -> None:
        self.store = store
        self.claimed = claimed
        self.pages_read = 0

    async def add_if_absent(self, delivery: Delivery) -> bool:
        if any(d.key == delivery.key for d in self.store.values()):
            return False
        self.store[delivery.id] = _stored(delivery)
        return True

    async def add_all_if_absent(self, planned: Sequence[Delivery]) -> int:
        return sum([int(await self.add_if_absent(d)) for d in planned])

    async def save_all(self, saved: Sequence[Delivery]) -> None:
        for delivery in saved:
            await self.save(delivery)  # a claim taken over is left as the other copy has it

    async def get(self, delivery_id: str) -> Delivery | None:
        found = self.store.get(delivery_id)
        return copy.deepcopy(found) if found else None

    async def save(self, delivery: Delivery) -> bool:
        if delivery.claim is not None and self.claimed.get(delivery.id) != delivery.claim:
            return False  # the claim was taken over, as the SQL one refuses it
        self.store[delivery.id] = _stored(delivery)  # the claim stays its last: a copy's test
        return True

    async def claim_due(self, now: datetime, limit: int, stale_before: datetime) -> list[Delivery]:
        due = [
            d
            for d in self.store.values()
            if (d.state == PENDING and d.next_attempt_at is not None and d.next_attempt_at <= now)
            or (d.state == SENDING and self.claimed.get(d.id, now) < stale_before)
        ][:limit]
        read = [copy.deepcopy(d) for d in due]  # as the claim read them, as the SQL one does
        for d in read:
            d.claim = now
        for d in due:
            d.state = SENDING
            self.claimed[d.id] = now
        return read

    async def letters_in_transit(
        self, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Delivery]:
        self.pages_read += 1
        in_transit = sorted(
            (
                d
                for d in self.store.values()
                if d.channel == "letter"
                and d.state == "sent"
                and d.letter_status in ("queued", "printed")
                and (after is None or (d.created_at, d.id) > after)
            ),
            key=lambda d: (d.created_at, d.id),
        )
        return [copy.deepcopy(d) for d in in_transit[:limit]]

    async def find(self, source_event_id: str, kind: str) -> list[Delivery]:
        return [
            copy.deepcopy(d)
            for d in self.store.values()
            if d.source_event_id == source_event_id and d.kind == kind
        ]

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


class FakeCabinetUsers:
    def __init__(self) -> None:
        self.users: dict[str, CabinetUser] = {}

    async def get(self, account_id: str) -> CabinetUser | None:
        return self.users.get(account_id)

    async def of_cabinet(self, cabinet_id: str) -> list[CabinetUser]:
        return sorted(
            (u for u in self.users.values() if u.cabinet_id == cabinet_id),
            key=lambda u: u.account_id,
        )

    async def put(self, user: CabinetUser) -> None:
        self.users[user.account_id] = user


class FakeNotificationsUow(FakeUnitOfWorkBase):
    """Deliveries are shared across units of work (committed on write: enough for tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries = FakeDeliveries({}, {})
        self.affiliates = FakeDirectory()
        self.cabinet_users = FakeCabinetUsers()


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
        self.withdrawn: list[str] = []

    async def send(self, letter: OutgoingLetter) -> str:
        self.sent.append(letter)
        self.statuses[letter.message_id] = "queued"
        return letter.message_id

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        return [await self.send(letter) for letter in letters]

    async def status(self, reference: str) -> str:
        return self.statuses[reference]

    async def withdraw(self, reference: str) -> bool:
        """Taken back while queued, as a print shop does; too late once printed."""
        if self.statuses.get(reference) not in ("queued", "withdrawn"):
            return False
        self.statuses[reference] = "withdrawn"
        self.withdrawn.append(reference)
        return True


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


class FakeNotifications:
    """notifications over the fakes: the bus and the queries of ``bootstrap`` (the same
    handlers), the consumers, one fake unit of work shared by all, the channels that record
    what they were handed."""

    def __init__(
        self,
        *,
        max_attempts: int = 3,
        renderer: Renderer | None = None,
        clock: FakeClock | None = None,
        opener: SecretOpener | None = None,
    ) -> None:
        self.uow = FakeNotificationsUow()
        self.email = RecordingEmail()
        self.letters = RecordingLetters()
        self.clock = clock or FakeClock()
        self.deps = Dependencies(
            clock=self.clock,
            renderer=renderer or EchoRenderer(),
            email=self.email,
            letters=self.letters,
            opener=opener or ClearOpener(),
            schedule=RetrySchedule(max_attempts=max_attempts, initial_s=10, max_s=60),
        )
        self.bus: MessageBus[FakeNotificationsUow, Dependencies] = MessageBus(
            HANDLERS, lambda: self.uow, self.deps
        )
        self.queries: MessageBus[FakeNotificationsUow, Dependencies] = MessageBus(
            QUERIES, lambda: self.uow, self.deps
        )

    async def plan(self, event: IncomingEvent) -> int:
        return await consumers.plan_deliveries(event, self.uow, self.deps)

    async def record_affiliate(self, event: IncomingEvent) -> None:
        await consumers.record_affiliate(event, self.uow)

    async def dispatch(self) -> int:
        attempted: int = await self.bus.handle(commands.DispatchDue())
        return attempted

    async def track_letters(self, page_size: int = 100) -> int:
        changed: int = await self.bus.handle(commands.TrackLetters(page_size=page_size))
        return changed

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.uow.deliveries.store.values())
