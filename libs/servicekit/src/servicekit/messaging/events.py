"""An incoming event: the CloudEvents envelope read from a record's headers and its JSON data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from contracts.base import EventPayload
from contracts.envelope import HEADER_TYPE, Envelope
from pydantic import ValidationError

from servicekit.errors import SafeError, describe

P = TypeVar("P", bound=EventPayload)

REPLAYED_FROM = "replayed_from"
"""Header set on a dead letter moved back to its topic by an operator's replay."""


class Record(Protocol):
    """What we read of an aiokafka ``ConsumerRecord``."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class PoisonMessage(SafeError):
    """A message that can never be processed: sent to the DLQ without retries."""


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    envelope: Envelope
    data: dict[str, Any]
    topic: str
    partition: int
    offset: int

    def payload(self, cls: type[P]) -> P:
        """The data as a contract model; a mismatch is a poison message."""
        try:
            return cls.model_validate(self.data)
        except ValidationError as exc:
            raise PoisonMessage(f"payload does not match {cls.__name__}: {describe(exc)}") from exc


def headers_of(record: Record) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in record.headers or ():
        out[name] = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return out


def type_of(record: Record) -> str | None:
    """The record's ``ce_type`` header, without reading the others."""
    for name, value in record.headers or ():
        if name == HEADER_TYPE:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return None


def parse(record: Record, headers: dict[str, str]) -> IncomingEvent:
    """The event of ``record``; :class:`PoisonMessage` when it cannot be read."""
    try:
        envelope = Envelope.from_headers(headers)
    except ValidationError as exc:
        raise PoisonMessage(f"invalid CloudEvents headers: {describe(exc)}") from exc
    try:
        data = json.loads(record.value or b"")
    except json.JSONDecodeError as exc:
        raise PoisonMessage(f"data is not JSON: {exc.msg} at position {exc.pos}") from exc
    except UnicodeDecodeError as exc:
        raise PoisonMessage(f"data is not JSON: not UTF-8 at byte {exc.start}") from exc
    if not isinstance(data, dict):
        raise PoisonMessage("data is not a JSON object")
    return IncomingEvent(envelope, data, record.topic, record.partition, record.offset)
