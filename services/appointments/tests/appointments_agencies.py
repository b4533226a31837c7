"""Agencies built in the tests (the domain's record, no database): a week of opening hours,
an agency of a département."""

from __future__ import annotations

from datetime import time

from appointments.domain.agencies import Agency, Closure, OpeningPeriod


def week(
    morning: tuple[str, str] = ("08:30", "12:00"),
    afternoon: tuple[str, str] | None = ("13:30", "16:30"),
    days: range = range(5),
) -> tuple[OpeningPeriod, ...]:
    periods = []
    for day in days:
        periods.append(
            OpeningPeriod(day, time.fromisoformat(morning[0]), time.fromisoformat(morning[1]))
        )
        if afternoon:
            periods.append(
                OpeningPeriod(
                    day, time.fromisoformat(afternoon[0]), time.fromisoformat(afternoon[1])
                )
            )
    return tuple(periods)


def agency(
    departement: str = "75",
    *,
    hours: tuple[OpeningPeriod, ...] | None = None,
    closures: tuple[Closure, ...] = (),
    slot_minutes: int = 30,
    version: int = 1,
) -> Agency:
    return Agency(
        agency_id=f"agence-{departement.lower()}",
        region="IDF",
        name=f"Agence {departement}",
        address="1 rue de la Paix",
        departement=departement,
        accessibility="Accès de plain-pied",
        channels=("agence", "telephone"),
        opening_hours=week() if hours is None else hours,
        closures=closures,
        slot_minutes=slot_minutes,
        default_capacity=2,
        version=version,
    )
