"""Fakes for the outbox, the inbox and the clock, used by services' unit tests."""

from servicekit.clock import FakeClock
from servicekit.testing.fakes import FakeInbox, FakeOutbox, FakeUnitOfWorkBase

__all__ = ["FakeClock", "FakeInbox", "FakeOutbox", "FakeUnitOfWorkBase"]
