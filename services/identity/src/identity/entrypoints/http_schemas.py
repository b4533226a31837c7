"""HTTP request and response bodies of identity (validated, with examples)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
)
from servicekit.logging import RegisteredSecret

from identity.domain.dates import FORMATS, parse_date
from identity.domain.identifiers import check_email, normalize_nir, normalize_siret
from identity.domain.names import clean_name
from identity.domain.passwords import password_problems

Email = Annotated[EmailStr, AfterValidator(check_email)]
"""An e-mail address of a request: well formed, and its local part at most 64 characters."""
Name = Annotated[str, AfterValidator(clean_name)]
"""A name of a request (firm, person): no control or invisible character, something visible."""


def _typed_date(value: object) -> object:
    return parse_date(value) if isinstance(value, str) else value


TypedDate = Annotated[
    date,
    BeforeValidator(_typed_date),
    Field(description=f"Une date écrite {FORMATS}.", examples=["14/03/1979", "1979-03-14"]),
]
"""A date a person types: the French form or ISO 8601."""


class CabinetCreate(BaseModel):
    """An accountant firm's sign-up, with its first administrator."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "raison_sociale": "Cabinet Martin Expertise",
                    "siret": "73282932000074",
                    "address": "12 rue de la Paix, 75002 Paris",
                    "admin_first_name": "Claire",
                    "admin_last_name": "Martin",
                    "email": "claire.martin@cabinet-martin.fr",
                    "password": "Une phrase de passe solide",
                }
            ]
        },
    )

    raison_sociale: Name = Field(min_length=1, max_length=200)
    siret: str = Field(min_length=1, max_length=20)
    address: str = Field(min_length=1, max_length=500)
    admin_first_name: Name = Field(min_length=1, max_length=100)
    admin_last_name: Name = Field(min_length=1, max_length=100)
    email: Email
    password: str = Field(min_length=1, max_length=256, repr=False)

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str) -> str:
        return normalize_siret(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        problems = password_problems(value)
        if problems:
            raise ValueError(" ".join(problems))
        return value

    @field_validator("address")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Ce champ ne peut pas être vide.")
        return value.strip()


class CabinetCreated(BaseModel):
    cabinet_id: str
    admin_account_id: str
    status: str = Field(examples=["pending"])
    activation_expires_at: datetime


class ActivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: RegisteredSecret = Field(min_length=10, max_length=200, repr=False)
    password: str | None = Field(
        default=None,
        max_length=256,
        repr=False,
        description="Required for an invited collaborator, who chooses it now.",
    )

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problems = password_problems(value)
        if problems:
            raise ValueError(" ".join(problems))
        return value


class AccountActivated(BaseModel):
    account_id: str
    status: str = Field(examples=["active"])
    activated_at: datetime


class AssureCreate(BaseModel):
    """An assuré's sign-up: the known facts (NIR, date of birth, birth name), then e-mail and
    password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "nir": "185057800608491",
                    "birth_date": "1985-05-01",
                    "birth_name": "Dupont",
                    "email": "jean.dupont@example.fr",
                    "password": "Une phrase de passe solide",
                }
            ]
        },
    )

    nir: str = Field(min_length=13, max_length=21, repr=False)
    birth_date: TypedDate
    birth_name: Name = Field(min_length=1, max_length=200)
    email: Email
    password: str = Field(min_length=1, max_length=256, repr=False)

    @field_validator("nir")
    @classmethod
    def _nir(cls, value: str) -> str:
        return normalize_nir(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        problems = password_problems(value)
        if problems:
            raise ValueError(" ".join(problems))
        return value


class AssureCreated(BaseModel):
    account_id: str
    status: str = Field(examples=["pending"])
    activation_expires_at: datetime


class RenewalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
