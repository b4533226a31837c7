"""What a person sends about payments, read as they write it and refused in French: the
account to debit (IBAN with its French RIB key, the BIC of its bank, the holder), a payment's
mode, amount, date and reference."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidBBANChecksum, SchwiftyException
from servicekit.french import TypedDate

from cotisations.entrypoints.http_inputs import amount

_HOLDER = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ0-9 '\-.,/&()]{2,70}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-_/.]{0,59}$")


def _iban(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 50:
        raise ValueError(
            "L'IBAN s'écrit avec 27 caractères pour un compte français, par exemple "
            "FR76 3000 6000 0112 3456 7890 189."
        )
    try:
        iban = IBAN(value, validate_bban=True)
    except InvalidBBANChecksum:
        raise ValueError(
            "La clé RIB de cet IBAN est fausse : vérifiez le numéro de compte."
        ) from None
    except SchwiftyException:
        raise ValueError("Cet IBAN n'est pas valide : vérifiez sa clé et sa longueur.") from None
    return str(iban.compact)


def _bic(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 20:
        raise ValueError("Le BIC s'écrit avec 8 ou 11 caractères, par exemple BNPAFRPP.")
    try:
        bic = BIC(value.strip().upper())
    except SchwiftyException:
        raise ValueError(
            "Ce BIC n'est pas valide (8 ou 11 caractères, par exemple BNPAFRPP)."
        ) from None
    return str(bic.compact)


def _holder(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not _HOLDER.fullmatch(text):
        raise ValueError(
            "Le titulaire du compte s'écrit en 2 à 70 lettres, chiffres ou signes usuels."
        )
    return text


def bic_matches_iban(iban: str, bic: str) -> bool:
    """The BIC is one of the IBAN's bank: the bank of the IBAN's bank code (as the BIC
    registry knows it), or a BIC listing that bank code; a bank the registry does not know is
    taken when the BIC is of the IBAN's country."""
    parsed, given = IBAN(iban), BIC(bic)
    if given.country_code != parsed.country_code:
        return False
    known = parsed.bic
    if known is not None and str(known.compact)[:8] == str(given.compact)[:8]:
        return True
    codes = given.domestic_bank_codes
    if parsed.bank_code and parsed.bank_code in codes:
        return True
    return known is None and not codes


class DirectDebitBody(BaseModel):
    """The SEPA mandate's form: who holds the account, its IBAN and BIC, the day it is signed
    (today when left out)."""

    model_config = ConfigDict(extra="forbid")

    holder: Annotated[str, BeforeValidator(_holder)] = Field(examples=["Jean Dupont"])
    iban: Annotated[str, BeforeValidator(_iban)] = Field(examples=["FR7630006000011234567890189"])
    bic: Annotated[str, BeforeValidator(_bic)] = Field(examples=["AGRIFRPPXXX"])
    signed_on: TypedDate | None = None

    @field_validator("bic")
    @classmethod
    def _bic_of_the_bank(cls, bic: str, info: ValidationInfo) -> str:
        """Checked against the IBAN (validated before it): the refusal names ``bic``."""
        iban = info.data.get("iban")
        if iban is not None and not bic_matches_iban(iban, bic):
            raise ValueError(
                "Le BIC ne correspond pas à la banque de cet IBAN : vérifiez le BIC indiqué "
                "sur votre RIB."
            )
        return bic


PaymentAmount = Annotated[
    Decimal,
    BeforeValidator(
        amount("Le montant du paiement", Decimal("0.01"), Decimal(10_000_000), "153.00")
    ),
]


def reference_reader(label: str) -> Callable[[Any], str]:
    """Reads a reference of the bank's or the former books' (1 to 60 letters, digits, spaces
    and ``-_/.``); ``label`` names it in the refusal."""

    def read(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not _REFERENCE.fullmatch(text):
            raise ValueError(f"{label} s'écrit en 1 à 60 lettres ou chiffres.")
        return text

    return read


_reference = reference_reader("La référence du paiement (numéro de chèque ou de virement)")


def _pays(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(
        r"^(instalment|debt|plan|surcharge):[A-Za-z0-9:\-_.]{1,140}$", value
    ):
        raise ValueError(
            "L'échéance payée s'écrit par exemple instalment:2026-03-05 ou "
            "debt:rejection:debit:2026-03-05."
        )
    return value


def _mode(value: Any) -> str:
    if value not in ("cheque", "virement"):
        raise ValueError("Le mode de paiement est « cheque » ou « virement ».")
    return str(value)


class PaymentBody(BaseModel):
    """A cheque or a transfer received (back office)."""

    model_config = ConfigDict(extra="forbid")

    mode: Annotated[str, BeforeValidator(_mode)] = Field(examples=["cheque"])
    amount: PaymentAmount = Field(examples=["153.00"])
    value_date: TypedDate
    reference: Annotated[str, BeforeValidator(_reference)] = Field(examples=["CHQ-0001234"])
    pays: Annotated[str | None, BeforeValidator(_pays)] = Field(
        default=None, examples=["instalment:2026-03-05"]
    )
