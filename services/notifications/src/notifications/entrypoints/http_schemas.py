"""HTTP bodies of notifications' operator API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DeliveryRead(BaseModel):
    """A delivery as operators see it: never the secrets, never the rendered content."""

    delivery_id: str
    kind: str = Field(examples=["cabinet_activation"])
    channel: str = Field(examples=["email"])
    recipient: str
    state: str = Field(examples=["parked"])
    attempts: int
    source_event_id: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
