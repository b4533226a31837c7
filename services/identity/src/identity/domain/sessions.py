"""Sessions: refresh-token families and the login throttle (SPEC.md 2.5).

A refresh token is opaque, stored as its SHA-256, and rotated on every use: the new one joins
the same family. Presenting a token already used means it was stolen or replayed: the whole
family is revoked. Repeated failed logins slow down (a growing wait) and then lock the account
for a while; the answer never says whether the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REFRESH_TTL = timedelta(days=30)
ACCESS_TTL = timedelta(minutes=10)
FREE_FAILURES = 3
LOCK_AFTER = 10
LOCK_FOR = timedelta(minutes=15)


class RefreshRejected(Exception):
    """Unknown, expired, revoked or reused refresh token (one answer for all)."""


class ReusedRefreshToken(RefreshRejected):
    """A used token came back: its family is revoked."""


@dataclass
class RefreshToken:
    token_hash: str
    family_id: str
    account_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def use(self, now: datetime) -> None:
        if self.used_at is not None:
            raise ReusedRefreshToken
        if self.revoked_at is not None or now >= self.expires_at:
            raise RefreshRejected
        self.used_at = now


@dataclass
class LoginThrottle:
    """Failures of one login identifier (whether or not an account has it)."""

    identifier: str
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def wait_until(self) -> datetime | None:
        """When the next attempt may be made, or None if it may be made now."""
        if self.locked_until is not None:
            return self.locked_until
        if self.failures < FREE_FAILURES or self.last_failure_at is None:
            return None
        return self.last_failure_at + timedelta(seconds=2 ** (self.failures - FREE_FAILURES))

    def blocked(self, now: datetime) -> datetime | None:
        until = self.wait_until()
        return until if until is not None and now < until else None

    def failed(self, now: datetime) -> None:
        self.failures += 1
        self.last_failure_at = now
        if self.failures >= LOCK_AFTER:
            self.locked_until = now + LOCK_FOR

    def succeeded(self) -> None:
        self.failures, self.last_failure_at, self.locked_until = 0, None, None
