"""identity's settings (environment prefix ``IDENTITY_``); no I/O at import."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    service_name: str = "identity"
    database_url: str = "sqlite+aiosqlite:///var/identity.db"
    activation_url: str = "http://127.0.0.1:8101/v1/accounts/activation"
    password_reset_url: str = "http://127.0.0.1:8101/v1/auth/password-reset/confirm"  # noqa: S105
    email_confirmation_url: str = "http://127.0.0.1:8101/v1/accounts/email-confirmation"
    notifications_public_key: str = Field(
        default="",
        validation_alias=AliasChoices("NOTIFICATIONS_SEAL_PUBLIC_KEY", "notifications_public_key"),
    )
    nir_key: str = Field(default="", repr=False)
    key_encryption_key: str = Field(
        default="",
        repr=False,
        description="32 bytes, URL-safe base64: seals the signing keys at rest. Required in "
        "production; elsewhere, when empty, derived from the NIR key.",
    )
    signing_key_rotation_days: int = Field(default=30, ge=1)
    signing_key_check_interval_s: float = Field(
        default=60.0, gt=0, description="How often each api copy rotates, drops and rereads keys."
    )
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    password_hash_workers: int = Field(
        default=2, ge=1, description="Threads hashing and verifying passwords, off the loop."
    )
    password_hash_queue: int = Field(
        default=16, ge=0, description="Password work waiting for a thread; more is refused (503)."
    )
    migrate_on_start: bool = True
    session_lifetime_days: int = Field(
        default=90, ge=1, description="A session ends this long after its login (refreshes too)."
    )
    refresh_reuse_grace_s: float = Field(
        default=30.0,
        ge=0,
        description="A refresh token used this long ago may come back (the requests of one "
        "page, or copies of the portal, refreshing with one cookie at once): it gets a pair "
        "of its own, nothing is revoked. Later, its reuse revokes the session. 0: never.",
    )
    rate_limit_signup_per_minute: int = 20
    rate_limit_login_per_minute: int = 20
    rate_limit_activation_per_minute: int = 30
