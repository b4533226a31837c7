"""attestations' settings (environment prefix ``ATTESTATIONS_``); no I/O at import."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class AttestationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ATTESTATIONS_", extra="ignore", frozen=True)

    service_name: str = "attestations"
    database_url: str = "sqlite+aiosqlite:///var/attestations.db"
    data_dir: str = Field(
        default="var/attestations",
        description="Where the QR signing keys and the PAdES key and certificate are kept.",
    )
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    migrate_on_start: bool = True
    pades: bool = Field(default=True, description="Seal each PDF with a PAdES signature.")
    renewal_days_before: int = Field(
        default=30, ge=1, description="How long before its end a vigilance renewal is asked."
    )
    renewal_interval_s: float = Field(default=3600.0, gt=0)
    verify_limit: int = Field(default=30, ge=1, description="Verifications per client a minute.")
