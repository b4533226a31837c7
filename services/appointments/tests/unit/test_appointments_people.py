"""The NIR's key (the rule identity applies) and French mobile numbers."""

from __future__ import annotations

import pytest
from appointments.domain.people import InvalidPhone, french_mobile, nir_is_valid, normalise_nir


def with_key(thirteen: str) -> str:
    number = int(thirteen.replace("2A", "19").replace("2B", "18"))
    return f"{thirteen}{97 - number % 97:02d}"


NIRS = [
    ("a man born in Paris", "1 85 05 75 115 123 " + with_key("1850575115123")[-2:], True),
    ("a woman, digits only", with_key("2950399126111"), True),
    ("the example of python-stdnum", "295109912611193", True),
    ("a key off by one", "295109912611194", False),
    ("born in Corse-du-Sud (2A)", with_key("185022A012345"), True),
    ("born in Haute-Corse (2B), lower case", with_key("185022B012345").lower(), True),
    ("a Corsican NIR python-stdnum accepts (2A)", "1 85 02 2A 012 345 31", True),
    ("a Corsican NIR python-stdnum accepts (2B)", "1 85 02 2B 012 345 58", True),
    ("2A read as 2B is the wrong key", with_key("185022A012345").replace("2A", "2B"), False),
    ("a temporary number (7)", with_key("7850575115123"), True),
    ("a temporary number (8)", with_key("8850575115123"), True),
    ("spaces and dots are ignored", "2.95.10.99.126.111 93", True),
    ("14 characters", "29510991261119", False),
    ("16 characters", "2951099126111930", False),
    ("a letter elsewhere", "2951A99126111 93", False),
    ("2C is no Corsica", with_key("185022A012345").replace("2A", "2C"), False),
    ("Arabic-Indic digits are not digits here", "٢٩٥١٠٩٩١٢٦١١١٩٣", False),
    ("empty", "", False),
]


@pytest.mark.parametrize(("name", "nir", "valid"), NIRS, ids=[n[0] for n in NIRS])
def test_nir_is_valid(name: str, nir: str, valid: bool) -> None:
    assert nir_is_valid(nir) is valid


def test_normalise_nir() -> None:
    assert normalise_nir(" 1 85 02 2a 012.345 xx ") == "185022A012345XX"


PHONES = [
    ("a mobile in 06", "06 12 34 56 78", "+33612345678"),
    ("a mobile in 07", "07 81 23 45 67", "+33781234567"),
    ("international form", "+33 6 12 34 56 78", "+33612345678"),
    ("with dots", "06.12.34.56.78", "+33612345678"),
    ("with dashes and the international prefix 00", "0033-6-12-34-56-78", "+33612345678"),
    ("with the national 0 in brackets", "+33 (0)6 12 34 56 78", "+33612345678"),
    ("a Guadeloupe mobile, national form", "0690 00 12 34", "+590690001234"),
    ("a Guadeloupe mobile, international", "+590 690 00 12 34", "+590690001234"),
    ("a Martinique mobile", "0696 20 12 34", "+596696201234"),
    ("a Guyane mobile", "+594 694 20 12 34", "+594694201234"),
    ("a Réunion mobile", "0692 12 34 56", "+262692123456"),
    ("a Mayotte mobile", "0639 01 23 45", "+262639012345"),
]


@pytest.mark.parametrize(("name", "typed", "e164"), PHONES, ids=[p[0] for p in PHONES])
def test_french_mobiles(name: str, typed: str, e164: str) -> None:
    assert french_mobile(typed) == e164


REFUSED = [
    (
        "a landline in 01",
        "01 23 45 67 89",
        "Le numéro 01 23 45 67 89 n'est pas un numéro de mobile.",
    ),
    ("a 09 number", "09 12 34 56 78", "Le numéro 09 12 34 56 78 n'est pas un numéro de mobile."),
    (
        "a Guadeloupe landline",
        "0590 12 34 56",
        "Le numéro 0590 12 34 56 n'est pas un numéro de mobile.",
    ),
    (
        "letters after a number",
        "0612345678 ou 0712345678",
        "Le numéro 0612345678 ou 0712345678 n'est pas un numéro de téléphone valide.",
    ),
    ("garbage", "abc", "Le numéro abc n'est pas un numéro de téléphone valide."),
    ("too short", "06 12 34", "Le numéro 06 12 34 n'est pas un numéro de téléphone valide."),
    ("empty", "", "Le numéro  n'est pas un numéro de téléphone valide."),
    (
        "a British mobile",
        "+44 7911 123456",
        "Le numéro +44 7911 123456 n'est pas un numéro de mobile français.",
    ),
]


@pytest.mark.parametrize(("name", "typed", "message"), REFUSED, ids=[p[0] for p in REFUSED])
def test_what_is_not_a_french_mobile(name: str, typed: str, message: str) -> None:
    with pytest.raises(InvalidPhone) as refused:
        french_mobile(typed)
    assert str(refused.value) == message
