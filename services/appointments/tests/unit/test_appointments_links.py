"""The signed link to manage an appointment: what verifies and what does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from appointments.domain.links import (
    LinkExpired,
    LinkInvalid,
    ManageClaims,
    sign_manage_token,
    sign_token,
    verify_manage_token,
)

SECRET = b"s" * 32
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CLAIMS = ManageClaims("6f1c2b9e-5a07-4f4e-9b1f-3c0f8c2a7d11", 3, NOW + timedelta(days=7))


def test_round_trip() -> None:
    token = sign_manage_token(SECRET, CLAIMS)
    assert verify_manage_token(SECRET, token, now=NOW) == CLAIMS
    assert token.isascii()
    assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe, no padding
    assert len(token) < 120


def test_every_changed_character_is_refused() -> None:
    token = sign_manage_token(SECRET, CLAIMS)
    for i, char in enumerate(token):
        for other in {"A", "_", "."} - {char}:
            with pytest.raises(LinkInvalid):
                verify_manage_token(SECRET, token[:i] + other + token[i + 1 :], now=NOW)


def test_another_revision_in_the_body_is_refused() -> None:
    good = sign_manage_token(SECRET, CLAIMS)
    other = sign_manage_token(SECRET, ManageClaims(CLAIMS.appointment_id, 4, CLAIMS.expires_at))
    spliced = other.split(".")[0] + "." + good.split(".")[1]
    with pytest.raises(LinkInvalid):
        verify_manage_token(SECRET, spliced, now=NOW)


def test_a_token_for_another_purpose_never_verifies() -> None:
    token = sign_token(SECRET, CLAIMS, purpose="unsubscribe")
    with pytest.raises(LinkInvalid):
        verify_manage_token(SECRET, token, now=NOW)


def test_another_secret_is_refused() -> None:
    token = sign_manage_token(b"t" * 32, CLAIMS)
    with pytest.raises(LinkInvalid):
        verify_manage_token(SECRET, token, now=NOW)


def test_expired() -> None:
    token = sign_manage_token(SECRET, CLAIMS)
    assert verify_manage_token(SECRET, token, now=CLAIMS.expires_at - timedelta(seconds=1))
    with pytest.raises(LinkExpired):
        verify_manage_token(SECRET, token, now=CLAIMS.expires_at)


@pytest.mark.parametrize(
    "token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "é.é", "YWJj.YWJj", "====.===="]
)
def test_malformed_tokens_are_invalid(token: str) -> None:
    with pytest.raises(LinkInvalid):
        verify_manage_token(SECRET, token, now=NOW)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        verify_manage_token(SECRET, sign_manage_token(SECRET, CLAIMS), now=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    "claims",
    [
        ManageClaims("", 1, CLAIMS.expires_at),
        ManageClaims("a\nb", 1, CLAIMS.expires_at),
        ManageClaims("a", -1, CLAIMS.expires_at),
        ManageClaims("a", 1, CLAIMS.expires_at.replace(tzinfo=None)),
    ],
)
def test_claims_that_cannot_be_signed(claims: ManageClaims) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each row breaks a different rule
        sign_manage_token(SECRET, claims)


def test_an_empty_secret_signs_nothing() -> None:
    with pytest.raises(ValueError, match="secret"):
        sign_manage_token(b"", CLAIMS)


def test_expiry_keeps_whole_seconds_rounded_down() -> None:
    claims = ManageClaims("a", 0, CLAIMS.expires_at + timedelta(microseconds=900_000))
    verified = verify_manage_token(SECRET, sign_manage_token(SECRET, claims), now=NOW)
    assert verified.expires_at == CLAIMS.expires_at
