"""Signing in and out with identity, and an access token refreshed before it runs out."""

from __future__ import annotations

from dataclasses import replace

from portal.domain.visit import Visit, new_form_token
from portal.service_layer.ports import Authenticator


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


async def refreshed(identity: Authenticator, visit: Visit, *, now: float) -> Visit:
    """The visit with new tokens (the refresh token is rotated by identity at each use)."""
    tokens = await identity.refresh(visit.refresh_token)
    return visit.with_tokens(tokens.access_token, tokens.refresh_token, now + tokens.expires_in)


async def sign_out(identity: Authenticator, visit: Visit, *, everywhere: bool) -> Visit:
    """Ends identity's session (or every session of the account) and forgets the tokens."""
    if visit.signed_in:
        if everywhere:
            await identity.end_every_session(visit.access_token)
        else:
            await identity.logout(visit.refresh_token)
    return visit.signed_out()
