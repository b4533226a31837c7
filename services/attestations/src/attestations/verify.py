"""``python -m attestations.verify FILE.pdf|PAYLOAD --jwks FILE_OR_URL``: check a certificate
offline.

The signed payload is read from the PDF's metadata (the same text as its QR code, no image to
decode) or given as is; its Ed25519 signature is checked with the key its key id names in the
published JWKS (a file, or the service's public route). Prints what the certificate says and
exits 0 when the signature holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attestations.adapters.keys import keys_of_jwks, verify_signature
from attestations.adapters.pdf import payload_of
from attestations.domain import payload as qr

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


def main(argv: list[str] | None = None) -> int:
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
    for name, label in LABELS.items():
        if name in result.claims:
            print(f"{label} : {result.claims[name]}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
