"""French formatting for the templates: dates and amounts (the platform's ``servicekit.french``:
« le 1er décembre 2026 »), firms' names, links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from markupsafe import Markup, escape
from servicekit import french

PARIS = french.PARIS
MONTHS = french.MONTHS
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
euros = french.euros
"""``1234.5`` → ``1 234,50 €``."""


def wall_clock(value: str | datetime) -> datetime:
    """An instant as the clock of the place it concerns reads it. The rule: Paris time
    (``Europe/Paris``, summer time included), unless the value carries an offset that is
    neither UTC's nor Paris's at that instant: it was then written in the local time of a place
    elsewhere (an overseas agency, ``-04:00`` in Martinique, ``+04:00`` in La Réunion), which
    is kept as it is. A value without an offset is UTC, as every instant on the bus."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    paris = instant.astimezone(PARIS)
    offset = instant.utcoffset()
    if not offset or offset == paris.utcoffset():
        return paris
    return instant


def french_datetime(value: str | datetime) -> str:
    """``2026-12-01T09:00:00+00:00`` → ``1er décembre 2026 à 10 h 00`` (:func:`wall_clock`)."""
    local = wall_clock(value)
    return f"{french.day(local.date())} à {french_time(local)}"


def french_time(value: str | datetime) -> str:
    """``2026-03-10T07:30:00+00:00`` → ``8 h 30``; ``2026-07-10T06:30:00+00:00`` → ``8 h 30``."""
    local = wall_clock(value)
    return f"{local.hour} h {local.minute:02d}"


def french_day(value: str | date | datetime) -> str:
    """A day inside a sentence: ``2026-12-01`` → ``1er décembre 2026``; an instant's day is
    its :func:`wall_clock`'s."""
    if (isinstance(value, str) and "T" in value) or isinstance(value, datetime):
        value = wall_clock(value).date()
    return french.day(value)


def french_weekday(value: str | date | datetime) -> str:
    """The day with its name: ``2026-03-10T09:30:00+00:00`` → ``mardi 10 mars 2026``."""
    if (isinstance(value, str) and "T" in value) or isinstance(value, datetime):
        value = wall_clock(value).date()
    elif isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{WEEKDAYS[value.weekday()]} {french.day(value)}"


def french_moment(value: str | datetime) -> str:
    """An appointment's start: ``2026-03-10T08:30:00+00:00`` → ``mardi 10 mars 2026 à 9 h 30``."""
    return f"{french_weekday(value)} à {french_time(value)}"


CHANNELS = {
    "agence": "à l'agence",
    "telephone": "par téléphone",
    "visio": "en visioconférence",
}
"""How an appointment takes place, in words (after « rendez-vous »)."""


def channel(value: str) -> str:
    """``telephone`` → ``par téléphone``."""
    return CHANNELS[value]


"""``1234.5`` → ``1 234,50 €``."""


def siren(value: str) -> str:
    """``732829320`` → ``732 829 320``."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3)) if digits else value


def firm(name: str) -> str:
    """A firm named in a sentence: ``cabinet Fiducial``, but ``Cabinet Martin`` as it is (never
    « votre cabinet Cabinet Martin »): written after an article (« du », « le », « votre »)."""
    return name if name.strip().lower().startswith("cabinet") else f"cabinet {name}"


def agency(name: str) -> str:
    """An agency named after an article: ``agence Lyon Part-Dieu``, but ``Agence de Paris
    Centre`` as it is (« l'Agence de Paris Centre », never « l'agence Agence de … »)."""
    return name if name.strip().lower().startswith("agence") else f"agence {name}"


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
        "object_label",
        "note",
        "explanation",
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
