"""What notifications' service layer needs from the outside."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from servicekit.uow import AbstractUnitOfWork

from notifications.domain.directory import AffiliateContact, CabinetUser
from notifications.domain.errors import DeliveryFailed
from notifications.domain.model import Delivery


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str
    to: str
    content: EmailContent


class DeliveryRepository(Protocol):
    async def add_all_if_absent(self, planned: Sequence[Delivery]) -> int:
        """Insert the deliveries whose key is not there yet (a replayed event adds none)."""
        ...

    async def save_all(self, saved: Sequence[Delivery]) -> None: ...
    async def get(self, delivery_id: str) -> Delivery | None: ...
    async def save(self, delivery: Delivery) -> bool: ...
    async def claim_due(
        self, now: datetime, limit: int, stale_before: datetime
    ) -> list[Delivery]: ...
    async def list_by_state(self, state: str, limit: int) -> list[Delivery]: ...
    async def find(self, source_event_id: str, kind: str) -> list[Delivery]:
        """The deliveries of one kind an event caused."""
        ...

    async def letters_in_transit(
        self, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Delivery]:
        """One page of the letters in transit, oldest first by (created_at, id), after the
        (created_at, id) given."""
        ...


class AffiliateDirectory(Protocol):
    async def get(self, affiliate_id: str) -> AffiliateContact | None: ...
    async def get_many(self, affiliate_ids: Collection[str]) -> dict[str, AffiliateContact]: ...
    async def put_unless_newer(self, contact: AffiliateContact) -> None:
        """Store the contact unless the one stored is newer (events may come out of order)."""
        ...


class CabinetUserDirectory(Protocol):
    async def get(self, account_id: str) -> CabinetUser | None: ...
    async def of_cabinet(self, cabinet_id: str) -> list[CabinetUser]: ...
    async def put(self, user: CabinetUser) -> None: ...


class NotificationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def affiliates(self) -> AffiliateDirectory: ...
    @property
    def cabinet_users(self) -> CabinetUserDirectory: ...


@dataclass(frozen=True)
class LetterContent:
    pdf: bytes
    subject: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class OutgoingLetter:
    message_id: str
    kind: str
    reference: str
    content: LetterContent


@dataclass(frozen=True)
class LetterJob:
    kind: str
    context: dict[str, Any]
    today: date


class Renderer(Protocol):
    def render_email(self, kind: str, context: dict[str, Any]) -> EmailContent: ...
    def render_letter(self, kind: str, context: dict[str, Any], today: date) -> LetterContent: ...
    async def render_letters(self, jobs: Sequence[LetterJob]) -> list[LetterContent | Exception]:
        """Several letters at once: for each, its content or why it could not be rendered."""
        ...

    def close(self) -> None:
        """Release what rendering holds (processes), when the worker stops."""
        ...


class LetterChannel(Protocol):
    """A letter channel is idempotent by message id: a letter handed over twice is printed
    once (the folder rewrites the same file; the provider gets it as ``Idempotency-Key``)."""

    async def send(self, letter: OutgoingLetter) -> str:
        """Hand the letter over; return the channel's reference. Raise ``DeliveryFailed``."""
        ...

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        """Hand several letters over: for each, its reference or why it was not accepted."""
        ...

    async def status(self, reference: str) -> str:
        """``queued``, ``printed``, ``posted`` or ``returned``."""
        ...

    async def withdraw(self, reference: str) -> bool:
        """Take a letter back before it is printed: True if it was (it will never be
        printed), False if it is too late (printed already). Raise ``DeliveryFailed``."""
        ...


class EmailChannel(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Deliver or raise :class:`notifications.domain.errors.DeliveryFailed`."""
        ...


class SecretOpener(Protocol):
    def open(self, sealed: str) -> str: ...
