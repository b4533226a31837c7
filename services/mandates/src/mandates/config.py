"""mandates' settings (environment prefix ``MANDATES_``); no I/O at import."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class MandatesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MANDATES_", extra="ignore", frozen=True)

    service_name: str = "mandates"
    database_url: str = "sqlite+aiosqlite:///var/mandates.db"
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    notifications_public_key: str = Field(
        default="",
        validation_alias=AliasChoices("NOTIFICATIONS_SEAL_PUBLIC_KEY", "notifications_public_key"),
    )
    migrate_on_start: bool = True
    import_max_bytes: int = Field(default=5_000_000, description="Largest spreadsheet accepted.")
    import_max_rows: int = Field(default=10_000, description="Most client rows in one import.")
