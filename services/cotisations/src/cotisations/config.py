"""cotisations' settings (environment prefix ``COTISATIONS_``); no I/O at import."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings

from cotisations.domain.payments.creditor import creditor_id_valid

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

    creditor_id: str = Field(
        default="FR72ZZZ123456",
        description="The SEPA creditor identifier (ICS) the debits are collected under; its "
        "check digits are verified at start-up.",
    )
    ledger_opens_on: date = Field(
        default=date(2026, 1, 1),
        description="The first due date the ledger calls: what fell due before was settled in "
        "the books the ledger replaced (their balances are carried over as entries).",
    )
    creditor_name: str = "URSSAF Mon compte"
    creditor_iban: str = "FR7630006000011234567890189"
    creditor_bic: str = "AGRIFRPPXXX"
    bank_files_dir: str = Field(
        default="var/bank",
        description="The bank channel in development: the folder the debit days' pain.008 "
        "files are written to.",
    )
    debit_run_interval_s: float = Field(
        default=300.0, description="How often the worker looks for a debit day to run."
    )
    bank_operator_api: bool = Field(
        default=True,
        description="The operator's debit-run and bank-return routes (development): refused "
        "in production, where the schedule runs the debit days and the bank sends returns.",
    )

    @field_validator("creditor_id")
    @classmethod
    def _creditor_id_checked(cls, value: str) -> str:
        if not creditor_id_valid(value):
            raise ValueError(
                f"COTISATIONS_CREDITOR_ID {value!r} is not a SEPA creditor identifier "
                "(country, check digits, business code, national identifier)."
            )
        return value

    @model_validator(mode="after")
    def _no_business_date_in_production(self) -> Self:
        if self.environment == "production" and self.business_date is not None:
            raise ValueError(
                "COTISATIONS_BUSINESS_DATE is a development setting: it is refused when "
                "ENVIRONMENT is production (the account rules must see the real date)."
            )
        return self
