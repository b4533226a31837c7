"""The login throttle's policy: free failures, a doubling wait capped at MAX_DELAY, forgotten
after a quiet day; never a lock longer than the cap."""

from datetime import UTC, datetime

from identity.domain.sessions import FORGET_AFTER, FREE_FAILURES, MAX_DELAY, LoginThrottle

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_the_wait_doubles_after_the_free_failures_and_stops_at_the_bound() -> None:
    throttle, now, waits = LoginThrottle("account:a"), T0, []
    for _ in range(FREE_FAILURES + 12):
        throttle.failed(now)
        until = throttle.blocked(now)
        waits.append(0 if until is None else (until - now).total_seconds())
        now = until or now
    assert waits[: FREE_FAILURES - 1] == [0] * (FREE_FAILURES - 1)
    assert waits[FREE_FAILURES - 1 : FREE_FAILURES + 3] == [1, 2, 4, 8]
    assert max(waits) == MAX_DELAY.total_seconds()


def test_failures_are_forgotten_after_a_quiet_day_and_by_a_success() -> None:
    throttle = LoginThrottle("account:a")
    for _ in range(FREE_FAILURES):
        throttle.failed(T0)
    later = T0 + FORGET_AFTER
    throttle.failed(later)
    assert throttle.failures == 1
    assert throttle.blocked(later) is None
    throttle.succeeded()
    assert (throttle.failures, throttle.locked_until) == (0, None)
