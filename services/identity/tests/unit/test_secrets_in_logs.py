"""The secrets identity makes or receives are registered, so no log line can show them."""

import secrets

import pytest
from identity.adapters.security import RandomTokens
from identity.entrypoints.http_auth import LinkToken, RefreshRequest, ResetConfirmation
from identity.entrypoints.http_schemas import ActivationRequest
from servicekit import logging as kit_logging
from servicekit.logging import MASK


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> kit_logging.SecretRegistry:
    fresh = kit_logging.SecretRegistry()
    monkeypatch.setattr(kit_logging, "SECRETS", fresh)
    return fresh


def test_a_new_token_is_masked_from_the_moment_it_is_made(
    registry: kit_logging.SecretRegistry,
) -> None:
    token = RandomTokens().new_token()
    assert registry.mask(f"https://mon-compte.example/activation?t={token}").endswith(MASK)


def test_tokens_in_request_bodies_are_registered_as_they_are_read(
    registry: kit_logging.SecretRegistry,
) -> None:
    # made elsewhere (another copy of the api): this process sees them first in a request
    refresh, reset, link, activation = (secrets.token_urlsafe(32) for _ in range(4))
    RefreshRequest(refresh_token=refresh)
    ResetConfirmation(token=reset, new_password="Une phrase de passe solide")
    LinkToken(token=link)
    ActivationRequest(token=activation, password="Une phrase de passe solide")
    assert len(registry) == 4
    for value in (refresh, reset, link, activation):
        assert registry.mask(value) == MASK
