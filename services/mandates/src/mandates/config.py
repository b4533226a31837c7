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
    import_max_columns: int = Field(default=200, description="Most cells in one row.")
    import_max_cells: int = Field(default=250_000, description="Most cells in one file.")
    import_max_line_chars: int = Field(default=10_000, description="Longest CSV line.")
    import_max_expanded_bytes: int = Field(
        default=25_000_000, description="Largest size an XLSX's members inflate to, in all."
    )
    import_max_parse_seconds: float = Field(
        default=10.0, description="Longest a spreadsheet may take to read."
    )
    import_parallel_parses: int = Field(
        default=2, ge=1, description="Spreadsheets read at once by one api process."
    )
