"""The state a consumer group keeps per partition: what is done, what is committed, what waits.

- **Offsets**: a record is *done* once its effect is committed in the database (or it was
  dead-lettered, or skipped). Only done offsets are ever committed, as an explicit
  ``{partition: offset}`` map — never the consumer's position, which runs ahead of the handler
  (the position after a fetch includes records still being handled). Commits are grouped (at
  most one per ``interval_s``, one more when the partition goes quiet) and run beside the
  handling, one at a time.
- **Retries without blocking the poll loop**: a record that failed is not retried by sleeping
  in the handler (which would exceed ``max.poll.interval.ms`` and cause rebalances). Its
  partition is rewound to it and paused; a timer resumes it after the back-off, and the next
  fetch brings the record again. Other partitions go on meanwhile.
- **Rebalances**: before partitions are revoked their done offsets are committed; their retry
  state is forgotten (the next owner starts from the committed offset).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from servicekit.errors import describe
from servicekit.logging import get_logger
from servicekit.metrics import CONSUMER_OFFSET_LAG, CONSUMER_RETRYING

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer

    from servicekit.messaging.events import Record

_log = get_logger(__name__)
_REVOKE_COMMIT_TIMEOUT_S = 5.0


class PartitionTracker(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, service: str, group: str, interval_s: float) -> None:
        self._service = service
        self.group = group
        self._interval_s = interval_s
        self._consumer: AIOKafkaConsumer | None = None
        self._done: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._failing: dict[TopicPartition, tuple[int, int]] = {}
        self._timers: dict[TopicPartition, asyncio.TimerHandle] = {}
        self._commit_task: asyncio.Task[None] | None = None
        self._commit_timer: asyncio.TimerHandle | None = None
        self._last_commit = 0.0

    def bind(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer

    # -- records ---------------------------------------------------------------------------
    def done(self, record: Record) -> None:
        tp = TopicPartition(record.topic, record.partition)
        self._done[tp] = max(self._done.get(tp, 0), record.offset + 1)
        failing = self._failing.get(tp)
        if failing is not None and failing[0] <= record.offset:
            del self._failing[tp]

    def attempts(self, record: Record) -> int:
        """How many times ``record`` failed before (0 for a record not failing)."""
        failing = self._failing.get(TopicPartition(record.topic, record.partition))
        return failing[1] if failing is not None and failing[0] == record.offset else 0

    def retry_later(self, record: Record, attempts: int, delay_s: float) -> None:
        """Rewind the record's partition to it and pause it for ``delay_s``."""
        assert self._consumer is not None
        tp = TopicPartition(record.topic, record.partition)
        self._failing[tp] = (record.offset, attempts)
        self._consumer.seek(tp, record.offset)
        self._consumer.pause(tp)
        CONSUMER_RETRYING.labels(self._service, self.group, tp.topic, str(tp.partition)).set(1)
        previous = self._timers.pop(tp, None)
        if previous is not None:
            previous.cancel()
        self._timers[tp] = asyncio.get_running_loop().call_later(delay_s, self._resume, tp)

    def _resume(self, tp: TopicPartition) -> None:
        self._timers.pop(tp, None)
        consumer = self._consumer
        if consumer is not None and tp in consumer.assignment():
            consumer.resume(tp)
        CONSUMER_RETRYING.labels(self._service, self.group, tp.topic, str(tp.partition)).set(0)

    # -- commits ---------------------------------------------------------------------------
    def commit_soon(self) -> None:
        """Commit what is done now if the last commit is older than the interval, else when
        the interval ends."""
        if time.monotonic() - self._last_commit >= self._interval_s:
            self._start_commit()
        elif self._commit_timer is None:
            self._commit_timer = asyncio.get_running_loop().call_later(
                self._interval_s, self._start_commit
            )

    def _start_commit(self) -> None:
        if self._commit_timer is not None:
            self._commit_timer.cancel()
            self._commit_timer = None
        if self._commit_task is not None and not self._commit_task.done():
            # the running commit looks again at what is done before it ends
            return
        self._commit_task = asyncio.create_task(self._commit_loop())

    async def _commit_loop(self) -> None:
        while await self._commit_once():
            pass

    def _to_commit(self, only: set[TopicPartition] | None = None) -> dict[TopicPartition, int]:
        consumer = self._consumer
        if consumer is None:
            return {}
        assigned = consumer.assignment() if only is None else only
        return {
            tp: offset
            for tp, offset in self._done.items()
            if tp in assigned and offset > self._committed.get(tp, -1)
        }

    async def _commit_once(self, only: set[TopicPartition] | None = None) -> bool:
        """Commit the done offsets not yet committed; ``True`` if something was committed."""
        offsets = self._to_commit(only)
        self._last_commit = time.monotonic()
        if not offsets or self._consumer is None:
            return False
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # the partitions went to another member: it starts from the last commit
            _log.info("consumer_commit_superseded", group=self.group, error=describe(exc))
            return False
        except Exception as exc:  # the next commit covers these offsets
            _log.warning("consumer_commit_failed", group=self.group, error=describe(exc))
            return False
        self._committed.update(offsets)
        self._report_lag()
        return True

    async def flush(self, timeout_s: float = 10.0) -> None:
        """Commit everything done (at shutdown, after the handling stopped)."""
        if self._commit_timer is not None:
            self._commit_timer.cancel()
            self._commit_timer = None
        with contextlib.suppress(TimeoutError):
            if self._commit_task is not None and not self._commit_task.done():
                await asyncio.wait_for(asyncio.shield(self._commit_task), timeout_s)
            await asyncio.wait_for(self._commit_once(), timeout_s)

    def _report_lag(self) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            end = consumer.highwater(tp)
            committed = self._committed.get(tp)
            if end is not None and committed is not None:
                CONSUMER_OFFSET_LAG.labels(
                    self._service, self.group, tp.topic, str(tp.partition)
                ).set(max(end - committed, 0))

    def committed(self) -> dict[TopicPartition, int]:
        return dict(self._committed)

    # -- rebalances ------------------------------------------------------------------------
    async def on_partitions_revoked(self, revoked: Any) -> None:
        tps = set(revoked)
        if tps:
            try:
                await asyncio.wait_for(self._commit_once(only=tps), _REVOKE_COMMIT_TIMEOUT_S)
            except TimeoutError:
                _log.warning("consumer_commit_on_revoke_timed_out", group=self.group)
        for tp in tps:
            self._done.pop(tp, None)
            self._committed.pop(tp, None)
            self._failing.pop(tp, None)
            timer = self._timers.pop(tp, None)
            if timer is not None:
                timer.cancel()
            CONSUMER_RETRYING.labels(self._service, self.group, tp.topic, str(tp.partition)).set(0)
        if tps:
            _log.info("consumer_partitions_revoked", group=self.group, count=len(tps))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        _log.info("consumer_partitions_assigned", group=self.group, count=len(set(assigned)))
