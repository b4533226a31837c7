"""Password hashing (Argon2id), random tokens, and sealing secrets for notifications."""

from __future__ import annotations

import asyncio
import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from servicekit.logging import register_secret
from servicekit.sealing import seal

from identity.domain import errors
from identity.service_layer.ports import PasswordAlgorithm

T = TypeVar("T")


class Argon2PasswordHasher:
    """Argon2id; the parameters are benchmarked in bench/auth.py."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1) -> None:
        self._hasher = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


class PasswordWorkPool:
    """Runs a password algorithm in worker threads, never on the event loop.

    argon2-cffi releases the GIL while it hashes, so ``workers`` threads hash in parallel while
    the loop keeps serving. At most ``workers`` hashes run and ``queue`` wait for a worker; one
    more is refused at once (``errors.PasswordWorkOverloaded``, answered 503 with
    ``Retry-After``) rather than piling up requests and memory behind a flood of logins. A slot
    is freed when its hash has finished in its thread (a hash already running is not stopped
    when its request gives up), or when a waiting one is cancelled.
    """

    def __init__(
        self,
        algorithm: PasswordAlgorithm,
        *,
        workers: int = 2,
        queue: int = 16,
        retry_after_s: int = 1,
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("workers must be at least 1 and queue at least 0")
        self.algorithm = algorithm
        self._capacity = workers + queue
        self._retry_after_s = retry_after_s
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="password-work")
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Hashes running or waiting for a worker."""
        return self._in_flight

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1

    async def _run(self, work: Callable[[], T]) -> T:
        with self._lock:
            if self._in_flight >= self._capacity:
                raise errors.PasswordWorkOverloaded(self._retry_after_s)
            self._in_flight += 1

        try:
            future = self._executor.submit(work)
        except BaseException:
            self._release()
            raise
        # Run when the hash is done, or when it is cancelled before it started: never twice.
        future.add_done_callback(lambda _: self._release())
        return await asyncio.wrap_future(future)

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self.algorithm.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(lambda: self.algorithm.verify(password_hash, password))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class RandomTokens:
    def new_token(self) -> str:
        """256 bits, URL-safe; masked in every log line from now on."""
        token = secrets.token_urlsafe(32)
        register_secret(token)
        return token

    def new_id(self) -> str:
        return str(uuid.uuid4())


class NotificationsSealer:
    def __init__(self, public_key_b64: str) -> None:
        self._public_key = public_key_b64

    def seal(self, secret: str) -> str:
        return seal(self._public_key, secret)
