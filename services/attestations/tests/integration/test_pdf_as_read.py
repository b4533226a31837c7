"""The certificate as a person sees it: page 1 rendered to a PNG (kept as a test artefact under
``var/test-artefacts/``), A4, its words in French — the title, the holder, the period, the
statement, the security code — and its QR code, read off the rendered page by a QR reader
(zxing-cpp), is the signed payload."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from attestations.adapters.pdf import payload_of
from attestations_samples import affiliate, assure, recorded, running_api

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "var/test-artefacts"))
A4_POINTS = (595, 842)


async def _vigilance_pdf(tmp_path: Path) -> tuple[dict[str, str], bytes]:
    db, data = f"sqlite+aiosqlite:///{tmp_path}/a.db", tmp_path / "data"
    async with running_api(db, data, affiliate("aff-1", "artisan"), recorded()) as api:
        ask = {"affiliate_id": "aff-1", "kind": "vigilance"}
        made = await api.client.post("/v1/attestations", json=ask, headers=assure())
        assert made.status_code == 201, made.text
        pdf = await api.client.get(made.json()["pdf_url"], headers=assure())
    return made.json(), pdf.content


async def test_page_one_reads_in_french_on_a4_with_the_holder_period_code_and_qr(
    tmp_path: Path,
) -> None:
    made, pdf = await _vigilance_pdf(tmp_path)
    page = pdfium.PdfDocument(pdf)[0]
    assert tuple(round(x) for x in page.get_size()) == A4_POINTS
    text = " ".join(page.get_textpage().get_text_bounded().split())
    for said in (
        "Attestation de vigilance",
        made["holder"],
        made["period"],  # « du 10 mars 2026 au 10 septembre 2026 »
        made["statement"],
        made["code"],
    ):
        assert said in text, said
    for english in ("Certificate", "valid until", "Issued", "Holder"):
        assert english not in text, english

    rendered = page.render(scale=150 / 72).to_pil()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    rendered.save(ARTEFACTS / "attestation-vigilance-page1.png")
    width, height = rendered.size  # 150 dpi of 210 × 297 mm
    assert abs(width - 1240) <= 1
    assert abs(height - 1754) <= 1
    ink = sum(rendered.convert("L").histogram()[:128])  # pixels darker than mid-grey
    assert ink > 10_000  # words and a QR code drawn, not a blank page

    (read,) = zxingcpp.read_barcodes(rendered, formats=zxingcpp.BarcodeFormat.QRCode)
    assert read.text == payload_of(pdf)  # the page's QR code is the payload kept in the PDF
    assert read.text.startswith("MCA1.")
