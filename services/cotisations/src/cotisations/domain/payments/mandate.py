"""The telepayment mandate: the adhesion form and who already holds one (docs/rules.md §9.5).

The form gives the holder's name, address and the account to debit (IBAN, BIC), and the terms
of use must be accepted. One active telepayment mandate per account.

**The same person.** cotisations does not know the NIR (the registry's events never carry it):
an account knows its holder's name as the registry writes it. Two accounts are taken for the
same person's when their holders' names are the same once normalised (case, accents, hyphens
and spaces ignored) **and** their telepayment mandates debit the same IBAN. A mandate that
already exists on such another account is refused with the FAQ's message: revoke it first. Two
namesakes who debit different bank accounts are not one person.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from cotisations.domain.payments.bank_account import checked_bic, checked_iban
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid

MANDATE_EXISTS = (
    "Le mandat de télépaiement existe déjà sur un autre de vos comptes : révoquez-le avant "
    "d'en créer un nouveau. Si vous disposez d'un ancien compte micro-entrepreneur sur lequel "
    "un mandat est toujours actif, vous devez le révoquer avant d'en créer un ici ; si vous "
    "disposez d'un mandat enregistré sur un autre compte, vérifiez que celui-ci n'est pas lié "
    "à l'ensemble de vos comptes et procédez à la modification le cas échéant."
)


def person_key(name: str) -> str:
    """A holder's name with case, accents, hyphens, apostrophes and spaces ignored."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters if c.isalnum())


@dataclass(frozen=True)
class AdhesionForm:
    holder_name: str
    address: str
    iban: str
    bic: str
    terms_accepted: bool


@dataclass(frozen=True)
class TelepaymentMandate:
    mandate_id: str
    affiliate_id: str
    holder_name: str
    address: str
    iban: str
    bic: str
    person: str
    """``person_key`` of the account holder's name (the registry's, else the form's)."""
    signed_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, at: datetime) -> TelepaymentMandate:
        if not self.active:
            raise PaymentConflict(
                "Ce mandat de télépaiement est déjà révoqué.", code="telepayment-mandate-revoked"
            )
        return replace(self, revoked_at=at)


def adhere(
    mandate_id: str,
    affiliate_id: str,
    account_holder: str,
    form: AdhesionForm,
    at: datetime,
    *,
    on_this_account: TelepaymentMandate | None,
    elsewhere: list[TelepaymentMandate],
) -> TelepaymentMandate:
    """The adhesion: the form checked, then refused when this account or another of the same
    person already has an active mandate. ``elsewhere``: the active mandates of other accounts
    on the same IBAN."""
    name, address = form.holder_name.strip(), form.address.strip()
    if not name:
        raise PaymentInputInvalid("Indiquez le nom et le prénom du titulaire.", field="holder_name")
    if not address:
        raise PaymentInputInvalid("Indiquez l'adresse du titulaire.", field="address")
    if not form.terms_accepted:
        raise PaymentInputInvalid(
            "Acceptez les conditions générales d'utilisation pour adhérer au télépaiement.",
            field="terms_accepted",
        )
    iban, bic = checked_iban(form.iban), checked_bic(form.bic)
    if on_this_account is not None and on_this_account.active:
        raise PaymentConflict(
            "Ce compte a déjà un mandat de télépaiement actif.", code="telepayment-mandate-active"
        )
    person = person_key(account_holder or name)
    for other in elsewhere:
        if other.active and other.affiliate_id != affiliate_id and other.person == person:
            raise PaymentConflict(MANDATE_EXISTS, code="telepayment-mandate-exists")
    return TelepaymentMandate(mandate_id, affiliate_id, name, address, iban, bic, person, at)
