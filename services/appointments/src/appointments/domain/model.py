"""An appointment and its life: requested → confirmed → done / no-show; cancelled (by the
person, an agent or a closure of the agency) at any time before it starts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

from appointments.domain.agencies import Channel
from appointments.domain.errors import StateConflict

State = Literal["requested", "confirmed", "cancelled", "done", "no_show"]
OPEN: Final[frozenset[str]] = frozenset({"requested", "confirmed"})
CancelledBy = Literal["person", "agent", "closure"]

STATES_FR: Final[dict[str, str]] = {
    "requested": "demandé",
    "confirmed": "confirmé",
    "cancelled": "annulé",
    "done": "honoré",
    "no_show": "non honoré",
}


@dataclass(frozen=True, slots=True)
class Person:
    first_names: str
    last_name: str
    address: str
    mobile: str
    email: str

    @property
    def display_name(self) -> str:
        return f"{self.first_names} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Appointment:
    appointment_id: str
    agency_id: str
    starts_at: datetime
    ends_at: datetime
    channel: Channel
    reason_code: str
    state: State
    revision: int
    person: Person
    affiliate_id: str | None
    requested_at: datetime
    note: str = ""
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: CancelledBy | None = None
    explanation: str | None = None
    reminded_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    def _still_open(self, now: datetime, what: str) -> None:
        if not self.is_open:
            raise StateConflict(
                f"Ce rendez-vous est {STATES_FR[self.state]} : il ne peut plus être {what}."
            )
        if now >= self.starts_at:
            raise StateConflict(f"Ce rendez-vous a commencé : il ne peut plus être {what}.")

    def confirm(self, note: str, now: datetime) -> Appointment:
        self._still_open(now, "confirmé")
        if self.state == "confirmed":
            raise StateConflict("Ce rendez-vous est déjà confirmé.")
        return replace(
            self, state="confirmed", note=note, confirmed_at=now, revision=self.revision + 1
        )

    def cancel(self, by: CancelledBy, explanation: str | None, now: datetime) -> Appointment:
        self._still_open(now, "annulé")
        return replace(
            self,
            state="cancelled",
            cancelled_at=now,
            cancelled_by=by,
            explanation=explanation,
            revision=self.revision + 1,
        )

    def move(
        self, agency_id: str, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> Appointment:
        self._still_open(now, "déplacé")
        return replace(
            self,
            agency_id=agency_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reminded_at=None,
            revision=self.revision + 1,
        )

    def attended(self, outcome: Literal["done", "no_show"], now: datetime) -> Appointment:
        if self.state != "confirmed":
            raise StateConflict(
                f"Seul un rendez-vous confirmé peut être déclaré honoré ou non : celui-ci est "
                f"{STATES_FR[self.state]}."
            )
        if now < self.starts_at:
            raise StateConflict("Ce rendez-vous n'a pas encore commencé.")
        return replace(self, state=outcome, revision=self.revision + 1)
