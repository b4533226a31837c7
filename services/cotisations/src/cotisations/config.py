"""cotisations' settings (environment prefix ``COTISATIONS_``); no I/O at import."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings

Environment = Literal["development", "test", "production"]


class CotisationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COTISATIONS_", extra="ignore", frozen=True)

    service_name: str = "cotisations"
    database_url: str = "sqlite+aiosqlite:///var/cotisations.db"
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    migrate_on_start: bool = True
    environment: Environment = Field(
        default="development",
        validation_alias=AliasChoices("COTISATIONS_ENVIRONMENT", "ENVIRONMENT", "environment"),
        description="Where the process runs; development settings are refused in production.",
    )
    business_date: date | None = Field(
        default=None,
        description="Development setting (demonstrations and end-to-end tests only): the date "
        "the account rules see (due dates, estimate lock), so a journey does not depend on the "
        "day it runs. Refused in production.",
    )

    @model_validator(mode="after")
    def _no_business_date_in_production(self) -> Self:
        if self.environment == "production" and self.business_date is not None:
            raise ValueError(
                "COTISATIONS_BUSINESS_DATE is a development setting: it is refused when "
                "ENVIRONMENT is production (the account rules must see the real date)."
            )
        return self
