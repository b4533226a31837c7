"""cotisations' settings (environment prefix ``COTISATIONS_``); no I/O at import."""

from __future__ import annotations

from datetime import date

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class CotisationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COTISATIONS_", extra="ignore", frozen=True)

    service_name: str = "cotisations"
    database_url: str = "sqlite+aiosqlite:///var/cotisations.db"
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    migrate_on_start: bool = True
    business_date: date | None = Field(
        default=None,
        description="Demonstrations and end-to-end tests only: the date the account rules see "
        "(due dates, estimate lock), so a journey does not depend on the day it runs.",
    )
