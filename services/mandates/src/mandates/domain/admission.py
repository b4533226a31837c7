"""Who may be added as a firm's client (SPEC.md 3.1): the same rules for one client entered by
hand and for each row of an import. Each refusal is a :class:`errors.ClientRefused`, returned
(an import reports it on its row) rather than raised."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.fr import nir as nir_number
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number

from mandates.domain import errors
from mandates.domain.directory import Affiliate

MAX_NAME = 200


@dataclass(frozen=True)
class Candidate:
    identifier: str
    name: str
    nir: str | None = None


def check_identifier(identifier: str) -> errors.ClientRefused | str:
    """The SIREN of a SIREN or SIRET (La Poste's SIRETs included), or why not."""
    digits = identifier.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (9, 14):
        return errors.IdentifierInvalid()
    if len(digits) == 9:
        if not siren_number.is_valid(digits):
            return errors.SirenInvalid()
        return digits
    if not siret_number.is_valid(digits):
        return errors.SiretInvalid()
    return digits[:9]


def screen(candidate: Candidate) -> errors.ClientRefused | str:
    """The checks that need nothing stored: the SIREN of the candidate, or why not."""
    siren = check_identifier(candidate.identifier)
    if isinstance(siren, errors.ClientRefused):
        return siren
    name = candidate.name.strip()
    if not name or len(name) > MAX_NAME:
        return errors.ClientNameInvalid()
    if candidate.nir and not nir_number.is_valid(candidate.nir.replace(" ", "")):
        return errors.NirInvalid()
    return siren


def registry_refusal(affiliate: Affiliate | None) -> errors.ClientRefused | None:
    """Why the registry's entry for a SIREN forbids adding it as a client, if it does: unknown,
    radiated, or its consent switch off."""
    if affiliate is None:
        return errors.AffiliateUnknown()
    if affiliate.radiated:
        return errors.AffiliateRadiated()
    if not affiliate.consent:
        return errors.ConsentWithheld()
    return None
