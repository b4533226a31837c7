"""Postal letters as print-ready A4 PDF (reportlab), every font embedded: print shops refuse a
PDF whose fonts are not. The faces are DejaVu Sans (text, bold) and DejaVu Sans Mono Bold (the
key), TrueType files kept under ``notifications/fonts/`` with their licence, reduced to the
Latin, Latin Extended and punctuation characters (``pyftsubset``); reportlab embeds the subset
of glyphs each letter uses (``/FontFile2``), with its ``/ToUnicode`` map, so that the text
stays extractable.

The fonts are parsed once per process (:func:`register_fonts`, idempotent and thread-safe, at
the first letter), and what reportlab makes for a subset of a font (the font file, its widths,
its ToUnicode map) is kept for the next letters that embed the same subset, which letters of
one kind nearly all do: a letter then costs little more than its own drawing.

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
import zlib
from dataclasses import dataclass
from datetime import date
from importlib.resources import as_file, files
from typing import Any

from reportlab.lib import units
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.pdfgen.canvas import Canvas

from notifications.adapters.rendering.formatting import french_day
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
SUBSETS_KEPT = 64
"""Subsets whose objects a face (font file) and a font (widths, ToUnicode map) keep, at most;
beyond, they start again. A subset holds the ASCII characters, always, and the others a letter
uses in the order it uses them: letters of one kind nearly all share theirs."""


class _Face(TTFontFace):  # type: ignore[misc]  # reportlab has no types
    """A TrueType face that keeps the font files it embeds: the subset of a set of glyphs, and
    that subset deflated, are made once instead of at every letter (they are most of what
    reportlab does for a letter). What is embedded is exactly what reportlab would embed."""

    _files: dict[tuple[int, ...], tuple[bytes, bytes]]

    def _file(self, subset: list[int]) -> tuple[bytes, bytes]:
        key = tuple(subset)
        made = self._files.get(key)
        if made is None:
            raw = super().makeSubset(subset)
            made = (raw, zlib.compress(raw))
            if len(self._files) >= SUBSETS_KEPT:
                self._files.clear()
            self._files[key] = made
        return made

    def makeSubset(self, subset: list[int]) -> bytes:  # noqa: N802 - reportlab's name
        return self._file(subset)[0]

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802
        descriptor = super().addSubsetObjects(doc, fontname, subset)
        if doc.compression:  # the font file deflated once, not at every letter
            stream = doc.idToObject[f"fontFile:{self.filename}({fontname})"]
            stream.content = self._file(subset)[1]
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        return descriptor


class _Font(TTFont):  # type: ignore[misc]  # reportlab has no types
    """A TrueType font that keeps, for each subset it embeds, its widths written out and its
    ToUnicode map deflated: made once, not at every letter. Written as reportlab writes them."""

    _objects: dict[tuple[str, tuple[int, ...]], tuple[bytes, bytes]]

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._objects = {}

    def _kept(self, doc: Any, base_font: str, subset: list[int], cmap: Any) -> tuple[bytes, bytes]:
        key = (base_font, tuple(subset))
        made = self._objects.get(key)
        if made is None:
            widths = pdfdoc.PDFArray([self.face.getCharWidth(code) for code in subset])
            made = (widths.format(doc), zlib.compress(cmap.content.encode()))
            if len(self._objects) >= SUBSETS_KEPT:
                self._objects.clear()
            self._objects[key] = made
        return made

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - reportlab's name
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        internal_name = state.internalName if state is not None else None
        super().addObjects(doc)
        if not doc.compression or internal_name is None:
            return
        fonts = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(subsets):
            pdf_font = fonts[f"{internal_name}+{n}"]
            cmap = doc.idToObject[f"toUnicodeCMap:{pdf_font.BaseFont}"]
            widths, deflated_cmap = self._kept(doc, pdf_font.BaseFont, subset, cmap)
            pdf_font.Widths = widths
            cmap.content = deflated_cmap
            cmap.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])


_registered = False
_registering = threading.Lock()


def register_fonts() -> None:
    """Parse the TrueType files and register them with reportlab, once per process: every
    letter of the process then shares them (reportlab keeps each document's subsets apart)."""
    global _registered  # noqa: PLW0603 - the process-wide registration, done once
    if _registered:
        return
    with _registering:
        if _registered:
            return
        for name, filename in _FACES:
            with as_file(FONTS / filename) as path:
                font = _Font(name, str(path))
            font.face.__class__ = _Face  # the same parsed face, keeping its font files
            font.face._files = {}
            pdfmetrics.registerFont(font)
        _registered = True


PAGE_COMPRESSION = True
"""Page contents, font files and ToUnicode maps deflated. Measured on a key letter: 51 kB
deflated against 72 kB not, and faster (about 1.9 against 2.4 ms): what is deflated for one
letter is kept for the next ones (:class:`_Face`, :class:`_Font`), and there is less to write."""


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
MM: float = units.mm
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


class _Page:
    """A canvas written from the top left in millimetres, which keeps its font and line width
    across page breaks (reportlab resets the graphics state at each page)."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.face, self.size = TEXT_FACE, 10.0
        canvas.setLineWidth(LINE_WIDTH * MM)

    def font(self, face: str, size: float) -> None:
        self.face, self.size = face, size
        self.canvas.setFont(face, size)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.canvas.setFont(self.face, self.size)
        self.canvas.setLineWidth(LINE_WIDTH * MM)

    def text(self, x: float, y: float, line: str) -> None:
        self.canvas.drawString(_x(x), _y(y), line)

    def width(self, text: str) -> float:
        """``text``'s width in millimetres in the current font."""
        points: float = pdfmetrics.stringWidth(text, self.face, self.size)
        return points / MM

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap measuring each word once."""
        widths: dict[str, float] = {}

        def measure(word: str) -> float:
            if word not in widths:
                widths[word] = self.width(word)
            return widths[word]

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
        return lines

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
        self.canvas.rect(
            _x(LEFT), _y(top + KEY_BOX_HEIGHT), TEXT_WIDTH * MM, KEY_BOX_HEIGHT * MM, stroke=1
        )
        baseline = _cell_baseline(top, KEY_BOX_HEIGHT, 22)
        self.canvas.drawCentredString(_x(LEFT + TEXT_WIDTH / 2), _y(baseline), key)
        return top


def _french_date(today: date) -> str:
    return f"Paris, le {french_day(today)}"


def render_letter(kind: MessageKind, context: dict[str, Any], today: date) -> RenderedLetter:
    if KINDS[kind].channel != "letter":
        raise ValueError(f"{kind.value} is not a letter")
    subject, paragraphs = render_blocks("letter", kind, context)
    address = address_block(context["recipient_name"], context["address_lines"])
    register_fonts()
    canvas = Canvas(
        None,
        pagesize=(A4_WIDTH * MM, A4_HEIGHT * MM),
        pageCompression=PAGE_COMPRESSION,
        initialFontName=TEXT_FACE,
        initialFontSize=10,
    )
    canvas.setTitle(printable(subject))
    canvas.setCreator("Mon compte")
    page = _Page(canvas)
    page.font(TEXT_FACE, 9)
    for i, line in enumerate(sender(kind)):
        page.text(LEFT, 18 + i * 4.2, printable(line))
    page.font(TEXT_FACE, 10)
    top = ADDRESS_WINDOW.y + ADDRESS_MARGIN + 3
    for i, line in enumerate(address):
        page.text(ADDRESS_WINDOW.x + ADDRESS_MARGIN, top + i * 4.8, printable(line))
    baseline = _cell_baseline(100, 5, 10)
    canvas.drawRightString(
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
    canvas.showPage()
    return RenderedLetter(pdf=canvas.getpdfdata(), subject=subject, address_lines=address)
