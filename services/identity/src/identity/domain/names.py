"""Names people and firms give (firm names, first and last names): printable text only.

A name goes into e-mails, letters, PDF documents and logs: a line break, a NUL or another
control character in it would break them or forge a line, and a name made only of invisible
characters would show as nothing. Both are refused, with a message in French.
"""

from __future__ import annotations

import unicodedata

INVISIBLE = frozenset("\u115f\u1160\u180e\u2800\u3164\uffa0")
"""Letters or symbols by their Unicode category that print as blank (Hangul fillers, the
Mongolian vowel separator, the blank Braille pattern)."""

CONTROL_MESSAGE = (
    "Ce champ contient un caractère de contrôle ou invisible (retour à la ligne, tabulation, "
    "caractère nul…) qui n'est pas admis."
)
BLANK_MESSAGE = "Ce champ ne contient aucun caractère visible."


def _forbidden(char: str) -> bool:
    """Control (Cc), format and zero-width (Cf), surrogate, private or unassigned characters,
    and the line and paragraph separators."""
    return unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")


def clean_name(value: str) -> str:
    """The name without its surrounding spaces; ``ValueError`` (French) if it holds a control
    or invisible character, or nothing visible."""
    if any(_forbidden(c) for c in value):
        raise ValueError(CONTROL_MESSAGE)
    stripped = value.strip()
    if not any(not c.isspace() and c not in INVISIBLE for c in stripped):
        raise ValueError(BLANK_MESSAGE)
    return stripped
