"""Fault points: named windows of the bus where a fault drill makes the process die.

A drill aims at a window (after the database commit, before the offset commit…) instead of
killing at random, and then asserts what happened. ``SERVICEKIT_FAULTS`` lists the points to
arm, each with the occurrence that fires::

    SERVICEKIT_FAULTS="consumer.before_offset_commit=kill@3,relay.after_ack=kill@1"

``kill@N``: the N-th time the point is reached, the process logs ``fault_point_reached`` (with
what it holds, e.g. the event ids) and SIGKILLs itself. Unset, a point costs one dictionary
lookup. Arming a point where ``ENVIRONMENT=production`` is refused at start-up.

The points: ``uow.after_commit`` (a unit of work committed, its answer not yet sent),
``relay.after_ack`` (the broker acknowledged a batch, the rows are not yet marked published),
``consumer.before_offset_commit`` (a fetch's effects are committed, its offsets are not),
``consumer.mid_handler`` (an effect is written, its transaction not committed),
``reminders.before_commit`` (appointments: reminders claimed, the claim not committed).
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

from servicekit.logging import get_logger

_log = get_logger(__name__)
ENV = "SERVICEKIT_FAULTS"


@dataclass
class _Armed:
    action: str
    at: int
    reached: int = 0


def _parse(spec: str) -> dict[str, _Armed]:
    armed: dict[str, _Armed] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, rule = item.partition("=")
        action, _, at = rule.partition("@")
        if action != "kill" or not at.isdigit():
            raise ValueError(f"{ENV}: cannot read {item!r} (expected <point>=kill@<n>)")
        armed[name] = _Armed(action, int(at))
    return armed


def _load() -> dict[str, _Armed]:
    spec = os.environ.get(ENV, "")
    if not spec:
        return {}
    if os.environ.get("ENVIRONMENT", "").lower() == "production":
        raise RuntimeError(f"{ENV} is refused in production")
    return _parse(spec)


_ARMED = _load()


def check_allowed() -> None:
    """Raise at start-up if fault points are armed where they must not be."""
    _load()


def fault_point(name: str, **context: Any) -> None:
    """The process dies here if the point ``name`` is armed and due."""
    armed = _ARMED.get(name)
    if armed is None:
        return
    armed.reached += 1
    if armed.reached != armed.at:
        return
    _log.warning("fault_point_reached", point=name, occurrence=armed.reached, **context)
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
