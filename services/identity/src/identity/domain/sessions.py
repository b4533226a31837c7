"""Sessions: refresh-token families and the login throttle (SPEC.md 2.5).

A refresh token is opaque, stored as its SHA-256, and rotated on every use: the new one joins
the same family. Presenting a token already used means it was stolen or replayed: the whole
family is revoked.

Failed logins are counted per account — whatever spelling of its identifier was typed (e-mail in
any case, NIR body of 13 characters, full NIR of 15, with or without spaces) — and per source
address. After a few free failures each new one makes the account wait before the next attempt
(``locked_until``), the wait doubling up to ``MAX_DELAY``; attempts during the wait are refused
without being counted, so nobody can keep an account closed for longer than ``MAX_DELAY`` after
a failure, and a source that fails too often is refused for a while (``SOURCE_*``). Both are kept
in the database, so they hold across api copies. The answer never says whether the account
exists: an unknown identifier is counted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REFRESH_TTL = timedelta(days=30)
"""A refresh token unused for this long dies (the idle limit)."""
SESSION_LIFETIME = timedelta(days=90)
"""A session ends this long after its login, however often it is refreshed (the absolute
limit; ``IDENTITY_SESSION_LIFETIME_DAYS``)."""
USER_AGENT_MAX = 300
ACCESS_TTL = timedelta(minutes=10)
FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=5)
FORGET_AFTER = timedelta(hours=24)
"""Consecutive failures are forgotten after a day without one."""
SOURCE_FAILURES = 30
SOURCE_WINDOW = timedelta(minutes=15)
"""A source address failing ``SOURCE_FAILURES`` logins in ``SOURCE_WINDOW`` is refused until the
window ends (whatever the accounts tried)."""


class RefreshRejected(Exception):
    """Unknown, expired, revoked or reused refresh token (one answer for all)."""


class ReusedRefreshToken(RefreshRejected):
    """A used token came back: its family is revoked."""


class RefreshRaced(Exception):
    """A token used a moment ago came back within the grace: the requests of one page (or of
    two copies of the portal behind a balancer) refreshing with the same cookie at once. The
    late one gets a pair of its own in the same family, and nothing is revoked."""


@dataclass
class RefreshToken:
    token_hash: str
    family_id: str
    account_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def use(self, now: datetime, grace: timedelta = timedelta(0)) -> None:
        if self.revoked_at is not None or now >= self.expires_at:
            raise RefreshRejected
        if self.used_at is not None:
            if now - self.used_at <= grace:
                raise RefreshRaced
            raise ReusedRefreshToken
        self.used_at = now


@dataclass
class Session:
    """One login and the refresh family it started (``id`` is the family's id)."""

    id: str
    account_id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    """The absolute end: the login time plus the session lifetime; never pushed back."""
    user_agent: str | None = None
    ended_at: datetime | None = None

    @classmethod
    def start(
        cls,
        session_id: str,
        account_id: str,
        now: datetime,
        lifetime: timedelta,
        user_agent: str | None,
    ) -> Session:
        agent = (user_agent or "").strip()[:USER_AGENT_MAX] or None
        return cls(session_id, account_id, now, now, now + lifetime, agent)

    def open(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at

    def refreshed(self, now: datetime) -> datetime:
        """Mark a use; when the new refresh token expires: idle limit, capped by the end."""
        self.last_used_at = now
        return min(now + REFRESH_TTL, self.expires_at)


def account_throttle_key(account_id: str) -> str:
    """The key an account's failed logins are counted under, whatever spelling was typed."""
    return f"account:{account_id}"


@dataclass
class LoginThrottle:
    """Consecutive failed logins of one account (or of one unknown identifier)."""

    identifier: str
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def blocked(self, now: datetime) -> datetime | None:
        """Until when attempts are refused, or None if one may be made now."""
        return self.locked_until if self.locked_until and now < self.locked_until else None

    def failed(self, now: datetime) -> None:
        if self.last_failure_at is not None and now - self.last_failure_at >= FORGET_AFTER:
            self.failures = 0
        self.failures += 1
        self.last_failure_at = now
        if self.failures >= FREE_FAILURES:
            delay = timedelta(seconds=2 ** min(self.failures - FREE_FAILURES, 20))
            self.locked_until = now + min(delay, MAX_DELAY)

    def succeeded(self) -> None:
        self.failures, self.last_failure_at, self.locked_until = 0, None, None
