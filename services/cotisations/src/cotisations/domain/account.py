"""The contribution account of an affilié in a contributing category (docs/rules.md §6).

Opened from the registry's events; radiation closes it (no instalment after the radiation
date). Its provisional contributions of a year come from the latest income known (an estimate,
or the year before), and from the minimum contributions while none is known.

Each change is asked in two steps: a decision that changes nothing (``estimate``,
``declare_income``, ``change_periodicity``, ``change_debit_day``, ``declare_turnover``: what a
preview shows), then its ``apply_*``, which checks the decision still holds, changes the
account and records the domain events in ``self.events``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from servicekit.french import day

from cotisations.domain.career import CareerYear, career_year
from cotisations.domain.declarations import (
    PeriodDeclaration,
    declare_turnover,
    missing_periods,
    parse_period,
)
from cotisations.domain.declarations import check_declarable as check_period_declarable
from cotisations.domain.errors import (
    ComputationInputInvalid,
    EstimateLocked,
    EstimateYearNotOpen,
    IncomeAlreadyDeclared,
    PeriodAlreadyDeclared,
)
from cotisations.domain.events import (
    DomainEvent,
    EstimateApplied,
    IncomeDeclared,
    PaymentTermsChanged,
    Requester,
    ScheduleRevised,
    TurnoverDeclared,
)
from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.regularisation import (
    Carried,
    Regularisation,
    adjusted,
    check_declarable,
    regularise,
)
from cotisations.domain.results import Computation
from cotisations.domain.rules import EstimateLock, next_year_estimable_from
from cotisations.domain.schedule import Instalment, Revision, echeancier, revise
from cotisations.domain.terms import (
    ScheduleChange,
    check_debit_day,
    check_debit_day_unlocked,
    check_periodicity,
    reschedule,
)

CONTRIBUTING = {
    "artisan": ("independant", "artisan"),
    "commercant": ("independant", "commercant"),
    "micro_entrepreneur": ("micro", "services_bic"),
}


AFFILIATE_ID_MAX_LENGTH = 64


def plausible_affiliate_id(affiliate_id: str) -> bool:
    """Whether ``affiliate_id`` could be an affilié's (the registry's ids: at most 64
    printable characters); anything else names no account."""
    return 0 < len(affiliate_id) <= AFFILIATE_ID_MAX_LENGTH and affiliate_id.isprintable()


def contributes(category: str) -> bool:
    """Whether an affilié of ``category`` has a contribution account (docs/rules.md §6.1)."""
    return category in CONTRIBUTING


@dataclass(frozen=True)
class Estimate:
    year: int
    income: Decimal
    computation: Computation
    revision: Revision


@lru_cache(maxsize=65536)
def _provisional_total(kind: str, year: int, activity: str, income: Decimal) -> Decimal:
    """What a year calls on an income (a pure function of these: kept, as a debit day asks it
    of thousands of accounts, many at the minimum contributions)."""
    if kind == "micro":
        return compute_micro(year, activity, income).total
    return compute_independant(year, activity, income).total


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
    ledger_from: date | None = None
    """The day this platform's ledger took the account over (opened from the registry): what
    fell due before is in the books it replaced, as for every account before the ledger's
    opening day. None: the ledger's opening day alone."""
    regularisations: list[Regularisation] = field(default_factory=list)
    declarations: list[PeriodDeclaration] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    def missing_declarations(self, today: date, since: date) -> list[str]:
        """A micro-entrepreneur's turnover declarations due and not received (``since``: the
        day the ledger took the account over); none for another account: the rules give its
        definitive income no deadline."""
        if self.kind != "micro":
            return []
        return missing_periods(
            self.periodicity,
            (d.period for d in self.declarations),
            opened_on=self.opened_on,
            closed_on=self.closed_on,
            since=since,
            today=today,
            departement=self.departement,
        )

    # -- the registry (docs/rules.md §6.1) --------------------------------------------------
    def follow_registry(self, departement: str, holder_name: str, radiated_on: date | None) -> None:
        """The affilié as the registry now knows them; a radiation closes the account (a later
        record without it does not reopen it)."""
        self.departement = departement
        self.holder_name = holder_name
        if radiated_on is not None:
            self.close(radiated_on)

    def close(self, on: date) -> None:
        self.closed_on = on

    # -- what the account calls (docs/rules.md §6.2, §6.3) --------------------------------
    @property
    def kind(self) -> str:
        return CONTRIBUTING[self.category][0]

    @property
    def activity(self) -> str:
        return CONTRIBUTING[self.category][1]

    def _compute(self, year: int, income: Decimal) -> Computation:
        if self.kind == "micro":
            return compute_micro(year, self.activity, income)
        return compute_independant(year, self.activity, income)

    def provisional(self, year: int) -> Computation:
        """The year's contributions on the latest income known (minimum without one)."""
        known = [y for y in sorted(self.incomes) if y <= year]
        return self._compute(year, self.incomes[known[-1]] if known else Decimal(0))

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
            known = [y for y in sorted(self.incomes) if y <= year]
            income = self.incomes[known[-1]] if known else Decimal(0)
            total = _provisional_total(self.kind, year, self.activity, income)
            instalments = echeancier(
                year, total, self.periodicity, self.debit_day, self.departement
            )
        if self.closed_on is not None:
            instalments = [i for i in instalments if i.due_date <= self.closed_on]
        return instalments

    # -- income estimate (docs/rules.md §6.4) -----------------------------------------------
    def estimable_year(self, today: date) -> int:
        """The year an income estimate is of on ``today``: the current year while one of its
        instalments is at least 15 days away; from the day its last one falls within those
        15 days, the next year, whose provisional échéancier the estimate then rectifies."""
        opens_on = self._next_year_opens_on(today.year)
        return today.year if opens_on is not None and today < opens_on else today.year + 1

    def _next_year_opens_on(self, year: int) -> date | None:
        """The day an estimate of ``year + 1`` becomes possible (None: ``year`` has no
        instalment, so it may be at once)."""
        due = [i.due_date for i in self.schedule(year)]
        return next_year_estimable_from(max(due)) if due else None

    def estimate(self, year: int, income: Decimal, today: date) -> Estimate:
        """What an income estimate changes: the contributions and the échéancier rectificatif
        from the first due date at least 15 days away. Of one year at a time
        (``estimable_year``); refused during the month that follows the previous estimate."""
        if self.kind == "micro":
            raise ComputationInputInvalid(
                "Un micro-entrepreneur ne fait pas d'estimation : ses cotisations suivent le "
                "chiffre d'affaires qu'il déclare."
            )
        self._check_estimable(year, today)
        self._check_estimate_lock(today)
        computation = self._compute(year, income)
        return Estimate(
            year, income, computation, revise(self.schedule(year), computation.total, today)
        )

    def _check_estimable(self, year: int, today: date) -> None:
        """``year`` is the one an estimate may be of on ``today``, or the refusal says which
        one is and, for the next year, from which day (docs/rules.md §6.4)."""
        current, estimable = today.year, self.estimable_year(today)
        if self.closed_on is not None and not self.schedule(estimable):
            closed = "est fermé depuis" if self.closed_on <= today else "sera fermé"
            raise ComputationInputInvalid(
                f"Votre compte {closed} le {day(self.closed_on)} : aucune échéance ne reste à "
                "rectifier par une estimation."
            )
        if year == estimable:
            return
        today_is = f"aujourd'hui, l'estimation porte sur vos revenus {estimable}."
        if year < current:
            message = (
                f"L'année {year} est terminée : ses revenus ne s'estiment plus, son revenu "
                f"définitif se déclare ; {today_is}"
            )
            raise EstimateYearNotOpen(message, estimable)
        opens_on = self._next_year_opens_on(current)
        if year == current and opens_on is not None:  # its last instalment is too near
            last = max(i.due_date for i in self.schedule(current))
            raise EstimateYearNotOpen(
                f"La dernière échéance de {current}, le {day(last)}, est à moins de 15 jours : "
                f"une estimation ne peut plus la rectifier ; {today_is}",
                estimable,
            )
        if year == current + 1 and opens_on is not None:  # not yet
            raise EstimateYearNotOpen(
                f"Vos revenus {year} pourront être estimés à partir du {day(opens_on)}, quand "
                f"la dernière échéance de {current} sera à moins de 15 jours ; {today_is}",
                estimable,
                opens_on,
            )
        raise EstimateYearNotOpen(
            f"Vos revenus {year} ne peuvent pas encore être estimés ; {today_is}", estimable
        )

    def _check_estimate_lock(self, today: date) -> None:
        lock = EstimateLock(self.last_estimate_on)
        if not lock.allows(today):
            raise EstimateLocked(lock.unlocks_on() or today)

    def apply_estimate(self, estimate: Estimate, today: date, requested_by: Requester) -> None:
        self._check_estimable(estimate.year, today)
        self._check_estimate_lock(today)
        self.incomes[estimate.year] = estimate.income
        self.schedules[estimate.year] = estimate.revision.instalments
        self.last_estimate_on = today
        revision, total = estimate.revision, estimate.computation.total
        self.events.append(
            EstimateApplied(
                affiliate_id=self.affiliate_id,
                client_name=self.holder_name or self.affiliate_id,
                year=estimate.year,
                income=estimate.income,
                annual_amount=total,
                effective_from=revision.effective_from,
                requested_by=requested_by,
            )
        )
        self.events.append(
            ScheduleRevised.of(
                self.affiliate_id,
                estimate.year,
                revision.effective_from,
                revision.instalments,
                total,
            )
        )

    # -- definitive income (docs/rules.md §6.7) ---------------------------------------------
    def declare_income(self, year: int, income: Decimal, today: date) -> Carried:
        """The definitive income of a finished year: that year regularised, and the current
        year's provisional instalments recomputed on it (unless an estimate of the current
        year stands), the balance spread over what remains (see regularisation.py)."""
        if self.kind == "micro":
            raise ComputationInputInvalid(
                "Un micro-entrepreneur déclare son chiffre d'affaires par période, "
                "pas un revenu annuel."
            )
        check_declarable(year, self.opened_on, self.definitive_years, today)
        definitive = compute_independant(year, self.activity, income)
        current = self.schedule(today.year)
        if today.year not in self.incomes:  # no estimate of the current year: adjust it
            provisional = compute_independant(today.year, self.activity, income)
            current = adjusted(current, provisional.total, today)
        return regularise(
            year, income, definitive, self.schedule(year), current, today, self.departement
        )

    def apply_income(self, carried: Carried, today: date) -> None:
        r = carried.regularisation
        if r.year in self.definitive_years:
            raise IncomeAlreadyDeclared(r.year)
        before = self.schedule(today.year)
        self.schedules.setdefault(r.year, self.schedule(r.year))
        self.incomes[r.year] = r.income
        self.definitive_years.add(r.year)
        self.schedules[today.year] = carried.instalments
        self.regularisations.append(r)
        self.events.append(IncomeDeclared.of(self.affiliate_id, r))
        changed = [i for i in carried.instalments if i not in before]
        if changed:
            self.events.append(
                ScheduleRevised.of(
                    self.affiliate_id, today.year, changed[0].due_date, carried.instalments
                )
            )

    def career(self) -> list[CareerYear]:
        """The relevé de carrière: the years whose definitive income is known."""
        if self.kind == "micro":
            return []
        return [
            career_year(y, self.activity, self.incomes[y]) for y in sorted(self.definitive_years)
        ]

    # -- periodicity and debit day (docs/rules.md §6.5, §6.6) -------------------------------
    def change_periodicity(self, periodicity: str, today: date) -> ScheduleChange:
        """Monthly ↔ quarterly, from the first due date at least 30 days after the request."""
        check_periodicity(periodicity, self.periodicity)
        return self._reschedule(periodicity, self.debit_day, today)

    def change_debit_day(self, day: int, today: date) -> ScheduleChange:
        """The 5th ↔ the 20th, once per calendar year, from the first due date at least 30
        days after the request."""
        check_debit_day(day, self.periodicity, self.debit_day)
        check_debit_day_unlocked(self.debit_day_changed_on, today)
        return self._reschedule(self.periodicity, day, today)

    def _reschedule(self, periodicity: str, day: int, today: date) -> ScheduleChange:
        return reschedule(self.schedule(today.year), periodicity, day, self.departement, today)

    def apply_change(self, change: ScheduleChange, today: date) -> None:
        if change.debit_day != self.debit_day:
            check_debit_day_unlocked(self.debit_day_changed_on, today)
            self.debit_day_changed_on = today
        self.periodicity, self.debit_day = change.periodicity, change.debit_day
        self.schedules[today.year] = change.instalments
        self.events.append(
            PaymentTermsChanged(
                self.affiliate_id, change.periodicity, change.debit_day, change.effective_from
            )
        )
        if change.effective_from.year == today.year:
            self.events.append(
                ScheduleRevised.of(
                    self.affiliate_id, today.year, change.effective_from, change.instalments
                )
            )
        self._follow_terms(today.year + 1)

    def _follow_terms(self, year: int) -> None:
        """A year whose échéancier was already revised (next year's, estimated in December)
        calls the same amount on the new terms."""
        if year not in self.schedules:
            return
        amount = sum((i.amount for i in self.schedules[year]), Decimal(0))
        instalments = echeancier(year, amount, self.periodicity, self.debit_day, self.departement)
        if instalments != self.schedules[year]:
            self.schedules[year] = instalments
            self.events.append(
                ScheduleRevised.of(self.affiliate_id, year, instalments[0].due_date, instalments)
            )

    # -- micro-entrepreneur declarations (docs/rules.md §6.8) -------------------------------
    def declare_turnover(self, period: str, turnover: Decimal, today: date) -> PeriodDeclaration:
        if self.kind != "micro":
            raise ComputationInputInvalid(
                "Seul un micro-entrepreneur déclare son chiffre d'affaires par période."
            )
        parsed = parse_period(period, self.periodicity)
        check_period_declarable(parsed, (d.period for d in self.declarations), self.closed_on)
        nature = "liberale" if self.activity == "bnc" else "commerciale"
        return declare_turnover(parsed, turnover, self.activity, nature, self.departement, today)

    def apply_turnover(self, declaration: PeriodDeclaration) -> None:
        if any(d.period == declaration.period for d in self.declarations):
            raise PeriodAlreadyDeclared(declaration.period)
        self.declarations.append(declaration)
        self.events.append(TurnoverDeclared.of(self.affiliate_id, declaration))
