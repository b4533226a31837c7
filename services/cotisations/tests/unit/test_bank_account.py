"""The domain's IBAN and RIB-key check agrees with schwifty's, IBAN by IBAN."""

from __future__ import annotations

import pytest
from cotisations.domain.payments.bank_account import checked_bic, valid_iban
from cotisations.domain.payments.refusals import PaymentInputInvalid
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException


def _schwifty(value: str) -> str | None:
    try:
        return str(IBAN(value, validate_bban=True).compact)
    except SchwiftyException:
        return None


@settings(max_examples=200)
@given(
    bank=st.integers(0, 99999),
    branch=st.integers(0, 99999),
    account=st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=11),
    key=st.integers(0, 99),
)
def test_a_french_iban_is_valid_for_the_domain_exactly_when_for_schwifty(
    bank: int, branch: int, account: str, key: int
) -> None:
    bban = f"{bank:05d}{branch:05d}{account}{key:02d}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    iban = f"FR{98 - int(digits) % 97:02d}{bban}"
    assert valid_iban(iban) == _schwifty(iban)


@pytest.mark.parametrize(
    "value",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR1420041010050500013M02606",
        "FR0630006000011234567890188",  # wrong RIB key
        "FR7730006000011234567890189",  # wrong check digits
        "DE89370400440532013000",
        "DE89370400440532013001",
        "FR76",
    ],
)
def test_known_ibans(value: str) -> None:
    assert valid_iban(value) == _schwifty(value)


def test_a_bic_has_8_or_11_characters() -> None:
    assert checked_bic(" agrifrpp ") == "AGRIFRPP"
    assert checked_bic("AGRIFRPPXXX") == "AGRIFRPPXXX"
    with pytest.raises(PaymentInputInvalid):
        checked_bic("AGRI")
