"""``python -m attestations.verify FILE.pdf|PAYLOAD --jwks FILE_OR_URL``: check a certificate
offline.

The signed payload is read from the PDF's metadata (the same text as its QR code, no image to
decode) or given as is; its Ed25519 signature is checked with the key its key id names in the
published JWKS (a file, or the service's public route). A PDF's own seal (PAdES) is checked
too: a byte changed anywhere in the document, or anything added after it was sealed, fails it.
Prints what the certificate says and exits 0 when both hold, 1 otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from attestations.adapters.keys import keys_of_jwks, verify_signature
from attestations.adapters.pdf import payload_of
from attestations.domain import payload as qr
from attestations.domain.french import long_date

LABELS = {
    "c": "Code de sécurité",
    "k": "Type",
    "h": "Titulaire",
    "n": "SIREN",
    "p": "Période",
    "s": "Mention",
    "i": "Délivrée le",
    "v": "Valable jusqu'au",
}


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str
    claims: dict[str, Any] = field(default_factory=dict)


def verify_payload(text: str, jwks: dict[str, Any]) -> Verification:
    try:
        parsed = qr.parse(text)
    except qr.PayloadInvalid:
        return Verification(False, "Ce texte n'est pas le QR code d'une attestation.")
    key = keys_of_jwks(jwks).get(parsed.kid)
    if key is None:
        return Verification(False, f"La clé « {parsed.kid} » n'est pas une clé publiée.")
    if not verify_signature(key, parsed.signature, parsed.signed.encode()):
        return Verification(False, "Signature invalide : le contenu a été modifié.")
    return Verification(True, "Signature valide.", parsed.claims)


def seal_intact(pdf: bytes) -> bool:
    """The PDF's PAdES seal covers the whole file and its digest matches (no trust anchor is
    needed for that: whose seal it is, the payload's signature says)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            return False
        status = validate_pdf_signature(signatures[0])
    except Exception:  # an unreadable or mangled file is no intact seal
        return False
    return bool(status.intact) and status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def _shown(name: str, value: Any) -> str:
    if name in ("i", "v"):
        try:
            return long_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def _load_jwks(source: str) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        import httpx

        resp = httpx.get(source, timeout=10)
        resp.raise_for_status()
        body: dict[str, Any] = resp.json()
        return body
    loaded: dict[str, Any] = json.loads(Path(source).read_text())
    return loaded


def _payload_from(argument: str) -> str | None:
    if argument.startswith(qr.PREFIX + "."):
        return argument
    return payload_of(Path(argument).read_bytes())


def _quiet_libraries() -> None:
    """pyHanko logs, with its traceback, that the seal's certificate is not a trusted root:
    this command checks the seal's integrity only (whose seal it is, the payload's signature
    says), so the person reading its French lines is not shown that English noise."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    _quiet_libraries()
    parser = argparse.ArgumentParser(prog="python -m attestations.verify", description=__doc__)
    parser.add_argument("source", help="le PDF de l'attestation, ou le texte de son QR code")
    parser.add_argument("--jwks", required=True, help="le fichier ou l'URL des clés publiées")
    args = parser.parse_args(argv)
    text = _payload_from(args.source)
    if text is None:
        print("Ce PDF ne porte pas de QR code d'attestation.")
        return 1
    result = verify_payload(text, _load_jwks(args.jwks))
    print(result.reason)
    sealed = True
    if not args.source.startswith(qr.PREFIX + "."):
        sealed = seal_intact(Path(args.source).read_bytes())
        print(
            "Document intact depuis sa signature."
            if sealed
            else "Document modifié après sa signature : ne vous y fiez pas."
        )
    for name, label in LABELS.items():
        if name in result.claims:
            print(f"{label} : {_shown(name, result.claims[name])}")
    return 0 if result.ok and sealed else 1


if __name__ == "__main__":
    sys.exit(main())
