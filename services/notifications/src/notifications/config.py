"""notifications' settings (environment prefix ``NOTIFICATIONS_``); no I/O at import."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", frozen=True)

    service_name: str = "notifications"
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"
    seal_private_key: str = Field(
        default="",
        repr=False,
        validation_alias=AliasChoices("NOTIFICATIONS_SEAL_PRIVATE_KEY", "seal_private_key"),
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: str = Field(default="none", pattern="^(none|starttls|tls)$")
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_timeout_s: float = 10.0
    mail_from: str = "Mon compte <ne-pas-repondre@mon-compte.example>"
    letters_dir: str = "var/letters"
    letter_provider_url: str | None = None
    letter_provider_token: str = Field(default="", repr=False)
    letter_poll_interval_s: float = 5.0
    delivery_max_attempts: int = 10
    delivery_backoff_initial_s: float = 2.0
    delivery_backoff_max_s: float = 60.0
    delivery_sending_timeout_s: float = 30.0
    dispatch_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="How often the dispatcher looks for deliveries due (retries after their "
        "backoff); a new delivery wakes it at once.",
    )
    dispatch_batch_size: int = Field(default=100, ge=1, description="Deliveries per claim.")
    render_processes: int = Field(
        default=0,
        ge=0,
        le=8,
        description="Processes that render letters apart from the worker (0: in the worker).",
    )
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    migrate_on_start: bool = True
