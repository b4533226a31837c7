"""What notifications' service layer needs from the outside."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from servicekit.uow import AbstractUnitOfWork

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
    async def add_if_absent(self, delivery: Delivery) -> bool: ...
    async def get(self, delivery_id: str) -> Delivery | None: ...
    async def save(self, delivery: Delivery) -> None: ...
    async def claim_due(
        self, now: datetime, limit: int, stale_before: datetime
    ) -> list[Delivery]: ...
    async def list_by_state(self, state: str, limit: int) -> list[Delivery]: ...


class NotificationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def deliveries(self) -> DeliveryRepository: ...


class Renderer(Protocol):
    def render_email(self, kind: str, context: dict[str, Any]) -> EmailContent: ...


class EmailChannel(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Deliver or raise :class:`notifications.domain.model.DeliveryFailed`."""
        ...


class SecretOpener(Protocol):
    def open(self, sealed: str) -> str: ...
