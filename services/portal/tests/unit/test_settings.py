"""The portal's settings: safe defaults, production refusals."""

from __future__ import annotations

import pytest
from portal.config import PortalSettings
from pydantic import ValidationError


def test_defaults_point_at_the_local_apis_and_keep_the_brand_off() -> None:
    settings = PortalSettings()
    assert settings.identity_url == "http://127.0.0.1:8101"
    assert settings.cotisations_url == "http://127.0.0.1:8121"
    assert settings.mandates_url == "http://127.0.0.1:8131"
    assert settings.attestations_url == "http://127.0.0.1:8141"
    assert settings.appointments_url == "http://127.0.0.1:8151"
    assert settings.notifications_url == "http://127.0.0.1:8111"
    assert settings.state_brand is False
    assert settings.cookie_secure is True
    assert "démonstration" in settings.site_title


def test_production_needs_a_key_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        PortalSettings()
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 43 + "=")
    monkeypatch.setenv("PORTAL_COOKIE_SECURE", "false")
    with pytest.raises(ValidationError, match="PORTAL_COOKIE_SECURE"):
        PortalSettings()
