"""Value objects shared by several payloads."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Recipient(BaseModel):
    """Someone to notify by e-mail, as the producing service knows them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    email: str
    display_name: str = Field(min_length=1)


class PostalAddress(BaseModel):
    """A postal address as the affiliates registry holds it (the only source for letters)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lines: list[str] = Field(min_length=1, max_length=5, description="Street lines, in order.")
    postal_code: str = Field(pattern=r"^[0-9]{5}$")
    city: str = Field(min_length=1)
    country: str = "FRANCE"
