"""The PDF is sealed with a PAdES signature (pyHanko) by the certificate the service made on
its first start: validation sees it intact, and a changed byte breaks it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from attestations.adapters.cms_template import TemplateSigner, template_of
from attestations.adapters.pades import PadesSealer, ensure_self_signed
from attestations.verify import main as verify_main
from attestations_samples import Api, affiliate, assure, running_api
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


async def _status(pdf: bytes, cert: Path) -> tuple[bool, bool]:
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert))])
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = await async_validate_pdf_signature(signature, context)
    return status.intact, status.valid


async def _issued(api: Api) -> bytes:
    made = await api.client.post(
        "/v1/attestations", json={"affiliate_id": "aff-1", "kind": "affiliation"}, headers=assure()
    )
    assert made.status_code == 201, made.text
    return (await api.client.get(made.json()["pdf_url"], headers=assure())).content


async def _issued_to_files(folder: Path) -> bytes:
    """A certificate issued, written as ``a.pdf`` beside the published keys (``jwks.json``),
    as a stranger given both would have them; its bytes."""
    data = folder / "data"
    async with running_api(f"sqlite+aiosqlite:///{folder}/a.db", data, affiliate()) as api:
        pdf = await _issued(api)
        jwks = (await api.client.get("/.well-known/attestations-jwks.json")).json()
    (folder / "jwks.json").write_text(json.dumps(jwks))
    (folder / "a.pdf").write_bytes(pdf)
    return pdf


async def test_the_pdf_is_sealed_and_a_changed_byte_breaks_the_seal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_api(f"sqlite+aiosqlite:///{tmp_path}/a.db", data, affiliate()) as api:
        pdf = await _issued(api)
    cert = data / "pades" / "cert.pem"
    assert cert.exists()
    assert await _status(pdf, cert) == (True, True)
    at = pdf.index(b"stream") + 20  # a byte inside the first content stream, signed
    changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    assert len(changed) == len(pdf)
    assert (await _status(changed, cert))[0] is False


async def test_a_second_start_keeps_the_certificate_it_made(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_api(f"sqlite+aiosqlite:///{tmp_path}/a.db", data, affiliate()):
        pass
    first = (data / "pades" / "cert.pem").read_bytes()
    keys = sorted((data / "signing").glob("*.pem"))
    async with running_api(f"sqlite+aiosqlite:///{tmp_path}/b.db", data, affiliate()):
        pass
    assert (data / "pades" / "cert.pem").read_bytes() == first
    assert sorted((data / "signing").glob("*.pem")) == keys


async def test_the_offline_command_checks_the_seal_a_changed_byte_fails_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = await _issued_to_files(tmp_path)
    jwks_file = str(tmp_path / "jwks.json")
    # as the command runs, outside any event loop (pyHanko's validation runs its own)
    assert await asyncio.to_thread(verify_main, [str(tmp_path / "a.pdf"), "--jwks", jwks_file]) == 0
    said = capsys.readouterr().out
    assert "Signature valide." in said
    assert "Document intact depuis sa signature." in said
    issued = said.split("Délivrée le : ")[1].splitlines()[0]
    assert "-" not in issued  # a date in French, not ISO
    at = pdf.index(b"stream") + 20  # a byte of the page, not of the signed payload
    (tmp_path / "b.pdf").write_bytes(pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :])
    assert await asyncio.to_thread(verify_main, [str(tmp_path / "b.pdf"), "--jwks", jwks_file]) == 1
    assert "Document modifié après sa signature" in capsys.readouterr().out


async def test_a_signature_larger_than_the_room_reserved_grows_it_and_stays_valid(
    tmp_path: Path,
) -> None:
    key, cert = ensure_self_signed(tmp_path / "pades")
    sealer = PadesSealer(key, cert)
    sealer.reserved = 300  # far less than a CMS with its certificate needs
    page = io.BytesIO()
    drawing = canvas.Canvas(page, pagesize=A4)
    drawing.drawString(100, 100, "Attestation")
    drawing.showPage()
    drawing.save()
    sealed = await asyncio.to_thread(sealer.seal, page.getvalue())  # as the renderer calls it
    assert sealer.reserved > 300
    assert await _status(sealed, cert) == (True, True)


def _page(text: str) -> bytes:
    page = io.BytesIO()
    drawing = canvas.Canvas(page, pagesize=A4)
    drawing.drawString(100, 100, text)
    drawing.showPage()
    drawing.save()
    return page.getvalue()


def _signature_of(pdf: bytes) -> bytes:
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return bytes(embedded.signer_info["signature"].native)


async def test_seals_after_the_first_reuse_its_container_and_each_validates(
    tmp_path: Path,
) -> None:
    key, cert = ensure_self_signed(tmp_path / "pades")
    sealer = PadesSealer(key, cert)
    first = await asyncio.to_thread(sealer.seal, _page("premier"), {"/Cle": "un"})
    assert sealer.templated  # the first container, built by pyHanko, is now the template
    later = [
        await asyncio.to_thread(sealer.seal, _page(f"attestation {n}"), {"/Cle": f"v{n}"})
        for n in range(3)
    ]
    for sealed in [first, *later]:
        assert await _status(sealed, cert) == (True, True)
    signatures = {_signature_of(sealed) for sealed in later}
    assert len(signatures) == 3  # each its own digest and signature, not a copy
    infos = [PdfFileReader(io.BytesIO(sealed)).trailer["/Info"] for sealed in later]
    assert [info["/Cle"] for info in infos] == ["v0", "v1", "v2"]
    at = later[1].index(b"/Cle")  # the metadata added in the seal's increment is covered by it
    changed = later[1][:at] + later[1][at:].replace(b"(v1)", b"(v9)", 1)
    assert (await _status(changed, cert))[0] is False


async def test_a_container_with_a_signing_time_is_never_taken_as_a_template(tmp_path: Path) -> None:
    key, cert = ensure_self_signed(tmp_path / "pades")
    signer = TemplateSigner(signers.SimpleSigner.load(str(key), str(cert)))
    digest = hashlib.sha256(b"document").digest()
    # outside PAdES, pyHanko signs the time: no two containers share their signed attributes
    timed = PdfCMSSignedAttributes(signing_time=datetime.now(UTC))
    info = await signer.async_sign(digest, "sha256", signed_attr_settings=timed)
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    assert "signing_time" in {a["type"].native for a in attributes}
    assert template_of(info, digest) is None
    assert not signer.templated
    pades = await signer.async_sign(digest, "sha256", use_pades=True)
    assert template_of(pades, digest) is not None
    assert signer.templated


async def test_the_offline_command_run_as_a_stranger_would_says_only_french_lines(
    tmp_path: Path,
) -> None:
    await _issued_to_files(tmp_path)
    command = [sys.executable, "-m", "attestations.verify", str(tmp_path / "a.pdf")]
    done = await asyncio.to_thread(
        subprocess.run,
        [*command, "--jwks", str(tmp_path / "jwks.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Document intact depuis sa signature." in done.stdout
    # the seal's self-signed certificate is no trusted root: pyHanko's log of it, with its
    # English traceback, is not shown to the person checking the document
    assert done.stderr == ""
