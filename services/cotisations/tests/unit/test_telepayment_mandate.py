"""The telepayment adhesion: the form checked, one mandate per account, and per person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cotisations.domain.payments.mandate import (
    MANDATE_EXISTS,
    AdhesionForm,
    adhere,
    person_key,
)
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
IBAN = "FR7630006000011234567890189"
FORM = AdhesionForm("Jean Dupont", "1 rue X, 57000 Metz", IBAN, "AGRIFRPP", terms_accepted=True)


def test_the_same_person_is_the_same_name_whatever_its_case_accents_and_hyphens() -> None:
    assert person_key("Jean-Émile  DUPONT") == person_key("jean emile dupont")
    assert person_key("Jean Dupont") != person_key("Jeanne Dupont")


def test_a_mandate_of_the_same_person_on_another_account_is_refused_with_the_faqs_words() -> None:
    first = adhere("m1", "aff-1", "Jean Dupont", FORM, AT, on_this_account=None, elsewhere=[])
    with pytest.raises(PaymentConflict) as refused:
        adhere("m2", "aff-2", "JEAN DUPONT", FORM, AT, on_this_account=None, elsewhere=[first])
    assert refused.value.code == "telepayment-mandate-exists"
    assert refused.value.message == MANDATE_EXISTS
    # a namesake's mandate: another person
    adhere("m3", "aff-3", "Paul Martin", FORM, AT, on_this_account=None, elsewhere=[first])
    # revoked: the way is open
    adhere(
        "m4", "aff-2", "Jean Dupont", FORM, AT, on_this_account=None, elsewhere=[first.revoke(AT)]
    )
    with pytest.raises(PaymentConflict) as twice:
        adhere("m5", "aff-1", "Jean Dupont", FORM, AT, on_this_account=first, elsewhere=[])
    assert twice.value.code == "telepayment-mandate-active"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"terms_accepted": False}, "terms_accepted"),
        ({"holder_name": "  "}, "holder_name"),
        ({"address": ""}, "address"),
        ({"iban": "FR0630006000011234567890188"}, "iban"),
        ({"bic": "AGR"}, "bic"),
    ],
)
def test_the_form_is_checked(changes: dict[str, object], field: str) -> None:
    form = AdhesionForm(**{**FORM.__dict__, **changes})  # type: ignore[arg-type]
    with pytest.raises(PaymentInputInvalid) as refused:
        adhere("m1", "aff-1", "Jean Dupont", form, AT, on_this_account=None, elsewhere=[])
    assert refused.value.field == field
