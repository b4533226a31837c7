"""The event envelope: CloudEvents 1.0 in Kafka binary mode.

The payload is the JSON ``data``; the attributes travel as ``ce_*`` headers. ``ce_id`` is the
deduplication key of every consumer's inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SPEC_VERSION = "1.0"

HEADER_ID = "ce_id"
HEADER_TYPE = "ce_type"
HEADER_SOURCE = "ce_source"
HEADER_TIME = "ce_time"
HEADER_SUBJECT = "ce_subject"
HEADER_SPECVERSION = "ce_specversion"
HEADER_CONTENT_TYPE = "content-type"
HEADER_TRACEPARENT = "traceparent"
HEADER_TRACESTATE = "tracestate"
HEADER_CORRELATION_ID = "correlation_id"

CONTENT_TYPE_JSON = "application/json"

EventType = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]+(\.[a-z_]+)+\.v[0-9]+$"),
]


class Envelope(BaseModel):
    """The CloudEvents attributes of one event, without its data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, description="Unique id of the event; the deduplication key.")
    type: EventType = Field(description="`<producer>.<aggregate>.<event>.v<n>`.")
    source: str = Field(min_length=1, description="The producing service.")
    time: datetime = Field(description="When the fact happened (UTC, with offset).")
    subject: str = Field(min_length=1, description="The aggregate id; also the Kafka key.")
    traceparent: str | None = Field(default=None, description="W3C trace context.")
    tracestate: str | None = None
    correlation_id: str | None = None

    def to_headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers in CloudEvents binary mode."""
        headers = [
            (HEADER_SPECVERSION, SPEC_VERSION.encode()),
            (HEADER_ID, self.id.encode()),
            (HEADER_TYPE, self.type.encode()),
            (HEADER_SOURCE, self.source.encode()),
            (HEADER_TIME, self.time.isoformat().encode()),
            (HEADER_SUBJECT, self.subject.encode()),
            (HEADER_CONTENT_TYPE, CONTENT_TYPE_JSON.encode()),
        ]
        for name, value in (
            (HEADER_TRACEPARENT, self.traceparent),
            (HEADER_TRACESTATE, self.tracestate),
            (HEADER_CORRELATION_ID, self.correlation_id),
        ):
            if value:
                headers.append((name, value.encode()))
        return headers

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> Envelope:
        """Read the attributes back; raises ``pydantic.ValidationError`` when one is missing."""
        return cls.model_validate(
            {
                "id": headers.get(HEADER_ID),
                "type": headers.get(HEADER_TYPE),
                "source": headers.get(HEADER_SOURCE),
                "time": headers.get(HEADER_TIME),
                "subject": headers.get(HEADER_SUBJECT),
                "traceparent": headers.get(HEADER_TRACEPARENT),
                "tracestate": headers.get(HEADER_TRACESTATE),
                "correlation_id": headers.get(HEADER_CORRELATION_ID),
            }
        )
