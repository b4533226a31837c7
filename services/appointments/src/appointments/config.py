"""appointments' settings (environment prefix ``APPOINTMENTS_``); no I/O at import."""

from __future__ import annotations

from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class AppointmentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPOINTMENTS_", extra="ignore", frozen=True)

    service_name: str = "appointments"
    database_url: str = "sqlite+aiosqlite:///var/appointments.db"
    jwks_url: str = Field(
        default="http://127.0.0.1:8101/.well-known/jwks.json",
        validation_alias=AliasChoices("IDENTITY_JWKS_URL", "jwks_url"),
    )
    migrate_on_start: bool = True
    secret_key: str = Field(
        default="",
        repr=False,
        description="32 bytes, URL-safe base64: signs the manage links and the verification "
        "codes' challenges, keys the NIR's index and encrypts it at rest. Required.",
    )
    notifications_public_key: str = Field(
        default="",
        validation_alias=AliasChoices("NOTIFICATIONS_SEAL_PUBLIC_KEY", "notifications_public_key"),
        description="The key the manage links are sealed to (only notifications opens them).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8151",
        description="The address people reach the service at (the manage links point there).",
    )
    manage_url: str = Field(
        default="",
        description="The page the mails' manage links open, the token added as ``?token=`` "
        "(the portal's ``/rendez-vous/gestion``); empty, they open the api itself "
        "(``PUBLIC_URL/v1/appointments/manage/{token}``).",
    )
    booking_limit: int = Field(default=10, ge=1, description="Bookings per client a minute.")
    open_requests_max: int = Field(default=2, ge=1, description="Open requests per person.")
    captcha_max_number: int = Field(
        default=50_000, ge=10, description="The proof of work's difficulty (ALTCHA maxnumber)."
    )
    notice_hours: int = Field(
        default=24, ge=0, description="How long before a slot it can still be booked."
    )
    search_days: int = Field(default=92, ge=1, description="How far ahead slots are offered.")
    reminder_interval_s: float = Field(default=300.0, gt=0)
    reminder_lease_ttl_s: float = Field(
        default=660.0,
        gt=0,
        description="How long the copy that sends the reminders keeps the right to without "
        "renewing it (at each run): a copy that dies is replaced within that time. More than "
        "two runs' interval.",
    )
    clock_shift_s: float = Field(
        default=0.0,
        description="Development setting (demonstrations and end-to-end tests only): seconds "
        "added to the real time the service reads (slots, notice, reminders, links), so a "
        "journey can live on a chosen week. Give every process of the service the same value. "
        "Refused in production.",
    )

    @model_validator(mode="after")
    def _the_lease_outlives_two_runs(self) -> Self:
        if self.reminder_lease_ttl_s <= 2 * self.reminder_interval_s:
            raise ValueError(
                "APPOINTMENTS_REMINDER_LEASE_TTL_S must be more than twice "
                "APPOINTMENTS_REMINDER_INTERVAL_S (the lease is renewed at each run)."
            )
        return self

    @model_validator(mode="after")
    def _no_clock_shift_in_production(self) -> Self:
        if self.environment == "production" and self.clock_shift_s:
            raise ValueError(
                "APPOINTMENTS_CLOCK_SHIFT_S is a development setting: it is refused when "
                "ENVIRONMENT is production (the slots must be the real ones)."
            )
        return self
