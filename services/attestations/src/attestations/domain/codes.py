"""Security codes: typed by whoever checks a certificate, from the printed document.

The alphabet and the check symbol are those of the activation keys (mandates): 31 symbols
without look-alikes (no 0/O, 1/I/L), and a weighted check symbol modulo 31 (a prime), so every
single wrong symbol and every swap of two neighbours is caught before the database is asked.

- 15 random symbols (74 bits) and one check symbol, printed as four groups of four
  (``7KX4-QP9Z-DH3T-2W5M``); typed in any case, with or without spaces and dashes.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DATA_SYMBOLS = 15
GROUP = 4
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
_N = len(ALPHABET)


class CodeTypo(ValueError):
    """The typed text cannot be a security code (length, symbol, check symbol)."""


def _check_symbol(data: str) -> str:
    total = sum((weight + 2) * _INDEX[symbol] for weight, symbol in enumerate(reversed(data)))
    return ALPHABET[(-total) % _N]


def new_code() -> str:
    """A fresh code, as printed (grouped)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return format_code(data + _check_symbol(data))


def format_code(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def normalize(typed: str) -> str:
    """The code's 16 symbols, or :class:`CodeTypo`."""
    symbols = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(symbols) != DATA_SYMBOLS + 1:
        raise CodeTypo("longueur")
    if any(ch not in _INDEX for ch in symbols):
        raise CodeTypo("caractère")
    if _check_symbol(symbols[:-1]) != symbols[-1]:
        raise CodeTypo("contrôle")
    return symbols
