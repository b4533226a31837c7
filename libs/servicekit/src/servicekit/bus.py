"""A small message bus: one explicit registry of command handlers per service.

The composition root (``bootstrap``) builds it with the concrete unit of work and
dependencies; entrypoints build one command and call :meth:`MessageBus.handle`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

U = TypeVar("U")
D = TypeVar("D")
Handler = Callable[[Any, U, D], Awaitable[Any]]


class MessageBus(Generic[U, D]):
    def __init__(
        self,
        handlers: Mapping[type, Handler[U, D]],
        uow_factory: Callable[[], U],
        deps: D,
    ) -> None:
        self._handlers = dict(handlers)
        self._uow_factory = uow_factory
        self.deps = deps

    async def handle(self, command: object) -> Any:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        return await handler(command, self._uow_factory(), self.deps)
