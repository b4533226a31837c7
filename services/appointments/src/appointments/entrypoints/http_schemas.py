"""The bodies of appointments' HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Channel = Literal["agence", "telephone", "visio"]


class RegionRead(BaseModel):
    code: str
    name: str


class OpeningRead(BaseModel):
    weekday: int = Field(description="0 = lundi.")
    opens: str
    closes: str


class ClosureRead(BaseModel):
    first_day: date
    last_day: date
    label: str


class AgencyRead(BaseModel):
    agency_id: str
    region: str
    name: str
    address: str
    departement: str
    accessibility: str
    channels: list[Channel]
    opening_hours: list[OpeningRead]
    closures: list[ClosureRead]
    slot_minutes: int
    default_capacity: int
    version: int


class ReasonRead(BaseModel):
    code: str
    object_label: str
    reason_label: str
    channels: list[Channel]


class SlotRead(BaseModel):
    agency_id: str
    agency_name: str
    starts_at: datetime = Field(description="À l'heure de l'agence, avec son décalage.")
    ends_at: datetime
    places_left: int


class SlotPage(BaseModel):
    items: list[SlotRead]
    next_cursor: str | None = Field(description="À passer en `cursor` pour la page suivante.")


class BookingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "agency_id": "agence-paris",
                    "starts_at": "2027-01-12T09:30:00+01:00",
                    "reason_code": "cotisations-echeancier",
                    "channel": "agence",
                    "nir": "1 85 05 75 123 456 42",
                    "first_names": "Jean",
                    "last_name": "Dupont",
                    "address": "1 rue de la Paix, 75002 Paris",
                    "mobile": "06 12 34 56 78",
                    "email": "jean.dupont@example.fr",
                    "terms_accepted": True,
                    "captcha": "eyJhbGdvcml0aG0iOi…",
                }
            ]
        },
    )

    agency_id: str = Field(min_length=1, max_length=64)
    starts_at: datetime
    reason_code: str = Field(min_length=1, max_length=64)
    channel: Channel = "agence"
    nir: str = Field(min_length=1, max_length=32, description="Le numéro de sécurité sociale.")
    first_names: str = Field(min_length=1, max_length=200)
    last_name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    mobile: str = Field(min_length=1, max_length=40)
    email: EmailStr
    terms_accepted: bool
    captcha: str = Field(
        min_length=1, max_length=4000, description="La preuve du code de vérification (ALTCHA)."
    )


AppointmentState = Literal["requested", "confirmed", "cancelled", "done", "no_show"]


class AppointmentRead(BaseModel):
    appointment_id: str
    state: AppointmentState
    agency_id: str
    agency_name: str
    agency_address: str
    channel: Channel
    reason_code: str
    object_label: str
    reason_label: str
    starts_at: datetime
    ends_at: datetime
    display_name: str
    note: str
    cancelled_by: str | None
    explanation: str | None


class BookedRead(AppointmentRead):
    manage_url: str = Field(description="Le lien pour annuler ou déplacer sans se connecter.")


class AgentAppointmentRead(AppointmentRead):
    mobile: str
    email: str
    address: str
    requested_at: datetime
    history: list[dict[str, Any]] = Field(default_factory=list)


class AgentAppointmentPage(BaseModel):
    items: list[AgentAppointmentRead]
    next_cursor: str | None = Field(description="À passer en `cursor` pour la page suivante.")


class ManageRead(AppointmentRead):
    can_cancel: bool
    can_reschedule: bool


class RescheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    agency_id: str | None = Field(default=None, max_length=64)


class ConfirmationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(
        default="", max_length=2000, description="La note qui prépare le rendez-vous."
    )


class CancellationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    explanation: str = Field(min_length=1, max_length=2000)


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["done", "no_show"]


class CapacitySet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacity: int = Field(ge=0, le=100)


class CapacityRead(BaseModel):
    agency_id: str
    starts_at: datetime
    capacity: int
    taken: int


class ClosureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_day: date
    last_day: date
    label: str = Field(default="", max_length=300)


class ClosureResult(BaseModel):
    agency: AgencyRead
    cancelled: list[str] = Field(description="Les rendez-vous annulés, leurs personnes prévenues.")


class BookingForm(BaseModel):
    prefill: dict[str, Any]
    captcha: dict[str, Any] = Field(description="Le défi du code de vérification (ALTCHA).")
