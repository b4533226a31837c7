"""Across the real processes: a registry record becomes an affilié in identity, an account in
cotisations; the assuré signs up, activates from the mail, and reads the account with
identity's token, verified by cotisations against identity's JWKS."""

from __future__ import annotations

import uuid

import httpx
import pytest
from bus_tools import publish
from identity_registry_samples import record
from journeys import activation_token, mails_to
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform
from stdnum.fr import nir as stdnum_nir

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

PASSWORD = "Une phrase de passe solide"


async def test_an_assure_reads_the_account_that_the_registry_opened(
    platform: RunningPlatform,
) -> None:
    body = f"1{uuid.uuid4().int % 10**12:012d}"
    nir = body + stdnum_nir.calc_check_digits(body)
    registry_record = record(nir=nir, siren="552100554", sirets=[], category="commercant")
    await publish(platform.cfg.kafka_bootstrap, registry_record, registry_record.siren, "registry")
    email = f"assure.{uuid.uuid4().hex[:6]}@example.fr"
    async with httpx.AsyncClient(timeout=10) as client:
        identity = platform.api("identity")

        async def signed_up() -> bool:
            resp = await client.post(
                f"{identity}/v1/assures",
                json={
                    "nir": nir,
                    "birth_date": "1985-05-01",
                    "birth_name": "Dupont",
                    "email": email,
                    "password": PASSWORD,
                },
            )
            return resp.status_code == 201

        await eventually(signed_up, timeout_s=60, interval_s=0.5, message="the affilié registered")

        async def the_mail() -> list[object]:
            return list(mails_to(platform.mail_dir, email))

        [mail] = await eventually(the_mail, timeout_s=60, message="the activation mail")
        await client.post(
            f"{identity}/v1/accounts/activation", json={"token": activation_token(mail)}
        )  # type: ignore[arg-type]
        login = await client.post(
            f"{identity}/v1/auth/token", json={"username": nir[:13], "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        affiliate_id = (await client.get(f"{identity}/v1/me", headers=headers)).json()[
            "affiliate_id"
        ]

        async def the_account() -> dict[str, object]:
            resp = await client.get(
                f"{platform.api('cotisations')}/v1/accounts/{affiliate_id}", headers=headers
            )
            return resp.json() if resp.status_code == 200 else {}

        account = await eventually(the_account, timeout_s=60, message="the account")
        assert account["category"] == "commercant"
        assert len(account["echeancier"]) == 12  # type: ignore[arg-type]
        estimate = await client.post(
            f"{platform.api('cotisations')}/v1/accounts/{affiliate_id}/estimates",
            json={"year": 2026, "income": "42000.00"},
            headers=headers,
        )
        assert estimate.status_code == 201, estimate.text

        async def confirmation() -> list[object]:
            return [
                m
                for m in mails_to(platform.mail_dir, email)
                if "Estimation de revenu" in str(m["Subject"])  # type: ignore[index]
            ]

        await eventually(confirmation, timeout_s=60, message="the estimate confirmation")

        async def the_rectificatif_letter() -> list[object]:
            return [
                p
                for p in (platform.cfg.var / "letters").glob("*.json")
                if "echeancier_rectificatif_letter" in p.read_text()
            ]

        await eventually(the_rectificatif_letter, timeout_s=60, message="the échéancier letter")
        someone_else = await client.get(
            f"{platform.api('cotisations')}/v1/accounts/{uuid.uuid4()}", headers=headers
        )
        assert someone_else.status_code == 404
