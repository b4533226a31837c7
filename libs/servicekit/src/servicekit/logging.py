"""structlog configuration: one shape for every process.

JSON lines when stderr is not a terminal, console otherwise. Every line carries the service,
the trace and span ids of the current span and the id of the event being processed. Values of
keys that name secrets are masked, and so is any value registered with :func:`register_secret`
wherever it appears: in any field, nested or not, in the event text, in an exception's text and
its traceback (exceptions are rendered to text first, then masked), in structlog's lines and in
the standard library's.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import MutableMapping
from typing import Annotated, Any

import structlog
from opentelemetry import trace
from pydantic import AfterValidator

from servicekit.context import current_event_id

SECRET_KEYS = frozenset(
    {
        "password",
        "token",
        "activation_key",
        "key",
        "secret",
        "nir",
        "iban",
        "sealed_link",
        "sealed_key",
        "link",
        "authorization",
        "refresh_token",
        "access_token",
    }
)
MASK = "***"
MIN_SECRET_LENGTH = 8
"""Shorter values are not registered: masking them everywhere would blank ordinary words."""


class SecretRegistry:
    """The secret values this process handles, the most recent ``capacity`` of them (least
    recently registered leave first: the memory stays bounded however many tokens and keys
    pass through).

    A secret is kept as its first :data:`MIN_SECRET_LENGTH` characters, its length and the
    SHA-256 of the whole — never the value itself, so the registry is not one more copy of
    every secret in memory. A text is searched in one pass: each position's first characters
    are looked up among the prefixes, and only a hit is hashed and compared, so the cost grows
    with the text, not with the number of secrets."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._values: OrderedDict[tuple[str, int, bytes], None] = OrderedDict()
        # prefix -> (length, digest) of the secrets that start with it, longest first;
        # replaced, never mutated, so a reader in another thread iterates a stable tuple
        self._by_prefix: dict[str, tuple[tuple[int, bytes], ...]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def add(self, value: str) -> bool:
        if len(value) < MIN_SECRET_LENGTH:
            return False
        entry = (value[:MIN_SECRET_LENGTH], len(value), _digest(value))
        with self._lock:
            if entry in self._values:
                self._values.move_to_end(entry)
                return True
            self._values[entry] = None
            prefix, length, digest = entry
            same = (*self._by_prefix.get(prefix, ()), (length, digest))
            self._by_prefix[prefix] = tuple(sorted(same, key=lambda e: e[0], reverse=True))
            while len(self._values) > self.capacity:
                oldest, _ = self._values.popitem(last=False)
                self._forget(oldest)
        return True

    def _forget(self, entry: tuple[str, int, bytes]) -> None:
        prefix, length, digest = entry
        rest = tuple(e for e in self._by_prefix.get(prefix, ()) if e != (length, digest))
        if rest:
            self._by_prefix[prefix] = rest
        else:
            self._by_prefix.pop(prefix, None)

    def mask(self, text: str) -> str:
        index = self._by_prefix
        if not index or len(text) < MIN_SECRET_LENGTH:
            return text
        parts: list[str] = []
        start = i = 0
        end = len(text) - MIN_SECRET_LENGTH
        while i <= end:
            candidates = index.get(text[i : i + MIN_SECRET_LENGTH])
            if candidates:
                found = next((n for n, d in candidates if _digest(text[i : i + n]) == d), None)
                if found is not None:
                    parts.append(text[start:i])
                    parts.append(MASK)
                    i = start = i + found
                    continue
            i += 1
        if not parts:
            return text
        parts.append(text[start:])
        return "".join(parts)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


SECRETS = SecretRegistry()
"""The process's own registry (one per process, like its metrics registry)."""


def register_secret(value: str | bytes | None) -> bool:
    """Mask ``value`` in every log line from now on (a token, a link that carries one, an
    activation key, key material). Returns whether it was registered: ``None``, empty and
    values shorter than :data:`MIN_SECRET_LENGTH` are not."""
    if value is None:
        return False
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return SECRETS.add(text)


_PLAIN = (int, float, bool, type(None))


def registered(value: str) -> str:
    """A pydantic ``AfterValidator``: a field whose value is registered as a secret as soon
    as it is read (a token in a request body)."""
    register_secret(value)
    return value


RegisteredSecret = Annotated[str, AfterValidator(registered)]
"""The type of a request field that carries a secret (a token, a key typed by a person)."""


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return SECRETS.mask(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(item) for item in value]
    # anything else would be rendered through its repr (an exception, a model...): render it
    # here, where it can still be masked
    return SECRETS.mask(repr(value))


def _mask_registered(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    if not len(SECRETS):
        return event_dict
    for name in list(event_dict):
        if not name.startswith("_"):  # structlog's own bookkeeping (the stdlib's record)
            event_dict[name] = _masked(event_dict[name])
    return event_dict


def _add_trace(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    span = trace.get_current_span()
    ctx = span.get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event_dict.setdefault("span_id", format(ctx.span_id, "016x"))
    event_id = current_event_id.get()
    if event_id:
        event_dict.setdefault("event_id", event_id)
    return event_dict


def _mask_secrets(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for name in list(event_dict):
        if name.lower() in SECRET_KEYS:
            event_dict[name] = MASK
    return event_dict


def configure_logging(service: str, *, json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog and the stdlib root logger for this process."""
    use_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace,
        _mask_secrets,
    ]
    # Exceptions are rendered to plain text before the registered secrets are masked, on the
    # console too: a rich traceback would print locals, after masking could see them.
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            _mask_registered,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _mask_registered,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
