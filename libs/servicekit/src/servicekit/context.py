"""Context variables that every log line and outgoing event carries."""

from __future__ import annotations

from contextvars import ContextVar

current_event_id: ContextVar[str | None] = ContextVar("current_event_id", default=None)
current_correlation_id: ContextVar[str | None] = ContextVar("current_correlation_id", default=None)
