"""attestations' refusals (answered as problem documents by ``entrypoints.problems``)."""

from __future__ import annotations


class AttestationsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttestationNotFound(AttestationsError):
    """No certificate the caller may see (its existence is not revealed)."""


class CodeNotFound(AttestationsError):
    """No certificate has this code: an unknown code and a mistyped one answer alike."""


class TeleserviceClosed(AttestationsError):
    """The affilié's category does not open the « attestations » téléservice."""


class KindNotApplicable(AttestationsError):
    """This kind of certificate does not apply to this affilié (a pensioner's vigilance…)."""


class AttestationRefused(AttestationsError):
    """The rule refuses the certificate; ``reason`` and ``what_to_do`` say why and what next."""

    def __init__(self, message: str, reason: str, what_to_do: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.what_to_do = what_to_do


class YearRequired(AttestationsError):
    """An attestation de paiement names the year it covers."""


class AgentOnly(AttestationsError):
    """Only an agent of the body may do this."""
