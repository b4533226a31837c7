"""The bodies of cotisations' HTTP API: amounts as decimal strings (EUR), dates ISO 8601.

What a person sends is read by the types of ``http_inputs`` (refusals in French, naming the
field); which year or period the account allows is the domain's to say.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cotisations.entrypoints.http_inputs import DebitDay, Period, Periodicity, Year, amount

LOWEST, HIGHEST = Decimal(-10_000_000), Decimal(100_000_000)
EstimatedIncome = Annotated[
    Decimal, BeforeValidator(amount("Le revenu estimé", LOWEST, HIGHEST, "42000.00"))
]
DefinitiveIncome = Annotated[
    Decimal, BeforeValidator(amount("Le revenu définitif", LOWEST, HIGHEST, "52000.00"))
]
Turnover = Annotated[
    Decimal, BeforeValidator(amount("Le chiffre d'affaires", Decimal(0), HIGHEST, "2001.40"))
]


class InstalmentRead(BaseModel):
    due_date: date
    amount: str = Field(examples=["1561.75"], description="EUR, decimal string")


PaymentState = Literal[
    "upcoming",
    "due",
    "overdue",
    "partly_paid",
    "pending",
    "paid",
    "rejected",
    "rescheduled",
    "before_ledger",
]


class ScheduledInstalmentRead(InstalmentRead):
    status: Literal["due", "upcoming"] = Field(
        description="``due``: the due date has come; what was paid of it is ``payment``"
    )
    payment: PaymentState = Field(
        default="upcoming",
        description="from the ledger: ``paid``; ``pending`` (debit sent, the bank has not "
        "answered); ``rejected`` (the debit was returned: what it called is the debt "
        "``debt``); ``partly_paid``; ``due`` (today); ``overdue``; ``upcoming``; "
        "``rescheduled`` (moved into another obligation: a debt into the instalments of a "
        "granted payment-delay plan, or a plan's unpaid instalments into the debt its end "
        "makes due); ``before_ledger`` (due before this account's ledger opened — the day it "
        "was taken over — and settled in the books it replaced: nothing outstanding here)",
    )
    outstanding: str = Field(default="0.00", description="what is left to pay of it (EUR)")
    debt: str | None = Field(default=None, description="the debt that replaced it when rejected")


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
    origin: str = Field(
        description="what the debt comes from, as the person reads it",
        examples=["Régularisation 2025", "Prélèvement du 5 mars 2026 rejeté par la banque"],
    )
    amount: str
    due_date: date
    reference: str | None = Field(default=None, examples=["debt:regularisation:2025"])
    outstanding: str | None = Field(default=None, description="what is left to pay of it")
    state: PaymentState | None = None


class StandingRead(BaseModel):
    balance_due: str = Field(description="what is owed today (negative: a credit)")
    overdue: str
    oldest_overdue_due_date: date | None
    up_to_date: bool
    on_direct_debit: bool


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
    standing: StandingRead | None = Field(
        default=None, description="the account's standing from its ledger"
    )


class EstimateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year = Field(
        examples=[2026],
        description="L'année estimée : l'année en cours tant qu'une de ses échéances tombe à "
        "15 jours ou plus ; à partir du jour où sa dernière échéance est à moins de 15 jours, "
        "l'année suivante.",
    )
    income: EstimatedIncome = Field(
        examples=["42000.00"],
        description="Revenu professionnel estimé, en euros (négatif : un déficit).",
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

    year: Year = Field(examples=[2025], description="Une année terminée.")
    income: DefinitiveIncome = Field(
        examples=["52000.00"],
        description="Revenu professionnel définitif, en euros (négatif : un déficit).",
    )


class TurnoverDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Period = Field(
        examples=["2026-03", "2026-T1"],
        description="Un mois (AAAA-MM, ou MM/AAAA) ou un trimestre (AAAA-TN, ou TN AAAA), "
        "selon la périodicité.",
    )
    turnover: Turnover = Field(
        examples=["2001.40"], description="Chiffre d'affaires encaissé, en euros."
    )


class PeriodicityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    periodicity: Periodicity = Field(description="monthly (mensuelle) ou quarterly (trimestrielle)")


class DebitDayChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debit_day: DebitDay = Field(description="Le 5 ou le 20 du mois.")


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


class FieldErrorRead(BaseModel):
    field: str | None = Field(description="the field of the request, as sent (``year``…)")
    code: str
    message: str = Field(description="in French")


class ProblemRead(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``), its detail in French."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://mon-compte.example/problems/estimate-locked"])
    title: str
    status: int
    detail: str = Field(description="what happened, in French")
    instance: str | None = None
    errors: list[FieldErrorRead] | None = Field(
        default=None, description="422: the fields refused, each with its French message"
    )
    unlocks_on: date | None = Field(
        default=None, description="409 `estimate-locked`, `debit-day-locked`: when it opens"
    )
    estimable_year: int | None = Field(
        default=None, description="422 on an estimate of another year: the one that may be"
    )
    opens_on: date | None = Field(
        default=None, description="422 on an estimate of next year too early: from when"
    )
