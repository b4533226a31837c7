"""Whether the broker lets this process do its work: its principal authenticates, sees the
topics it reads and may use its consumer groups. The answer comes from the broker itself
(an admin round trip with the process's own credentials), is cached for ``ttl_s``, and is a
readiness check: a worker refused by the broker says why instead of silently consuming
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from servicekit.errors import describe
from servicekit.health import NotReady

_TOPIC_AUTHORIZATION_FAILED = 29
_UNKNOWN_TOPIC = 3


class BrokerAccess:
    def __init__(
        self,
        bootstrap_servers: str,
        security: dict[str, Any],
        *,
        read_topics: Sequence[str],
        groups: Sequence[str],
        ttl_s: float = 30.0,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._security = security
        self._topics = list(read_topics)
        self._groups = list(groups)
        self._ttl_s = ttl_s
        self._checked_at = 0.0
        self._problem: str | None = None

    async def check(self) -> None:
        now = time.monotonic()
        if now - self._checked_at > self._ttl_s or self._problem is not None:
            self._problem = await self._ask()
            self._checked_at = now
        if self._problem is not None:
            raise NotReady(self._problem)

    async def _ask(self) -> str | None:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap, request_timeout_ms=5000, **self._security
        )
        try:
            await admin.start()
        except Exception as exc:
            return await self._why_not_connected(exc)
        try:
            if self._topics:
                for topic in await admin.describe_topics(self._topics):
                    code = topic.get("error_code", 0)
                    if code == _TOPIC_AUTHORIZATION_FAILED:
                        return f"not authorized to read the topic {topic.get('topic')}"
                    if code == _UNKNOWN_TOPIC:
                        return f"the topic {topic.get('topic')} does not exist"
            for group in self._groups:
                try:
                    await admin.list_consumer_group_offsets(group)
                except Exception as exc:
                    if type(exc).__name__ == "GroupAuthorizationFailedError":
                        return f"not authorized to use the consumer group {group}"
                    return f"the consumer group {group} is not available: {describe(exc)}"
        except Exception as exc:
            return f"the broker did not answer: {describe(exc)}"
        finally:
            await admin.close()
        return None

    async def _why_not_connected(self, exc: BaseException) -> str:
        """The client says only "unable to bootstrap": one direct connection tells a refused
        authentication from an unreachable broker."""
        from aiokafka.conn import create_conn

        host, _, port = self._bootstrap.split(",")[0].rpartition(":")
        try:
            conn = await create_conn(host, int(port), request_timeout_ms=5000, **self._security)
        except Exception as direct:
            if type(direct).__name__ == "SaslAuthenticationFailed":
                return "the broker refused this service's credentials (SASL authentication failed)"
            return f"the broker is unreachable: {describe(direct)}"
        conn.close()
        return f"the broker refused the connection: {describe(exc)}"
