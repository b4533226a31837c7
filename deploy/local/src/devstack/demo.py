"""``make demo``: a firm signs up, its activation mail arrives, the link activates the account."""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import httpx

IDENTITY = "http://127.0.0.1:8101"
TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def _siret() -> str:
    rng = random.SystemRandom()
    siren = _luhn("".join(str(rng.randint(0, 9)) for _ in range(8)))
    return _luhn(siren + "".join(str(rng.randint(0, 9)) for _ in range(4)))


def _find_mail(mail_dir: Path, address: str) -> str | None:
    for path in sorted(mail_dir.glob("*.eml")):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(mail["To"]):
            body = mail.get_body(preferencelist=("plain",))
            return str(body.get_content()) if body is not None else None
    return None


async def run_demo(root: Path) -> int:
    email = f"demo.{uuid.uuid4().hex[:8]}@cabinet-demo.fr"
    async with httpx.AsyncClient(base_url=IDENTITY, timeout=10) as client:
        signup = {
            "raison_sociale": "Cabinet Démo",
            "siret": _siret(),
            "address": "1 place de la Bourse, 75002 Paris",
            "admin_first_name": "Claire",
            "admin_last_name": "Démo",
            "email": email,
            "password": "Une phrase de passe solide",
        }
        resp = await client.post("/v1/cabinets", json=signup)
        print(f"1. sign-up {email}: {resp.status_code} {resp.json()}")
        if resp.status_code != 201:
            return 1
        deadline = time.monotonic() + 60
        text = None
        while text is None and time.monotonic() < deadline:
            text = _find_mail(root / "var" / "mail", email)
            if text is None:
                await asyncio.sleep(0.2)
        if text is None:
            print("2. no activation mail within 60 s")
            return 1
        match = TOKEN.search(text)
        print("2. the activation mail arrived in var/mail/")
        if match is None:
            return 1
        resp = await client.post("/v1/accounts/activation", json={"token": match.group(1)})
        print(f"3. activation: {resp.status_code} {resp.json()}")
        return 0 if resp.status_code == 200 else 1
