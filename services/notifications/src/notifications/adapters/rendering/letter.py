"""Postal letters as print-ready A4 PDF (fpdf2), every font embedded: print shops refuse a PDF
whose fonts are not. The faces are DejaVu Sans (text, bold) and DejaVu Sans Mono Bold (the
key), TrueType files kept under ``notifications/fonts/`` with their licence, reduced to the
Latin, Latin Extended and punctuation characters (``pyftsubset``); fpdf2 embeds the subset of
glyphs each letter uses (``/FontFile2``).

Layout for a French window envelope (DL, window on the right): the recipient's address block
is printed inside the window, as ``domain/letters.py`` says (:data:`ADDRESS_WINDOW`, at most 6
lines of 38 characters, as La Poste's addressing standard asks). The sender block is at
the top left, then the place and date, the reference, the subject and the body. An activation
key is printed large, in a monospace face, in the groups it arrives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

from fpdf import FPDF

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


FONTS = files("notifications") / "fonts"
TEXT_FACE, KEY_FACE = "DejaVuSans", "DejaVuSansMono"
_FACES = (
    (TEXT_FACE, "", "DejaVuSans.ttf"),
    (TEXT_FACE, "B", "DejaVuSans-Bold.ttf"),
    (KEY_FACE, "B", "DejaVuSansMono-Bold.ttf"),
)


def _embed_fonts(pdf: FPDF) -> None:
    for family, style, filename in _FACES:
        pdf.add_font(family, style, str(FONTS / filename))


def printable(text: str) -> str:
    """The few typographic characters letters write plainly (amounts in words: « euros »)."""
    return text.translate(_LATIN1).replace(" €", " euros")


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    subject: str
    address_lines: tuple[str, ...]


TEXT_WIDTH = A4_WIDTH - 40
PAGE_BOTTOM = A4_HEIGHT - 20


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap measuring each word once (fpdf2's multi_cell re-measures whole lines,
    which costs more than all the rest of a letter)."""
    widths: dict[str, float] = {}

    def measure(word: str) -> float:
        if word not in widths:
            widths[word] = pdf.get_string_width(word)
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


def _lines(pdf: FPDF, text: str, baseline: float, height: float) -> float:
    """Write ``text`` from ``baseline`` down; return the baseline of its last line."""
    y = baseline
    for i, line in enumerate(_wrap(pdf, text, TEXT_WIDTH)):
        if i:
            y += height
        if y > PAGE_BOTTOM:
            pdf.add_page()
            y = 25.0
        pdf.text(20, y, line)
    return y


def _french_date(today: date) -> str:
    return f"Paris, le {french_day(today)}"


def render_letter(kind: MessageKind, context: dict[str, Any], today: date) -> RenderedLetter:
    if KINDS[kind].channel != "letter":
        raise ValueError(f"{kind.value} is not a letter")
    subject, paragraphs = render_blocks("letter", kind, context)
    address = address_block(context["recipient_name"], context["address_lines"])
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_compression(True)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)
    pdf.set_title(printable(subject))
    pdf.set_creator("Mon compte")
    _embed_fonts(pdf)
    pdf.add_page()
    pdf.set_font(TEXT_FACE, size=9)
    for i, line in enumerate(sender(kind)):
        pdf.text(20, 18 + i * 4.2, printable(line))
    pdf.set_font(TEXT_FACE, size=10)
    top = ADDRESS_WINDOW.y + ADDRESS_MARGIN + 3
    for i, line in enumerate(address):
        pdf.text(ADDRESS_WINDOW.x + ADDRESS_MARGIN, top + i * 4.8, printable(line))
    pdf.set_xy(20, 100)
    pdf.cell(0, 5, printable(_french_date(today)), align="R")
    pdf.set_xy(20, 100)
    pdf.cell(0, 5, printable(f"Référence : {context['reference']}"))
    pdf.set_font(TEXT_FACE, style="B", size=11)
    y = _lines(pdf, printable(subject), 117.0, 5.5)
    y += 4
    key = str(context.get("activation_key", ""))
    for paragraph in paragraphs:
        if key and paragraph == key:
            pdf.set_xy(20, y + 2)
            pdf.set_font(KEY_FACE, style="B", size=22)
            pdf.cell(0, 12, printable(key), align="C", border=1)
            y += 18
            continue
        pdf.set_font(TEXT_FACE, size=10.5)
        y = _lines(pdf, printable(paragraph), y + 5.2, 5.2) + 3
    return RenderedLetter(pdf=bytes(pdf.output()), subject=subject, address_lines=address)
