"""French formatting for the templates: dates and amounts (the platform's ``servicekit.french``:
« le 1er décembre 2026 »), firms' names, links."""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from servicekit import french

PARIS = french.PARIS
MONTHS = french.MONTHS
french_datetime = french.day_and_time
"""``2026-12-01T09:00:00+00:00`` → ``1er décembre 2026 à 10 h 00`` (Paris time)."""
french_day = french.day
"""A day inside a sentence: ``2026-12-01`` → ``1er décembre 2026``."""
french_time = french.time_of_day
euros = french.euros
"""``1234.5`` → ``1 234,50 €``."""


def siren(value: str) -> str:
    """``732829320`` → ``732 829 320``."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3)) if digits else value


def firm(name: str) -> str:
    """A firm named in a sentence: ``cabinet Fiducial``, but ``Cabinet Martin`` as it is (never
    « votre cabinet Cabinet Martin »): written after an article (« du », « le », « votre »)."""
    return name if name.strip().lower().startswith("cabinet") else f"cabinet {name}"


LINK_START, LINK_END = "\ue000", "\ue001"
"""Around a link the template itself puts (the ``url`` filter): the only links of a mail."""
_NEUTRAL_START, _NEUTRAL_END = "\ue002", "\ue003"
"""Around a character of a name that would let a mail client make a link of it."""
_LINK = re.compile(f"{LINK_START}(.*?){LINK_END}", re.S)
_NEUTRAL = re.compile(f"{_NEUTRAL_START}(.){_NEUTRAL_END}", re.S)
_LINKABLE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*:/+|www\.)[^\s]*"  # a URL, with a scheme or www.
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|[\w-]+(?:\.[\w-]+)+",  # a domain name (and dotted words such as S.A.R.L)
    re.I,
)
_SEPARATORS = re.compile(r"[.:/@]")
ZERO_WIDTH_SPACE = "\u200b"
NAMES = frozenset(
    {
        "display_name",
        "recipient_name",
        "cabinet_name",
        "user_name",
        "client_name",
        "portfolio_name",
        "subscriber_name",
        "agency_name",
        "agency_address",
        "reason",
        "change",
    }
)
"""The context's values that come from people (names, a reason typed): text, never a link."""


def url(value: str) -> str:
    """A link the template puts in the mail (the ``url`` filter)."""
    return f"{LINK_START}{value}{LINK_END}"


def neutralised(value: str) -> str:
    """A name as text: in whatever looks like a URL, a domain or an address, each separator
    (``.``, ``:``, ``/``, ``@``) is marked, so that neither part of the mail makes a link of it
    (:func:`plain_text`, :func:`html_paragraph`)."""

    def mark(match: re.Match[str]) -> str:
        return _SEPARATORS.sub(lambda c: f"{_NEUTRAL_START}{c.group(0)}{_NEUTRAL_END}", match[0])

    return _LINKABLE.sub(mark, value)


def plain_text(text: str) -> str:
    """The plain part: a template's link as it is; a name's separators followed by a
    zero-width space (shown the same, no longer a link for a mail client)."""
    text = _LINK.sub(lambda m: m.group(1), text)
    return _NEUTRAL.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, text)


def html_paragraph(text: str) -> Markup:
    """Escape a paragraph; only the template's links become links, and a name's separators
    are each wrapped in a ``<span>`` and followed by a zero-width space (no auto-linking)."""

    def as_text(piece: str) -> str:
        escaped = str(escape(piece))
        return _NEUTRAL.sub(lambda m: f"<span>{m.group(1)}</span>&#8203;", escaped)

    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(as_text(text[last : match.start()]))
        link = str(escape(match.group(1)))
        out.append(f'<a href="{link}">{link}</a>')
        last = match.end()
    out.append(as_text(text[last:]))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def without_marks(text: str) -> str:
    """Text with no mark at all (a letter, printed: no link to neutralise)."""
    text = _LINK.sub(lambda m: m.group(1), text)
    return _NEUTRAL.sub(lambda m: m.group(1), text)
