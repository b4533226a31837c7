"""Activation keys: typed by a person from a letter, checked before an attempt is spent.

- 14 random symbols from a 31-symbol alphabet without look-alikes (no 0/O, 1/I/L): 69 bits;
- one check symbol (a weighted sum modulo 31, a prime: every single-symbol error and every
  swap of two neighbours is caught), so a typo is refused without spending an attempt;
- printed as three groups of five (``7KX4M-QP9ZD-H3T2W``); typed in any case, with or without
  spaces and dashes;
- stored only as a SHA-256 digest: 69 random bits make a slow hash unnecessary.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DATA_SYMBOLS = 14
GROUP = 5
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
_N = len(ALPHABET)


class KeyTypo(ValueError):
    """The typed key cannot be a key: wrong length, a symbol outside the alphabet, or a check
    symbol that does not match. No attempt is spent."""


def _check_symbol(data: str) -> str:
    """The symbol that makes ``sum(weight × value)`` a multiple of 31, the check symbol
    weighing 1 and the data symbols 2, 3, … from the right. 31 being prime and the weights
    distinct and below 31, a single wrong symbol or a swap of two neighbours always changes
    the sum."""
    total = sum((weight + 2) * _INDEX[symbol] for weight, symbol in enumerate(reversed(data)))
    return ALPHABET[(-total) % _N]


def new_key() -> str:
    """A fresh key, as printed on the letter."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return format_key(data + _check_symbol(data))


def format_key(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def normalize(typed: str) -> str:
    """The key's symbols, or :class:`KeyTypo` when it cannot be a key."""
    symbols = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(symbols) != DATA_SYMBOLS + 1:
        raise KeyTypo(f"la clé compte {DATA_SYMBOLS + 1} caractères, {len(symbols)} saisis")
    wrong = sorted({ch for ch in symbols if ch not in _INDEX})
    if wrong:
        raise KeyTypo(f"caractère(s) impossible(s) dans une clé : {' '.join(wrong)}")
    if _check_symbol(symbols[:-1]) != symbols[-1]:
        raise KeyTypo("la clé comporte une faute de frappe (caractère de contrôle)")
    return symbols


def digest(symbols: str) -> str:
    return hashlib.sha256(symbols.encode()).hexdigest()
