"""Postal letters as print-ready A4 PDF, every font embedded: print shops refuse a PDF whose
fonts are not. The faces are DejaVu Sans (text, bold) and DejaVu Sans Mono Bold (the key),
TrueType files kept under ``notifications/fonts/`` with their licence, reduced to the Latin,
Latin Extended and punctuation characters (``pyftsubset``); each letter embeds the subset of
glyphs it uses (``/FontFile2``), with its ``/ToUnicode`` map, so that the text stays
extractable. The file is written by :mod:`.pdf`: the fonts are parsed once per process
(:func:`faces`), and what letters share (a subset's font file, widths, descriptor and map) is
made once and kept, so that a letter costs little more than its own text.

Layout for a French window envelope (DL, window on the right): the recipient's address block
is printed inside the window, as ``domain/letters.py`` says (:data:`ADDRESS_WINDOW`, at most 6
lines of 38 characters, as La Poste's addressing standard asks). The sender block is at
the top left, then the place and date, the reference, the subject and the body. An activation
key is printed large, in a monospace face, in the groups it arrives in.

Positions are in millimetres from the top left corner of the page, as the layout is designed;
:func:`_x` and :func:`_y` turn them into PDF points from the bottom left corner.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from importlib.resources import as_file, files
from typing import Any

from notifications.adapters.rendering.formatting import french_day
from notifications.adapters.rendering.pdf import Document, Face
from notifications.adapters.rendering.templating import render_blocks
from notifications.domain.kinds import KINDS, MessageKind
from notifications.domain.letters import ADDRESS_MARGIN, ADDRESS_WINDOW, address_block

A4_WIDTH, A4_HEIGHT = 210.0, 297.0
SENDER_ADDRESS = ("TSA 60017", "75901 PARIS CEDEX 15")
SERVICES = {
    MessageKind.ACTIVATION_KEY_LETTER: "Mon compte — Service des mandats",
    MessageKind.ECHEANCIER_RECTIFICATIF_LETTER: "Mon compte — Service des cotisations",
}
"""The service each letter comes from, on its sender line: the mandates for a key, the
contributions for an échéancier."""


def sender(kind: MessageKind) -> tuple[str, ...]:
    return ("Sécurité sociale des indépendants", SERVICES[kind], *SENDER_ADDRESS)


_LATIN1 = str.maketrans(
    {
        "\u202f": " ",
        "\u00a0": " ",
        "—": "-",
        "–": "-",
        "’": "'",
        "‘": "'",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
    }
)


def printable(text: str) -> str:
    """The few typographic characters letters write plainly (amounts in words: « euros »)."""
    return text.translate(_LATIN1).replace(" €", " euros")


FONTS = files("notifications") / "fonts"
TEXT_FACE, TEXT_BOLD_FACE, KEY_FACE = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono-Bold"
_FACES = (
    (TEXT_FACE, "DejaVuSans.ttf"),
    (TEXT_BOLD_FACE, "DejaVuSans-Bold.ttf"),
    (KEY_FACE, "DejaVuSansMono-Bold.ttf"),
)
_faces: dict[str, Face] = {}
_loading = threading.Lock()


def faces() -> dict[str, Face]:
    """The three faces, parsed once per process: every letter of the process shares them."""
    if not _faces:
        with _loading:
            if not _faces:
                loaded = {}
                for name, filename in _FACES:
                    with as_file(FONTS / filename) as path:
                        loaded[name] = Face(str(path))
                _faces.update(loaded)
    return _faces


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    subject: str
    address_lines: tuple[str, ...]


LEFT = 20.0
TEXT_WIDTH = A4_WIDTH - 2 * LEFT
PAGE_TOP, PAGE_BOTTOM = 15.0, A4_HEIGHT - 20
NEXT_PAGE_FIRST_LINE = 25.0
CELL_MARGIN = 1.0
"""The text of a cell (the date, the reference) is set this far inside the cell's edges."""
KEY_BOX_HEIGHT = 12.0
LINE_WIDTH = 0.2
MM: float = 72 / 25.4
"""A millimetre, in PDF points."""
PT = 25.4 / 72
"""A point, in millimetres: font sizes are in points."""


def _x(x: float) -> float:
    return x * MM


def _y(y: float) -> float:
    return (A4_HEIGHT - y) * MM


def _cell_baseline(top: float, height: float, size: float) -> float:
    """The baseline of one line of text vertically centred in a cell (``size`` in points)."""
    return top + height / 2 + 0.3 * size * PT


WRAPPED_KEPT = 10_000
"""Paragraphs whose lines are kept, at most (by face, size, width and text)."""
_WRAPPED: dict[tuple[str, float, float, str], tuple[str, ...]] = {}


class _Page:
    """A document written from the top left in millimetres, in the current font."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.face, self.size = TEXT_FACE, 10.0
        document.set_line_width(LINE_WIDTH * MM)

    def font(self, face: str, size: float) -> None:
        self.face, self.size = face, size
        self.document.set_font(face, size)

    def new_page(self) -> None:
        self.document.new_page()

    def text(self, x: float, y: float, line: str) -> None:
        self.document.text(_x(x), _y(y), line)

    def width(self, text: str) -> float:
        """``text``'s width in millimetres in the current font."""
        return self.document.string_width(text) / MM

    def wrap(self, text: str, width: float) -> tuple[str, ...]:
        """Greedy word wrap (the paragraphs letters share are wrapped once per process)."""
        key = (self.face, self.size, width, text)
        lines = _WRAPPED.get(key)
        if lines is None:
            lines = self._wrap(text, width)
            if len(_WRAPPED) >= WRAPPED_KEPT:
                _WRAPPED.clear()
            _WRAPPED[key] = lines
        return lines

    def _wrap(self, text: str, width: float) -> tuple[str, ...]:
        measure = self.width
        space = measure(" ")
        lines: list[str] = []
        for source in text.splitlines() or [""]:
            current: list[str] = []
            used = 0.0
            for word in source.split(" "):
                w = measure(word)
                if current and used + space + w > width:
                    lines.append(" ".join(current))
                    current, used = [], 0.0
                used += (space if current else 0.0) + w
                current.append(word)
            lines.append(" ".join(current))
        return tuple(lines)

    def lines(self, text: str, baseline: float, height: float) -> float:
        """Write ``text`` from ``baseline`` down; return the baseline of its last line."""
        y = baseline
        for i, line in enumerate(self.wrap(text, TEXT_WIDTH)):
            if i:
                y += height
            if y > PAGE_BOTTOM:
                self.new_page()
                y = NEXT_PAGE_FIRST_LINE
            self.text(LEFT, y, line)
        return y

    def key(self, key: str, top: float) -> float:
        """The key large and centred in a framed box from ``top`` (on the next page when the
        box would cross the bottom margin); return the top of the box."""
        if top + KEY_BOX_HEIGHT > PAGE_BOTTOM:
            self.new_page()
            top = PAGE_TOP
        self.font(KEY_FACE, 22)
        self.document.box(_x(LEFT), _y(top + KEY_BOX_HEIGHT), TEXT_WIDTH * MM, KEY_BOX_HEIGHT * MM)
        baseline = _cell_baseline(top, KEY_BOX_HEIGHT, 22)
        self.document.centred_text(_x(LEFT + TEXT_WIDTH / 2), _y(baseline), key)
        return top


def _french_date(today: date) -> str:
    return f"Paris, le {french_day(today)}"


def render_letter(kind: MessageKind, context: dict[str, Any], today: date) -> RenderedLetter:
    if KINDS[kind].channel != "letter":
        raise ValueError(f"{kind.value} is not a letter")
    subject, paragraphs = render_blocks("letter", kind, context)
    address = address_block(context["recipient_name"], context["address_lines"])
    document = Document(A4_WIDTH * MM, A4_HEIGHT * MM, faces())
    page = _Page(document)
    page.font(TEXT_FACE, 9)
    for i, line in enumerate(sender(kind)):
        page.text(LEFT, 18 + i * 4.2, printable(line))
    page.font(TEXT_FACE, 10)
    top = ADDRESS_WINDOW.y + ADDRESS_MARGIN + 3
    for i, line in enumerate(address):
        page.text(ADDRESS_WINDOW.x + ADDRESS_MARGIN, top + i * 4.8, printable(line))
    baseline = _cell_baseline(100, 5, 10)
    document.right_text(
        _x(LEFT + TEXT_WIDTH - CELL_MARGIN), _y(baseline), printable(_french_date(today))
    )
    page.text(LEFT + CELL_MARGIN, baseline, printable(f"Référence : {context['reference']}"))
    page.font(TEXT_BOLD_FACE, 11)
    y = page.lines(printable(subject), 117.0, 5.5)
    y += 4
    key = str(context.get("activation_key", ""))
    for paragraph in paragraphs:
        if key and paragraph == key:
            y = page.key(printable(key), y + 2) - 2
            y += 18
            continue
        page.font(TEXT_FACE, 10.5)
        y = page.lines(printable(paragraph), y + 5.2, 5.2) + 3
    pdf = document.pdf(title=printable(subject), creator="Mon compte", dated=today)
    return RenderedLetter(pdf=pdf, subject=subject, address_lines=address)
