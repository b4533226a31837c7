"""PAdES signature of the certificates' PDFs (pyHanko).

In development the service makes a self-signed certificate on its first start and keeps it
under its data directory (``<data>/pades/key.pem``, ``cert.pem``); in production the key and a
certificate of a qualified provider are put there instead.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from attestations.adapters.cms_template import TemplateSigner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError

SIGNER_NAME = "Mon compte — service des attestations"


def ensure_self_signed(folder: Path) -> tuple[Path, Path]:
    """The key and certificate under ``folder``, made on first use (exclusive create)."""
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mon compte (développement)"),
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER_NAME),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    lock = folder / ".making"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _made_by_another(key_path, cert_path)
    os.close(fd)
    for path, data in ((key_path, pem), (cert_path, cert.public_bytes(serialization.Encoding.PEM))):
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o600)
        tmp.replace(path)  # the certificate last: its presence means both are there
    return key_path, cert_path


def _made_by_another(key_path: Path, cert_path: Path, wait_s: float = 10.0) -> tuple[Path, Path]:
    """Another process is making the key and certificate: wait for them."""
    deadline = time.monotonic() + wait_s
    while not (key_path.exists() and cert_path.exists()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no PAdES certificate appeared in {cert_path.parent}")
        time.sleep(0.05)
    return key_path, cert_path


def _add_information(writer: IncrementalPdfFileWriter, metadata: Mapping[str, str]) -> None:
    reference = writer.trailer.raw_get("/Info")
    information = reference.get_object()
    for key, value in metadata.items():
        information[generic.NameObject(key)] = generic.TextStringObject(value)
    writer.mark_update(reference)


class PadesSealer:
    def __init__(self, key_path: Path, cert_path: Path) -> None:
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path))  # type: ignore[no-untyped-call]
        if signer is None:
            raise RuntimeError(f"cannot read the PAdES key or certificate in {key_path.parent}")
        self._signer = TemplateSigner(signer)
        self.cert_path = cert_path
        # room for the CMS signature: the certificate (and its chain) once, the signed
        # attributes, the signature. Reserving it spares pyHanko a dry-run signature per
        # document (half the sealing time); a chain larger than foreseen doubles it once.
        self.reserved = 2048 + 4 * len(cert_path.read_bytes())
        self._meta = signers.PdfSignatureMetadata(
            field_name="Signature",
            subfilter=SigSeedSubFilter.PADES,
            reason="Attestation délivrée par la caisse",
            name=SIGNER_NAME,
        )

    @property
    def templated(self) -> bool:
        """Whether seals now reuse the first one's CMS container (``cms_template``)."""
        return self._signer.templated

    def seal(self, pdf: bytes, metadata: Mapping[str, str] | None = None) -> bytes:
        """``pdf`` sealed in one incremental update, which also adds ``metadata`` (``/Key`` to
        text) to the document information: covered by the seal, and no second rewrite."""
        for _ in range(4):
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
            if metadata:
                _add_information(writer, metadata)
            try:
                out = signers.sign_pdf(
                    writer, self._meta, signer=self._signer, bytes_reserved=self.reserved
                )
            except SigningError as exc:
                if "larger than expected" not in str(exc):
                    raise
                self.reserved *= 2
                continue
            return bytes(out.getvalue())
        raise RuntimeError("the PAdES signature does not fit the room reserved for it")
