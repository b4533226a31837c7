"""The contribution account of an affilié in a contributing category (SPEC.md 4.1).

Opened from the registry's events; radiation closes it (no instalment after the radiation
date). Its provisional contributions of a year come from the latest income known (an estimate,
or the year before), and from the minimum contributions while none is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cotisations.domain.career import CareerYear, career_year
from cotisations.domain.declarations import PeriodDeclaration, declare_turnover, parse_period
from cotisations.domain.errors import CotisationsError, InvalidComputationInput
from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.regularisation import Carried, Regularisation, regularise
from cotisations.domain.results import Computation
from cotisations.domain.rules import (
    CHANGE_NOTICE,
    DebitDayChange,
    EstimateLock,
    periodicity_change_applies_from,
)
from cotisations.domain.schedule import (
    Instalment,
    Revision,
    due_dates,
    echeancier,
    revise,
    split,
)

CONTRIBUTING = {
    "artisan": ("independant", "artisan"),
    "commercant": ("independant", "commercant"),
    "micro_entrepreneur": ("micro", "services_bic"),
}


@dataclass
class ContributionAccount:
    affiliate_id: str
    category: str
    departement: str
    opened_on: date
    periodicity: str = "monthly"
    debit_day: int = 5
    payment_mode: str = "prelevement"
    holder_name: str = ""
    closed_on: date | None = None
    incomes: dict[int, Decimal] = field(default_factory=dict)
    last_estimate_on: date | None = None
    schedules: dict[int, list[Instalment]] = field(default_factory=dict)
    definitive_years: set[int] = field(default_factory=set)
    debit_day_changed_on: date | None = None
    regularisations: list[Regularisation] = field(default_factory=list)
    declarations: list[PeriodDeclaration] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return CONTRIBUTING[self.category][0]

    @property
    def activity(self) -> str:
        return CONTRIBUTING[self.category][1]

    def provisional(self, year: int) -> Computation:
        """The year's contributions on the latest income known (minimum without one)."""
        known = [y for y in sorted(self.incomes) if y <= year]
        income = self.incomes[known[-1]] if known else Decimal(0)
        kind, activity = CONTRIBUTING[self.category]
        if kind == "micro":
            return compute_micro(year, activity, income)
        return compute_independant(year, activity, income)

    def year_lines(self, year: int) -> dict[str, Decimal]:
        """The lines shown for a year: the provisional computation (indépendant), or the sum
        of the periods declared so far (micro-entrepreneur)."""
        if self.kind != "micro":
            return self.provisional(year).lines
        lines: dict[str, Decimal] = {}
        for d in self.declarations:
            if d.period.startswith(f"{year}-"):
                for name, amount in d.lines.items():
                    lines[name] = lines.get(name, Decimal(0)) + amount
        return lines

    def schedule(self, year: int) -> list[Instalment]:
        """The year's instalments: as last revised, else computed from the latest income; for
        a micro-entrepreneur, what each declared period owes at its deadline."""
        if self.kind == "micro":
            instalments = sorted(
                (Instalment(d.due_date, d.amount) for d in self.declarations
                 if d.period.startswith(f"{year}-")),
                key=lambda i: i.due_date,
            )  # fmt: skip
        elif year in self.schedules:
            instalments = self.schedules[year]
        else:
            total = self.provisional(year).total
            instalments = echeancier(
                year, total, self.periodicity, self.debit_day, self.departement
            )
        if self.closed_on is not None:
            instalments = [i for i in instalments if i.due_date <= self.closed_on]
        return instalments

    def close(self, on: date) -> None:
        self.closed_on = on

    def estimate(self, year: int, income: Decimal, today: date) -> Estimate:
        """What an income estimate changes: the contributions and the échéancier rectificatif
        from the first due date at least 15 days away. Refused during the month that follows
        the previous estimate."""
        if self.kind == "micro":
            raise InvalidComputationInput(
                "Un micro-entrepreneur ne fait pas d'estimation : ses cotisations suivent le "
                "chiffre d'affaires qu'il déclare."
            )
        lock = EstimateLock(self.last_estimate_on)
        if not lock.allows(today):
            raise EstimateLocked(lock.unlocks_on() or today)
        current = self.schedule(year)
        kind, activity = CONTRIBUTING[self.category]
        if kind == "micro":
            computation = compute_micro(year, activity, income)
        else:
            computation = compute_independant(year, activity, income)
        return Estimate(year, income, computation, revise(current, computation.total, today))

    def apply(self, estimate: Estimate, today: date) -> None:
        self.incomes[estimate.year] = estimate.income
        self.schedules[estimate.year] = estimate.revision.instalments
        self.last_estimate_on = today

    # -- definitive income (SPEC.md 4.2) --------------------------------------------------
    def declare_income(self, year: int, income: Decimal, today: date) -> Carried:
        """The definitive income of a finished year: that year regularised, and the current
        year's provisional instalments recomputed on it (unless an estimate of the current
        year stands), the balance spread over what remains (see regularisation.py)."""
        if self.kind == "micro":
            raise InvalidComputationInput(
                "Un micro-entrepreneur déclare son chiffre d'affaires par période, "
                "pas un revenu annuel."
            )
        if year >= today.year:
            raise InvalidComputationInput(
                f"Le revenu définitif {year} se déclare une fois l'année terminée, "
                f"à partir de {year + 1}."
            )
        if year < self.opened_on.year:
            raise InvalidComputationInput(
                f"Le compte n'était pas ouvert en {year} : aucune cotisation à régulariser."
            )
        if year in self.definitive_years:
            raise IncomeAlreadyDeclared(year)
        definitive = compute_independant(year, self.activity, income)
        current = self.schedule(today.year)
        if today.year not in self.incomes:  # no estimate of the current year: adjust it
            provisional = compute_independant(today.year, self.activity, income)
            current = _adjusted(current, provisional.total, today)
        return regularise(
            year, income, definitive, self.schedule(year), current, today, self.departement
        )

    def apply_income(self, carried: Carried, today: date) -> None:
        r = carried.regularisation
        self.schedules.setdefault(r.year, self.schedule(r.year))
        self.incomes[r.year] = r.income
        self.definitive_years.add(r.year)
        self.schedules[today.year] = carried.instalments
        self.regularisations.append(r)

    def career(self) -> list[CareerYear]:
        """The relevé de carrière: the years whose definitive income is known."""
        if self.kind == "micro":
            return []
        return [
            career_year(y, self.activity, self.incomes[y]) for y in sorted(self.definitive_years)
        ]

    # -- periodicity and debit day (SPEC.md 4.3) ------------------------------------------
    def change_periodicity(self, periodicity: str, today: date) -> ScheduleChange:
        """Monthly ↔ quarterly, from the first due date at least 30 days after the request."""
        if periodicity not in ("monthly", "quarterly"):
            raise InvalidComputationInput("La périodicité est mensuelle ou trimestrielle.")
        if periodicity == self.periodicity:
            raise InvalidComputationInput("C'est déjà la périodicité de votre compte.")
        return self._reschedule(periodicity, self.debit_day, today)

    def change_debit_day(self, day: int, today: date) -> ScheduleChange:
        """The 5th ↔ the 20th, once per calendar year, from the first due date at least 30
        days after the request."""
        if self.periodicity != "monthly":
            raise InvalidComputationInput(
                "Le jour de prélèvement ne concerne que le prélèvement mensuel."
            )
        if day not in (5, 20):
            raise InvalidComputationInput("Le jour de prélèvement est le 5 ou le 20 du mois.")
        if day == self.debit_day:
            raise InvalidComputationInput(f"Vos échéances sont déjà prélevées le {day}.")
        if not DebitDayChange(self.debit_day_changed_on).allows(today):
            raise DebitDayLocked(date(today.year + 1, 1, 1))
        return self._reschedule(self.periodicity, day, today)

    def _reschedule(self, periodicity: str, day: int, today: date) -> ScheduleChange:
        """What falls due within the 30 days' notice is kept; the rest of the year's amount
        is spread over the new due dates from the first one after the notice."""
        year = today.year
        current = self.schedule(year)
        new_dates = due_dates(year, periodicity, day, self.departement)
        start = periodicity_change_applies_from(new_dates, today)
        if start is None:  # nothing left this year: from the next year's first due date
            start = due_dates(year + 1, periodicity, day, self.departement)[0]
            return ScheduleChange(periodicity, day, start, current)
        kept = [i for i in current if i.due_date < today + CHANGE_NOTICE]
        owed = sum((i.amount for i in current), Decimal(0)) - sum(
            (i.amount for i in kept), Decimal(0)
        )
        later = [d for d in new_dates if d >= start]
        amounts = split(max(Decimal(0), owed), len(later))
        return ScheduleChange(
            periodicity,
            day,
            start,
            [*kept, *(Instalment(d, a) for d, a in zip(later, amounts, strict=True))],
        )

    def apply_change(self, change: ScheduleChange, today: date) -> None:
        if change.debit_day != self.debit_day:
            self.debit_day_changed_on = today
        self.periodicity, self.debit_day = change.periodicity, change.debit_day
        self.schedules[today.year] = change.instalments

    # -- micro-entrepreneur declarations (SPEC.md 4.3) ------------------------------------
    def declare_turnover(self, period: str, turnover: Decimal, today: date) -> PeriodDeclaration:
        if self.kind != "micro":
            raise InvalidComputationInput(
                "Seul un micro-entrepreneur déclare son chiffre d'affaires par période."
            )
        parsed = parse_period(period, self.periodicity)
        if any(d.period == parsed.code for d in self.declarations):
            raise PeriodAlreadyDeclared(parsed.code)
        if self.closed_on is not None and parsed.first_day > self.closed_on:
            raise InvalidComputationInput(
                f"Le compte est fermé depuis le {self.closed_on.isoformat()}."
            )
        nature = "liberale" if self.activity == "bnc" else "commerciale"
        return declare_turnover(parsed, turnover, self.activity, nature, self.departement, today)


def _adjusted(current: list[Instalment], amount: Decimal, today: date) -> list[Instalment]:
    """The current year's instalments recomputed to ``amount`` from the first due date at
    least 15 days away (unchanged when none is left)."""
    try:
        return revise(current, amount, today).instalments
    except InvalidComputationInput:
        return current


@dataclass(frozen=True)
class ScheduleChange:
    periodicity: str
    debit_day: int
    effective_from: date
    instalments: list[Instalment]


@dataclass(frozen=True)
class Estimate:
    year: int
    income: Decimal
    computation: Computation
    revision: Revision


class EstimateLocked(Exception):
    def __init__(self, unlocks_on: date) -> None:
        super().__init__(
            f"Une estimation a déjà été faite ce mois-ci ; la prochaine est possible "
            f"à partir du {unlocks_on.isoformat()}."
        )
        self.unlocks_on = unlocks_on


class IncomeAlreadyDeclared(CotisationsError):
    def __init__(self, year: int) -> None:
        super().__init__(
            f"Le revenu définitif {year} est déjà déclaré : pour le corriger, "
            "adressez une déclaration rectificative à votre organisme."
        )
        self.year = year


class PeriodAlreadyDeclared(CotisationsError):
    def __init__(self, period: str) -> None:
        super().__init__(f"Le chiffre d'affaires de la période {period} est déjà déclaré.")
        self.period = period


class DebitDayLocked(CotisationsError):
    def __init__(self, unlocks_on: date) -> None:
        super().__init__(
            "Le jour de prélèvement a déjà changé cette année ; un nouveau changement est "
            f"possible à partir du {unlocks_on.isoformat()}."
        )
        self.unlocks_on = unlocks_on
