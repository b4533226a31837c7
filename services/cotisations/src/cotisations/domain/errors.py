"""Refusals of the cotisations domain, with a French message for users."""

from __future__ import annotations


class CotisationsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidComputationInput(CotisationsError):
    """The inputs of a computation are missing or outside what the rules cover."""
