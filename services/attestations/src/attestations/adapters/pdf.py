"""The certificate's PDF: A4, in French, with its QR code (segno) and its signed payload also
kept as document metadata (``/MonCompteAttestation``), readable with any PDF library without
decoding the QR image. The document is then sealed with a PAdES signature (``pades``)."""

from __future__ import annotations

import asyncio
import io

import segno
from attestations.adapters.pades import PadesSealer
from attestations.domain.codes import format_code
from attestations.domain.french import long_date
from attestations.domain.model import Content
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

MASK = 0
"""The QR code's mask pattern, fixed: any of the eight is valid, and choosing one spares
scoring all eight for every certificate (four fifths of drawing the QR code)."""

PAYLOAD_KEY = "/MonCompteAttestation"
BODY = "Mon compte — Sécurité sociale des indépendants"


def _wrap(text: str, width: int = 88) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def draw(code: str, content: Content, payload: str) -> bytes:
    """The unsigned PDF (reproducible: reportlab's invariant mode)."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(content.title)
    c.setAuthor(BODY)
    c.setSubject(f"{content.title} — code {format_code(code)}")
    width, height = A4
    y = height - 25 * mm
    c.setFont("Helvetica-Bold", 16)
    c.drawString(20 * mm, y, content.title)
    c.setFont("Helvetica", 10)
    c.drawString(20 * mm, y - 7 * mm, BODY)
    y -= 25 * mm
    rows = [
        ("Titulaire", content.holder),
        ("SIREN", content.siren or "—"),
        ("Période", content.period),
        ("Date de délivrance", long_date(content.issued_on)),
    ]
    if content.valid_until:
        rows.append(("Valable jusqu'au", long_date(content.valid_until)))
    for label, value in rows:
        c.setFont("Helvetica-Bold", 11)
        c.drawString(20 * mm, y, f"{label} :")
        c.setFont("Helvetica", 11)
        c.drawString(65 * mm, y, value)
        y -= 7 * mm
    y -= 6 * mm
    c.setFont("Helvetica", 11)
    for line in _wrap(f"La caisse atteste que {content.holder} {content.statement}."):
        c.drawString(20 * mm, y, line)
        y -= 6 * mm
    y -= 10 * mm
    c.setFont("Helvetica-Bold", 12)
    c.drawString(20 * mm, y, f"Code de sécurité : {format_code(code)}")
    c.setFont("Helvetica", 9)
    for line in _wrap(
        "Vérifiez l'authenticité et le contenu de cette attestation sur le service public de "
        "vérification avec ce code, ou hors ligne avec le QR code et la clé publique "
        "de la caisse.",
        100,
    ):
        y -= 5 * mm
        c.drawString(20 * mm, y, line)
    _draw_qr(c, payload, x=width - 70 * mm, y=20 * mm, size=50 * mm)
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.add_metadata({PAYLOAD_KEY: payload})
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def _draw_qr(c: canvas.Canvas, payload: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom or print size, no image to encode):
    each row's runs of dark modules are one rectangle, inside a two-module quiet zone."""
    qr = segno.make(payload, error="m", mask=MASK)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    module = size / len(rows)
    path = c.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(x + start * module, top, (col - start) * module, module)
                start = None
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def payload_of(pdf: bytes) -> str | None:
    """The signed payload a certificate's PDF carries in its metadata."""
    meta = PdfReader(io.BytesIO(pdf)).metadata
    value = None if meta is None else meta.get(PAYLOAD_KEY)
    return None if value is None else str(value)


class PdfRenderer:
    def __init__(self, sealer: PadesSealer | None) -> None:
        self._sealer = sealer

    def _render(self, code: str, content: Content, payload: str) -> bytes:
        pdf = draw(code, content, payload)
        return self._sealer.seal(pdf) if self._sealer else pdf

    async def render(self, code: str, content: Content, payload: str) -> bytes:
        return await asyncio.to_thread(self._render, code, content, payload)
