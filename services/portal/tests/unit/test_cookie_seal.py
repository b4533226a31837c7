"""The session cookie's seal: opened only with its key, unchanged."""

from __future__ import annotations

import pytest
from portal.adapters.cookie_seal import CookieSeal, generate_key


def test_a_sealed_session_opens_with_its_key_only() -> None:
    seal = CookieSeal(generate_key())
    value = seal.seal({"access_token": "eyJhbGciOi", "csrf": "abc"})
    assert "eyJhbGciOi" not in value
    assert seal.open(value) == {"access_token": "eyJhbGciOi", "csrf": "abc"}
    assert CookieSeal(generate_key()).open(value) is None


@pytest.mark.parametrize("value", ["", "x", "!!!!", "A" * 80])
def test_garbage_opens_to_nothing(value: str) -> None:
    assert CookieSeal(generate_key()).open(value) is None


def test_a_changed_byte_opens_to_nothing() -> None:
    seal = CookieSeal(generate_key())
    value = seal.seal({"a": 1})
    middle = len(value) // 2
    changed = value[:middle] + ("B" if value[middle] != "B" else "C") + value[middle + 1 :]
    assert seal.open(changed) is None


def test_a_key_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CookieSeal("c2hvcnQ=")
