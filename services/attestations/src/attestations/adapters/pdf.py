"""The certificate's PDF: A4, in French, with its QR code (zxing-cpp's encoder, in C++) and its
signed payload also kept as document metadata (``/MonCompteAttestation``), readable with any PDF
library without decoding the QR image. The document is then sealed with a PAdES signature
(``pades``), whose incremental update also adds the payload to the metadata."""

from __future__ import annotations

import asyncio
import io
import re

import zxingcpp
from attestations.adapters.pades import PadesSealer
from attestations.domain.codes import format_code
from attestations.domain.french import long_date
from attestations.domain.model import Content
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

QUIET = 2
"""The QR code's quiet zone, in modules, on each side."""
DARK_RUN = re.compile(rb"\x00+")
"""A run of dark modules in a row of zxing-cpp's symbol (a byte a module, 0 for dark)."""

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
    """The page, with its QR code, before the payload is added to its metadata (reproducible:
    reportlab's invariant mode)."""
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
    return out.getvalue()


def with_payload(pdf: bytes, payload: str) -> bytes:
    """An unsealed PDF with the signed payload in its metadata (the sealed one gets it in the
    seal's own increment)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({PAYLOAD_KEY: payload})
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def _draw_qr(c: canvas.Canvas, payload: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom or print size, no image to encode):
    each row's runs of dark modules are one rectangle, inside a two-module quiet zone. The
    rectangles are written as one path of PDF operators (``re``, then one fill), without a
    Python object per rectangle."""
    symbol = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    side = int(image.shape[0])
    # one byte a module, 0 for a dark one (the stub leaves out the buffer protocol it has)
    cells = memoryview(image).tobytes()  # type: ignore[arg-type]
    module = size / (side + 2 * QUIET)
    ops: list[str] = []
    for r in range(side):
        top = y + size - (r + QUIET + 1) * module
        for run in DARK_RUN.finditer(cells, r * side, (r + 1) * side):
            left = x + (run.start() - r * side + QUIET) * module
            width = (run.end() - run.start()) * module
            ops.append(f"{left:.3f} {top:.3f} {width:.3f} {module:.3f} re")
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    c.addLiteral("\n".join([*ops, "f"]))
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
        if self._sealer is None:
            return with_payload(pdf, payload)
        return self._sealer.seal(pdf, {PAYLOAD_KEY: payload})

    async def render(self, code: str, content: Content, payload: str) -> bytes:
        return await asyncio.to_thread(self._render, code, content, payload)
