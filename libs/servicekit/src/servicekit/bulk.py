"""Bulk work in a long-running process: the cyclic garbage collector paused while it runs.

A use case that builds a few hundred thousand objects at once (a debit day of 100,000
accounts: their accounts, ledgers, entries, events and file lines) makes the collector run its
full collections again and again over a heap that only grows, none of which frees anything
(nothing of it is garbage until the use case ends): a quarter of the run's time. Paused for
the use case, collected once after. Reference counting still frees everything acyclic as it
goes; the other coroutines of the process run meanwhile with the collector paused too, which
costs at most the cycles they make during those seconds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside (nested uses keep it off until the outermost ends)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)  # the young garbage made meanwhile; the old generation as usual
