"""An operator's request to replay a dead-letter topic into its original topic.

The api records the request; the worker carries it out (the api never talks to Kafka) and
records how many messages went back. Replayed messages keep their ``ce_id``: a consumer that
had processed one in the meantime drops it through its inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass
class DlqReplay:
    id: str
    topic: str
    limit: int
    requested_by: str
    requested_at: datetime
    state: str = PENDING
    replayed: int = 0
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def dlq(self) -> str:
        return f"{self.topic}.notifications.dlq"

    def done(self, replayed: int, now: datetime) -> None:
        self.state, self.replayed, self.finished_at = DONE, replayed, now

    def failed(self, error: str, now: datetime) -> None:
        self.state, self.error, self.finished_at = FAILED, error[:500], now
