"""Helpers of the cross-service tests: valid identifiers, reading the caught mails."""

from __future__ import annotations

import random
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

LINK = re.compile(r"https?://\S+?/v1/accounts/activation\?token=([A-Za-z0-9_\-]+)")


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit that makes ``digits`` valid."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def random_siret(rng: random.Random) -> str:
    siren = luhn_complete("".join(str(rng.randint(0, 9)) for _ in range(8)))
    if siren.startswith("356000000"):
        return random_siret(rng)
    return luhn_complete(siren + "".join(str(rng.randint(0, 9)) for _ in range(4)))


def signup_body(email: str, siret: str, name: str = "Cabinet Test") -> dict[str, str]:
    return {
        "raison_sociale": name,
        "siret": siret,
        "address": "12 rue de la Paix, 75002 Paris",
        "admin_first_name": "Claire",
        "admin_last_name": "Martin",
        "email": email,
        "password": "Une phrase de passe solide",
    }


def read_mails(directory: Path) -> list[EmailMessage]:
    mails: list[EmailMessage] = []
    if not directory.exists():
        return mails
    for path in sorted(directory.glob("*.eml")):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        mails.append(parsed)
    return mails


def mails_to(directory: Path, address: str) -> list[EmailMessage]:
    return [m for m in read_mails(directory) if address.lower() in str(m["To"]).lower()]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def activation_token(mail: EmailMessage) -> str:
    match = LINK.search(text_of(mail))
    assert match, "no activation link in the mail"
    return match.group(1)
