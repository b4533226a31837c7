"""``Idempotency-Key`` on every creating request: a retried request has no second effect.

A client that may retry (a lost answer, a time-out) sends ``Idempotency-Key: <its own id>``
with a ``POST``. The first request with a key runs and its answer (status, body) is kept in the
service's ``idempotency_keys`` table; a later request with the same key from the same caller
gets that answer again, without running. The same key with a different body is refused (422
``idempotency-key-reused``); while the first is still running, 409 ``idempotency-key-in-use``.
Keys are scoped by caller (the ``Authorization`` header's hash, or none) and path, and kept
``ttl`` (24 hours). An answer of 500 or more is not kept: the client may try again.

The one window left: a process that dies after the route committed and before the answer was
kept leaves the key "in use"; a retry then gets 409 until the key expires, never a second
effect.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.clock import Clock
from servicekit.problems import PROBLEM_JSON, Conflict, ValidationProblem

HEADER = "idempotency-key"
_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
_IN_USE = -1


class IdempotencyStore:
    def __init__(self, engine: AsyncEngine, table: Table, clock: Clock, ttl: timedelta) -> None:
        self._engine = engine
        self._table = table
        self._clock = clock
        self._ttl = ttl

    async def begin(self, scope: str, request_hash: str) -> tuple[int, bytes] | str | None:
        """``None``: this request runs (the key is now in use); ``(status, body)``: the kept
        answer; ``"reused"`` or ``"in use"``: refused."""
        t = self._table
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.scope == scope, t.c.expires_at < now))
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        t.insert().values(
                            scope=scope,
                            request_hash=request_hash,
                            status=_IN_USE,
                            body=b"",
                            created_at=now,
                            expires_at=now + self._ttl,
                        )
                    )
                return None
            except IntegrityError:
                row = (
                    await conn.execute(
                        select(t.c.request_hash, t.c.status, t.c.body, t.c.expires_at).where(
                            t.c.scope == scope
                        )
                    )
                ).one()
        if row.request_hash != request_hash:
            return "reused"
        if row.status == _IN_USE:
            return "in use"
        return int(row.status), bytes(row.body)

    async def finish(self, scope: str, status: int, body: bytes) -> None:
        t = self._table
        async with self._engine.begin() as conn:
            if status >= 500:
                await conn.execute(delete(t).where(t.c.scope == scope))
            else:
                await conn.execute(
                    update(t).where(t.c.scope == scope).values(status=status, body=body)
                )


class Idempotency:
    """The ASGI middleware (installed by :func:`servicekit.http.create_http_app`)."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, exclude: Sequence[str] = ()) -> None:
        self.app = app
        self.store = store
        self.exclude = [re.compile(p) for p in exclude]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers") or []}
        raw_key = headers.get(HEADER)
        path: str = scope.get("path", "")
        if raw_key is None or any(p.search(path) for p in self.exclude):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not _KEY.match(key):
            await _problem(
                send,
                ValidationProblem(
                    "L'en-tête Idempotency-Key doit faire de 1 à 100 caractères parmi lettres,"
                    " chiffres et « _ . : - ».",
                    [
                        {
                            "field": "Idempotency-Key",
                            "code": "idempotency_key",
                            "message": "invalide",
                        }
                    ],
                ),
                path,
            )
            return
        body, messages = await _read_body(receive)
        caller = hashlib.sha256(headers.get("authorization", b"")).hexdigest()[:32]
        scope_key = f"{caller}:{path}:{key}"
        request_hash = hashlib.sha256(body).hexdigest()
        outcome = await self.store.begin(scope_key, request_hash)
        if outcome == "reused":
            await _problem(
                send,
                _Reused("Cette clé d'idempotence a déjà servi pour une autre requête."),
                path,
            )
            return
        if outcome == "in use":
            await _problem(
                send,
                Conflict(
                    "Une requête avec cette clé d'idempotence est en cours ; réessayez plus tard.",
                    kind="idempotency-key-in-use",
                ),
                path,
            )
            return
        if isinstance(outcome, tuple):
            status, kept = outcome
            await _replay(send, status, kept)
            return
        await self._run(scope, messages, send, scope_key)

    async def _run(self, scope: Scope, messages: list[Message], send: Send, scope_key: str) -> None:
        pending = list(messages)

        async def replay_receive() -> Message:
            if pending:
                return pending.pop(0)
            return {"type": "http.disconnect"}

        status = 500
        chunks: list[bytes] = []
        answer: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            answer.append(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            await self.store.finish(scope_key, status, b"".join(chunks))
        # the answer leaves once it is kept: a client retrying the moment it has it gets it
        # again, never « en cours »
        for message in answer:
            await send(message)


class _Reused(ValidationProblem):
    kind = "idempotency-key-reused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return body, messages


async def _replay(send: Send, status: int, body: bytes) -> None:
    media = PROBLEM_JSON if status >= 400 else "application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"idempotent-replayed", b"true"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, problem: Any, path: str) -> None:
    body = json.dumps(problem.body(instance=path)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
