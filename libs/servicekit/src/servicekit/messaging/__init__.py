"""Consuming events with at-least-once acks, retries and dead letters.

- :mod:`.events`: the incoming event (envelope and data) and the poison message;
- :mod:`.router`: :class:`EventRouter`, every subscription of a worker in one place;
- :mod:`.consumer`: how one group handles its fetches (skip, parse, handle, retry, dead-letter);
- :mod:`.partitions`: what is done, committed and waiting per partition (explicit offset
  commits after the effects; retries by pausing the partition, never by sleeping);
- :mod:`.deadletters`: the dead-letter record that makes a redelivery harmless;
- :mod:`.retry`: the back-off.
"""

from servicekit.messaging.deadletters import (
    DeadLetter,
    DeadLetterStore,
    MemoryDeadLetterStore,
    SqlDeadLetterStore,
)
from servicekit.messaging.events import REPLAYED_FROM, IncomingEvent, PoisonMessage, Record
from servicekit.messaging.retry import RetryPolicy
from servicekit.messaging.router import (
    BatchHandler,
    DeadLetterHook,
    EventRouter,
    Handler,
    Subscription,
    make_broker,
)

__all__ = [
    "REPLAYED_FROM",
    "BatchHandler",
    "DeadLetter",
    "DeadLetterHook",
    "DeadLetterStore",
    "EventRouter",
    "Handler",
    "IncomingEvent",
    "MemoryDeadLetterStore",
    "PoisonMessage",
    "Record",
    "RetryPolicy",
    "SqlDeadLetterStore",
    "Subscription",
    "make_broker",
]
