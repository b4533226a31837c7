"""Refusals of the cotisations domain, each with a French message for users.

``entrypoints/problems.py`` answers each one with its problem document.
"""

from __future__ import annotations

from datetime import date

from servicekit.french import day


class CotisationsError(Exception):
    """Base of the cotisations domain's refusals."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ComputationInputInvalid(CotisationsError):
    """What is asked is missing or outside what the rules cover or allow (a year not covered,
    an unknown activity, a period badly written, a change the account's terms refuse...).

    ``field``, when the refusal is about one thing the caller sent: the name of the command's
    attribute (``year``, ``period``...), which is also the field of the request's body."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EstimateYearNotOpen(ComputationInputInvalid):
    """An income estimate is of one year at a time (docs/rules.md §6.4): ``estimable_year``
    on the day asked; ``opens_on``, when the year asked is the next one, the day it can be
    estimated."""

    def __init__(self, message: str, estimable_year: int, opens_on: date | None = None) -> None:
        super().__init__(message, field="year")
        self.estimable_year = estimable_year
        self.opens_on = opens_on


class AccountNotFound(CotisationsError):
    def __init__(self) -> None:
        super().__init__("Aucun compte cotisant ne correspond.")


class CareerAssureOnly(CotisationsError):
    """The relevé de carrière is never delegated: only the assuré sees it."""

    def __init__(self) -> None:
        super().__init__("Le relevé de carrière n'est visible que de l'assuré lui-même.")


class FunctionLocked(CotisationsError):
    """A function of the account that opens again on ``unlocks_on``."""

    def __init__(self, message: str, unlocks_on: date) -> None:
        super().__init__(message)
        self.unlocks_on = unlocks_on


class EstimateLocked(FunctionLocked):
    """One income estimate a month (docs/rules.md §6.4)."""

    def __init__(self, unlocks_on: date) -> None:
        super().__init__(
            "Une estimation a été transmise il y a moins d'un mois ; la prochaine est "
            f"possible à partir du {day(unlocks_on)}.",
            unlocks_on,
        )


class DebitDayLocked(FunctionLocked):
    """The debit day changes once per calendar year (docs/rules.md §6.6)."""

    def __init__(self, unlocks_on: date) -> None:
        super().__init__(
            "Le jour de prélèvement a déjà changé cette année ; un nouveau changement est "
            f"possible à partir du {day(unlocks_on)}.",
            unlocks_on,
        )


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
