"""The bodies of cotisations' HTTP API: amounts as decimal strings (EUR), dates ISO 8601."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[
    Decimal,
    Field(ge=Decimal(-10_000_000), le=Decimal(100_000_000), decimal_places=2),
]


class InstalmentRead(BaseModel):
    due_date: date
    amount: str = Field(examples=["1561.75"], description="EUR, decimal string")


class ScheduledInstalmentRead(InstalmentRead):
    status: Literal["due", "upcoming"] = Field(
        description="``due``: the due date has come (payments are not tracked yet)"
    )


class IncomeRead(BaseModel):
    year: int
    amount: str
    kind: Literal["estimate", "definitive"]


class RegularisationRead(BaseModel):
    year: int
    declared_on: date
    definitive_total: str
    called_total: str
    balance: str = Field(description="owed (positive) or refunded (negative)")
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None


class DebtRead(BaseModel):
    origin: str = Field(examples=["regularisation 2025"])
    amount: str
    due_date: date


class DeclarationRead(BaseModel):
    period: str
    turnover: str
    amount: str
    due_date: date


class AccountRead(BaseModel):
    affiliate_id: str
    category: str
    departement: str
    periodicity: str
    debit_day: int
    payment_mode: str
    opened_on: date
    closed_on: date | None
    year: int
    provisional_total: str = Field(
        description="the year's provisional contributions; for a micro-entrepreneur, the sum "
        "of the periods declared so far"
    )
    lines: dict[str, str]
    echeancier: list[ScheduledInstalmentRead]
    incomes: list[IncomeRead]
    regularisations: list[RegularisationRead]
    debts: list[DebtRead]
    declarations: list[DeclarationRead]


class EstimateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2025, le=2026, examples=[2026])
    income: Decimal = Field(
        ge=Decimal(-10_000_000),
        le=Decimal(100_000_000),
        decimal_places=2,
        examples=["42000.00"],
        description="Revenu professionnel estimé (indépendant) ou chiffre d'affaires (micro).",
    )


class EstimateRead(BaseModel):
    affiliate_id: str
    year: int
    income: str
    annual_amount: str
    lines: dict[str, str]
    effective_from: date
    instalments: list[InstalmentRead]
    credit: str
    applied: bool


class IncomeDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2025, le=2026, examples=[2025])
    income: Money = Field(examples=["52000.00"], description="Revenu professionnel définitif.")


class TurnoverDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        examples=["2026-03", "2026-T1"],
        description="Un mois (AAAA-MM) ou un trimestre (AAAA-TN), selon la périodicité.",
    )
    turnover: Money = Field(examples=["2001.40"], description="Chiffre d'affaires encaissé.")


class PeriodicityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    periodicity: Literal["monthly", "quarterly"]


class DebitDayChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debit_day: Literal[5, 20]


class InstalmentOut(BaseModel):
    due_date: date
    amount: str


class IncomeDeclaredRead(BaseModel):
    year: int
    income: str
    definitive_total: str
    called_total: str
    balance: str = Field(description="owed (positive) or refunded (negative)")
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None = Field(
        description="the debt's due date, or the first instalment that carries the balance"
    )
    echeancier: list[InstalmentOut] = Field(description="the current year's instalments now")


class TurnoverDeclaredRead(BaseModel):
    period: str
    turnover: str
    lines: dict[str, str]
    amount: str
    due_date: date


class TermsRead(BaseModel):
    periodicity: str
    debit_day: int
    effective_from: date
    echeancier: list[InstalmentOut] = Field(description="the current year's instalments now")


class CareerYearRead(BaseModel):
    year: int
    income: str
    retraite_base_assiette: str
    retraite_base_contribution: str
    quarters: int = Field(ge=0, le=4)


class CareerRead(BaseModel):
    affiliate_id: str
    years: list[CareerYearRead]
