"""Helpers of the cross-service tests: valid identifiers, reading the caught mails, opening an
account from its mail, the key letters in the letter folder."""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
from altcha.v1 import solve_challenge
from bus_tools import publish
from contracts.partners.v1 import RegistryAffiliationV1
from identity_registry_samples import record
from pypdf import PdfReader
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
KEY = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")

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


async def activated_login(
    client: httpx.AsyncClient,
    platform: RunningPlatform,
    email: str,
    username: str,
    *,
    invited: bool = False,
    deadline_s: float = 60,
) -> dict[str, str]:
    """Open the account from the link of its one activation mail (an invited collaborator
    chooses the password there), log in, and return the bearer header."""

    async def the_mail() -> list[EmailMessage]:
        return [m for m in mails_to(platform.mail_dir, email) if LINK.search(text_of(m))]

    mails = await eventually(
        the_mail, timeout_s=deadline_s, message=f"the activation mail to {email}"
    )
    assert len(mails) == 1, f"one activation mail to {email}, got {[m['Subject'] for m in mails]}"
    body = {"token": activation_token(mails[0])}
    if invited:
        body["password"] = PASSWORD
    identity = platform.api("identity")
    activated = await client.post(f"{identity}/v1/accounts/activation", json=body)
    assert activated.status_code in (200, 204), f"activation of {email}: {activated.text}"
    login = await client.post(
        f"{identity}/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, f"login of {email}: {login.text}"
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def letter_pdf(letters: Path, kind: str, reference: str) -> Path | None:
    """The PDF of the letter of ``kind`` whose reference starts with ``reference``."""
    for manifest in letters.glob("*.json"):
        data = json.loads(manifest.read_text())
        if data.get("kind") == kind and str(data.get("reference", "")).startswith(reference):
            return letters / str(data["pdf"])
    return None


async def registered_artisan(
    platform: RunningPlatform, rng: random.Random
) -> tuple[str, str, RegistryAffiliationV1]:
    """A new artisan published on the registry's partner topic: its SIREN, NIR and record."""
    siren = luhn_complete("".join(str(rng.randint(0, 9)) for _ in range(8)))
    body = f"1{rng.randrange(10**12):012d}"
    nir = body + stdnum_nir.calc_check_digits(body)
    registry = record(nir=nir, siren=siren, sirets=[], category="artisan")
    await publish(platform.cfg.kafka_bootstrap, registry, siren, "registry")
    return siren, nir, registry


async def added_client(
    client: httpx.AsyncClient, clients_url: str, siren: str, headers: dict[str, str]
) -> dict[str, str]:
    """The firm adds the client, as soon as mandates knows the affilié from the registry."""

    async def added() -> dict[str, str] | None:
        resp = await client.post(
            clients_url, json={"identifier": siren, "name": "Dupont Jean"}, headers=headers
        )
        return resp.json() if resp.status_code == 201 else None

    row: dict[str, str] = await eventually(
        added, timeout_s=60, interval_s=0.5, message="the client added by the firm"
    )
    return row


async def key_from_letter(platform: RunningPlatform, client_id: str) -> str:
    """The activation key, read from the text of the client's key letter in the folder."""
    reference = f"MDT-{client_id[:8].upper()}"
    letters = platform.cfg.var / "letters"

    async def the_pdf() -> Path | None:
        return letter_pdf(letters, "activation_key_letter", reference)

    pdf = await eventually(the_pdf, timeout_s=60, message=f"the key letter {reference}")
    return key_in_pdf(pdf)


def key_in_pdf(pdf: Path) -> str:
    """The one activation key printed in a key letter, read from the PDF's text."""
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    keys = KEY.findall(text)
    assert len(keys) == 1, f"one activation key expected in {pdf.name}, found {keys}"
    return str(keys[0])


def key_letters(letters: Path) -> dict[str, Path]:
    """The mandate's reference (``MDT-…``, without the letter's own suffix) → the PDF of every
    key letter in the folder, read in one pass."""
    found: dict[str, Path] = {}
    for manifest in letters.glob("*.json"):
        data = json.loads(manifest.read_text())
        if data.get("kind") == "activation_key_letter":
            found["-".join(str(data["reference"]).split("-")[:2])] = letters / str(data["pdf"])
    return found


async def agent_bearer(
    platform: RunningPlatform, email: str = "ops@urssaf.example"
) -> dict[str, str]:
    """An agent made with identity's command-line tool, logged in over HTTP."""
    import asyncio
    import os
    import sys

    from devstack.platform import service_env

    password = "Une phrase de passe solide"
    env = {
        **service_env(platform.cfg, platform.spec("identity")),
        "IDENTITY_AGENT_PASSWORD": password,
    }
    created = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "identity.entrypoints.agents", email, "Agent Ops",
        env=env, cwd=os.fspath(platform.cfg.root), stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await created.communicate()
    assert created.returncode == 0, stderr.decode()
    async with httpx.AsyncClient(timeout=10) as client:
        login = await client.post(
            f"{platform.api('identity')}/v1/auth/token",
            json={"username": email, "password": password},
        )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def signed_up_assure(
    client: httpx.AsyncClient, platform: RunningPlatform, deadline_s: float = 60
) -> tuple[str, str, dict[str, str], str]:
    """A new artisan of the registry signs up as an assuré, activates and logs in, once
    cotisations has opened its account: its SIREN, the account's URL, the bearer headers and the
    registry's e-mail (where the client's mails go)."""
    siren, nir, registry = await registered_artisan(platform, random.Random())
    email = f"assure.{uuid.uuid4().hex[:6]}@example.fr"
    identity = platform.api("identity")

    async def signed_up() -> bool:
        body = {
            "nir": nir,
            "birth_date": registry.birth_date.isoformat(),
            "birth_name": registry.birth_name,
            "email": email,
            "password": PASSWORD,
        }
        return (await client.post(f"{identity}/v1/assures", json=body)).status_code == 201

    await eventually(signed_up, timeout_s=deadline_s, interval_s=0.5, message="the sign-up")
    headers = await activated_login(client, platform, email, nir[:13])
    affiliate_id = (await client.get(f"{identity}/v1/me", headers=headers)).json()["affiliate_id"]
    url = f"{platform.api('cotisations')}/v1/accounts/{affiliate_id}"

    async def opened() -> bool:
        return (await client.get(url, headers=headers)).status_code == 200

    await eventually(opened, timeout_s=deadline_s, message="the account the registry opened")
    assert registry.email
    return siren, url, headers, registry.email


async def firm_collaborators(
    client: httpx.AsyncClient,
    platform: RunningPlatform,
    siren: str,
    affiliate_id: str,
    deadline_s: float = 60,
) -> tuple[dict[str, str], dict[str, str], str]:
    """A firm signs up, invites a collaborator with ``pay`` and one without, subscribes both to
    its default portfolio, adds the client and activates the mandate with the key letter's
    key; returns both collaborators' headers once they read the client's account, and the
    paying one's e-mail."""
    rng = random.Random()
    identity, mandates = platform.api("identity"), platform.api("mandates")
    suffix = uuid.uuid4().hex[:6]
    admin_email = f"admin.{suffix}@cabinet-paie.fr"
    signup = await client.post(
        f"{identity}/v1/cabinets", json=signup_body(admin_email, random_siret(rng), "Cabinet Paie")
    )
    assert signup.status_code == 201, signup.text
    cabinet_id = signup.json()["cabinet_id"]
    admin = await activated_login(client, platform, admin_email, admin_email)
    users: dict[str, tuple[str, dict[str, str]]] = {}
    for name, rights in (("payeur", ["clients", "read", "pay"]), ("lecteur", ["clients", "read"])):
        email = f"{name}.{suffix}@cabinet-paie.fr"
        invited = await client.post(
            f"{identity}/v1/cabinets/{cabinet_id}/users",
            json={"first_name": name, "last_name": "Leroy", "email": email, "rights": rights},
            headers=admin,
        )
        assert invited.status_code == 201, invited.text
        login = await activated_login(client, platform, email, email, invited=True)
        users[name] = (invited.json()["account_id"], login)
    cabinet_url = f"{mandates}/v1/cabinets/{cabinet_id}"

    async def default_portfolio() -> str | None:
        resp = await client.get(f"{cabinet_url}/portfolios", headers=admin)
        if resp.status_code != 200:
            return None
        return next((str(p["id"]) for p in resp.json() if p["is_default"]), None)

    portfolio = await eventually(default_portfolio, timeout_s=deadline_s, message="portfolio")
    for account_id, _ in users.values():
        subscriber = f"{cabinet_url}/portfolios/{portfolio}/subscribers/{account_id}"

        async def subscribed(url: str = subscriber) -> bool:
            return (await client.put(url, headers=admin)).status_code == 204

        await eventually(subscribed, timeout_s=deadline_s, interval_s=0.2, message="subscribed")
    row = await added_client(client, f"{cabinet_url}/clients", siren, admin)
    key = await key_from_letter(platform, row["id"])
    client_url = f"{cabinet_url}/clients/{row['id']}"

    async def activated() -> bool:
        resp = await client.post(f"{client_url}/activation", json={"key": key}, headers=admin)
        return resp.status_code == 200

    await eventually(activated, timeout_s=deadline_s, message="the mandate activated")
    account_url = f"{platform.api('cotisations')}/v1/accounts/{affiliate_id}"
    for _, login in users.values():

        async def readable(headers: dict[str, str] = login) -> bool:
            return (await client.get(account_url, headers=headers)).status_code == 200

        await eventually(readable, timeout_s=deadline_s, message="the firm reads the account")
    return users["payeur"][1], users["lecteur"][1], f"payeur.{suffix}@cabinet-paie.fr"


async def verification_code(client: httpx.AsyncClient, api: str) -> str:
    """What the booking page's widget sends once it has solved a challenge of
    appointments' ``api``."""
    challenge = (await client.get(f"{api}/v1/captcha")).json()
    solution = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
