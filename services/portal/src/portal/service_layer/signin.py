"""Signing in and out with identity, and an access token refreshed before it runs out."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import replace

from portal.domain.visit import Visit, new_form_token
from portal.service_layer.ports import Authenticator, Tokens


async def sign_in(
    identity: Authenticator,
    visit: Visit,
    username: str,
    password: str,
    *,
    source: str,
    user_agent: str,
    now: float,
) -> Visit:
    """A signed-in visit; the form token is drawn anew (the one of the anonymous visit could
    have been planted). identity's refusals go up as they are."""
    tokens = await identity.login(username, password, source=source, user_agent=user_agent)
    caller = await identity.me(tokens.access_token)
    return replace(
        visit,
        csrf=new_form_token(),
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=now + tokens.expires_in,
        account_id=tokens.account_id,
        actor=caller.actor,
        cabinet_id=caller.cabinet_id,
        affiliate_id=caller.affiliate_id,
        rights=caller.rights,
        flash="",
    )


class Refresher:
    """One refresh per refresh token, however many requests of one browser need it at once.

    identity rotates the refresh token at each use and takes a token used twice for a stolen
    one (it ends the whole session, ADR 0006): a page and the requests it starts, all arriving
    with the same expired cookie, would sign their person out. The first request refreshes;
    the others wait for it and get the same new tokens, kept ``keep_s`` seconds (in this
    process's memory, keyed by a digest of the old refresh token)."""

    def __init__(self, identity: Authenticator, *, keep_s: float = 60.0) -> None:
        self.identity = identity
        self.keep_s = keep_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._done: dict[str, tuple[float, Tokens]] = {}

    async def refresh(self, refresh_token: str, *, now: float) -> Tokens:
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        self._forget(now)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            done = self._done.get(key)
            if done is not None:
                return done[1]
            tokens = await self.identity.refresh(refresh_token)
            self._done[key] = (now, tokens)
            return tokens

    def _forget(self, now: float) -> None:
        for key, (at, _) in list(self._done.items()):
            if now - at > self.keep_s:
                del self._done[key]
                lock = self._locks.get(key)
                if lock is not None and not lock.locked():
                    del self._locks[key]


def rights_in(access_token: str) -> tuple[str, ...] | None:
    """The ``rights`` claim of an access token identity has just issued (read, not verified:
    it only chooses the menu's links; every service verifies the token itself). None when the
    token does not read as a JWT with that claim."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # not base64, not UTF-8, not JSON
        return None
    rights = claims.get("rights") if isinstance(claims, dict) else None
    if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
        return None
    return tuple(rights)


async def refreshed(refresher: Refresher, visit: Visit, *, now: float) -> Visit:
    """The visit with new tokens (the refresh token is rotated by identity at each use), and
    the rights they name: a firm user whose rights an administrator changed sees the menu
    follow at the next renewal, without signing in again."""
    tokens = await refresher.refresh(visit.refresh_token, now=now)
    renewed = visit.with_tokens(tokens.access_token, tokens.refresh_token, now + tokens.expires_in)
    rights = rights_in(tokens.access_token)
    return renewed if rights is None else renewed.with_rights(rights)


async def sign_out(identity: Authenticator, visit: Visit, *, everywhere: bool) -> Visit:
    """Ends identity's session (or every session of the account) and forgets the tokens."""
    if visit.signed_in:
        if everywhere:
            await identity.end_every_session(visit.access_token)
        else:
            await identity.logout(visit.refresh_token)
    return visit.signed_out()
