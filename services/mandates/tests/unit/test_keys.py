"""Activation keys: entropy, the printed form, and typos caught by the check symbol."""

from __future__ import annotations

import math

import pytest
from mandates.domain import keys


def test_a_key_carries_at_least_sixty_bits_and_is_printed_in_groups_of_five() -> None:
    assert keys.DATA_SYMBOLS * math.log2(len(keys.ALPHABET)) >= 60
    key = keys.new_key()
    groups = key.split("-")
    assert [len(g) for g in groups] == [5, 5, 5]
    assert not set("".join(groups)) & set("01ILO")


def test_keys_are_not_repeated() -> None:
    assert len({keys.new_key() for _ in range(2000)}) == 2000


def test_case_spaces_and_dashes_do_not_matter() -> None:
    key = keys.new_key()
    symbols = keys.normalize(key)
    assert keys.normalize(key.lower().replace("-", " ")) == symbols
    assert keys.normalize(f"  {symbols} ") == symbols


def test_every_single_symbol_error_is_caught_by_the_check_symbol() -> None:
    symbols = keys.normalize(keys.new_key())
    for position in range(len(symbols)):
        for other in keys.ALPHABET:
            if other == symbols[position]:
                continue
            typo = symbols[:position] + other + symbols[position + 1 :]
            with pytest.raises(keys.KeyTypo):
                keys.normalize(typo)


def test_every_swap_of_two_adjacent_different_symbols_is_caught() -> None:
    for _ in range(50):
        symbols = keys.normalize(keys.new_key())
        for i in range(len(symbols) - 1):
            if symbols[i] == symbols[i + 1]:
                continue
            swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
            with pytest.raises(keys.KeyTypo):
                keys.normalize(swapped)


@pytest.mark.parametrize("typed", ["", "ABCDE", "ABCDE-FGHJK-MNPQRS", "0BCDE-FGHJK-MNPQR"])
def test_a_wrong_length_or_a_look_alike_symbol_is_a_typo(typed: str) -> None:
    with pytest.raises(keys.KeyTypo):
        keys.normalize(typed)


def test_only_the_digest_is_kept_and_it_identifies_the_key() -> None:
    symbols = keys.normalize(keys.new_key())
    assert len(keys.digest(symbols)) == 64
    assert symbols not in keys.digest(symbols)
    assert keys.digest(symbols) == keys.digest(keys.normalize(symbols.lower()))


def test_a_key_typed_by_an_assure_is_masked_in_logs_from_the_moment_it_is_read() -> None:
    from mandates.entrypoints.http_schemas import KeyEntry
    from servicekit.logging import MASK, SECRETS

    key = keys.new_key()
    KeyEntry(key=key)
    assert SECRETS.mask(f"entered {key}") == f"entered {MASK}"
