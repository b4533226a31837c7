"""portal's settings (environment prefix ``PORTAL_``); no I/O at import."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings

PORTAL_ROOT = Path(__file__).resolve().parents[2]
"""``services/portal``: where ``package.json`` and the ``node_modules`` it installs live."""


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", frozen=True)

    service_name: str = "portal"
    identity_url: str = "http://127.0.0.1:8101"
    notifications_url: str = "http://127.0.0.1:8111"
    cotisations_url: str = "http://127.0.0.1:8121"
    mandates_url: str = "http://127.0.0.1:8131"
    attestations_url: str = "http://127.0.0.1:8141"
    appointments_url: str = "http://127.0.0.1:8151"
    api_timeout_s: float = Field(default=10.0, gt=0, description="Per call to a service's api.")
    secret_key: str = Field(
        default="",
        repr=False,
        description="32 bytes, URL-safe base64: the AES-256-GCM key the session cookie is "
        "sealed with. Required in production; empty elsewhere, a key is drawn at start-up "
        "(every session ends when the process restarts).",
    )
    cookie_secure: bool = Field(
        default=True,
        description="The session cookie's Secure flag. Turn it off only for a local stack "
        "served over plain http.",
    )
    session_max_age_s: int = Field(
        default=8 * 3600,
        gt=0,
        description="How long the browser keeps the session cookie (identity ends the session "
        "itself after its own limits).",
    )
    state_brand: bool = Field(
        default=False,
        description="Show the State's brand block (« République française », Marianne). Only "
        "for a site run by the State's body itself: off everywhere else.",
    )
    site_title: str = Field(
        default="Mon compte — site de démonstration",
        description="The header's title. The default says that this is not an official site.",
    )
    assets_dir: Path = Field(
        default=PORTAL_ROOT / "node_modules",
        description="Where ``npm ci`` installed DSFR and htmx (served under /static/).",
    )
    page_size: int = Field(default=20, ge=1, le=100, description="Clients per page.")

    @model_validator(mode="after")
    def _a_key_in_production(self) -> Self:
        if self.environment == "production" and not self.secret_key:
            raise ValueError(
                "PORTAL_SECRET_KEY is required when ENVIRONMENT is production (it seals the "
                "session cookies of every copy)."
            )
        if self.environment == "production" and not self.cookie_secure:
            raise ValueError("PORTAL_COOKIE_SECURE cannot be off when ENVIRONMENT is production.")
        return self
