"""Across the real processes and the real broker: a firm reaches a client's contribution account
only through an active mandate — its administrator, and a collaborator subscribed to the
client's portfolio; a collaborator who is not subscribed never does. The client's revocation
closes the access again."""

from __future__ import annotations

import random
import uuid
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import httpx
import pytest
from journeys import (
    PASSWORD,
    activated_login,
    added_client,
    key_from_letter,
    letter_pdf,
    mails_to,
    random_siret,
    registered_artisan,
    signup_body,
)
from pypdf import PdfReader
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60
Headers = dict[str, str]


async def test_the_firm_reads_the_account_only_while_the_mandate_is_active(
    platform: RunningPlatform,
) -> None:
    rng = random.Random()
    siren, nir, registry = await registered_artisan(platform, rng)
    identity, mandates = platform.api("identity"), platform.api("mandates")
    cotisations = platform.api("cotisations")
    suffix = uuid.uuid4().hex[:6]
    admin_email = f"admin.{suffix}@cabinet-acces.fr"
    subscribed_email = f"abonne.{suffix}@cabinet-acces.fr"
    outsider_email = f"sans-portefeuille.{suffix}@cabinet-acces.fr"
    assure_email = f"assure.{suffix}@example.fr"

    async with httpx.AsyncClient(timeout=15) as client:
        # The assuré signs up with the facts of the registry and reads the account the
        # registry opened: the account exists before any firm asks for it.
        async def signed_up() -> bool:
            resp = await client.post(
                f"{identity}/v1/assures",
                json={
                    "nir": nir,
                    "birth_date": registry.birth_date.isoformat(),
                    "birth_name": registry.birth_name,
                    "email": assure_email,
                    "password": PASSWORD,
                },
            )
            return resp.status_code == 201

        await eventually(
            signed_up, timeout_s=DEADLINE_S, interval_s=0.5, message="the assuré's sign-up"
        )
        assure = await activated_login(client, platform, assure_email, nir[:13])
        me = await client.get(f"{identity}/v1/me", headers=assure)
        affiliate_id = me.json()["affiliate_id"]
        assert affiliate_id, f"the assuré's token names no affilié: {me.text}"
        account_url = f"{cotisations}/v1/accounts/{affiliate_id}"
        preview_url = f"{account_url}/estimates/preview"

        async def own_account() -> bool:
            return (await client.get(account_url, headers=assure)).status_code == 200

        await eventually(
            own_account, timeout_s=DEADLINE_S, message="the account opened for the artisan"
        )

        # The firm signs up; its administrator invites two collaborators.
        signup = await client.post(
            f"{identity}/v1/cabinets",
            json=signup_body(admin_email, random_siret(rng), "Cabinet Accès"),
        )
        assert signup.status_code == 201, f"the firm's sign-up: {signup.text}"
        cabinet_id = signup.json()["cabinet_id"]
        admin = await activated_login(client, platform, admin_email, admin_email)
        users_url = f"{identity}/v1/cabinets/{cabinet_id}/users"
        account_ids: dict[str, str] = {}
        for email, first_name in ((subscribed_email, "Paul"), (outsider_email, "Léa")):
            invited = await client.post(
                users_url,
                json={
                    "first_name": first_name,
                    "last_name": "Leroy",
                    "email": email,
                    "rights": ["clients", "declare", "read"],
                },
                headers=admin,
            )
            assert invited.status_code == 201, f"the invitation of {email}: {invited.text}"
            account_ids[email] = invited.json()["account_id"]
        subscribed = await activated_login(
            client, platform, subscribed_email, subscribed_email, invited=True
        )
        outsider = await activated_login(
            client, platform, outsider_email, outsider_email, invited=True
        )
        cabinet_url = f"{mandates}/v1/cabinets/{cabinet_id}"

        async def default_portfolio() -> str | None:
            resp = await client.get(f"{cabinet_url}/portfolios", headers=admin)
            if resp.status_code != 200:
                return None
            return next((str(p["id"]) for p in resp.json() if p["is_default"]), None)

        portfolio_id = await eventually(
            default_portfolio, timeout_s=DEADLINE_S, message="the firm's default portfolio"
        )
        subscriber_url = (
            f"{cabinet_url}/portfolios/{portfolio_id}/subscribers/{account_ids[subscribed_email]}"
        )

        async def subscribe() -> bool:
            # 404 user-not-found until mandates has learnt of the new collaborator.
            return (await client.put(subscriber_url, headers=admin)).status_code == 204

        await eventually(
            subscribe,
            timeout_s=DEADLINE_S,
            interval_s=0.2,
            message="the collaborator subscribed to the default portfolio",
        )

        async def status_of(headers: Headers) -> int:
            return (await client.get(account_url, headers=headers)).status_code

        async def refused(headers: Headers) -> bool:
            resp = await client.get(account_url, headers=headers)
            return resp.status_code == 404 and resp.json()["type"].endswith("dossier-not-found")

        # Before any mandate: nobody of the firm reaches the account.
        for who, headers in (
            ("the administrator", admin),
            ("the subscribed collaborator", subscribed),
            ("the collaborator who is not subscribed", outsider),
        ):
            assert await refused(headers), (
                f"{who} must get 404 dossier-not-found before any mandate, "
                f"got {await status_of(headers)}"
            )

        # The administrator adds the client; the key letter is posted.
        clients_url = f"{cabinet_url}/clients"

        client_row = await added_client(client, clients_url, siren, admin)
        assert client_row["affiliate_id"] == affiliate_id, (
            f"the client's row must lead to its dossier {affiliate_id}: {client_row}"
        )
        assert client_row["portfolio_id"] == portfolio_id, (
            f"the client must land in the default portfolio {portfolio_id}: {client_row}"
        )
        client_url = f"{clients_url}/{client_row['id']}"
        key = await key_from_letter(platform, client_row["id"])
        letters = platform.cfg.var / "letters"

        async def letter_sent() -> bool:
            resp = await client.get(client_url, headers=admin)
            return bool(resp.json()["state"] == "letter_sent")

        await eventually(
            letter_sent, timeout_s=DEADLINE_S, message="the letter status back in mandates"
        )
        assert await refused(admin), (
            "a mandate request that is not activated must not open the account to the firm"
        )

        # The client hands the key over: it is the firm's to type (the client cannot use it).
        by_client = await client.post(f"{client_url}/activation", json={"key": key}, headers=assure)
        assert by_client.status_code == 404, (
            f"the client's own token must not activate the firm's request: {by_client.text}"
        )
        activation = await client.post(f"{client_url}/activation", json={"key": key}, headers=admin)
        assert activation.status_code == 200, f"the key typed by the firm: {activation.text}"
        assert activation.json()["state"] == "active", activation.text

        # Eventually the administrator and the subscribed collaborator read the account.
        async def readable(headers: Headers) -> dict[str, object] | None:
            resp = await client.get(account_url, headers=headers)
            return resp.json() if resp.status_code == 200 else None

        for who, headers in (
            ("the administrator", admin),
            ("the subscribed collaborator", subscribed),
        ):
            account = await eventually(
                partial(readable, headers),
                timeout_s=DEADLINE_S,
                interval_s=0.1,
                message=f"{who} reading the account through the active mandate",
            )
            assert account["affiliate_id"] == affiliate_id, account
            assert account["category"] == "artisan", account
            echeancier = account["echeancier"]
            assert isinstance(echeancier, list), account
            assert len(echeancier) == 12, (
                f"{who}: a monthly échéancier of 12 instalments expected, got {len(echeancier)}"
            )
        assert await refused(outsider), (
            "the collaborator who is not subscribed to the client's portfolio must get 404, "
            f"got {await status_of(outsider)}"
        )

        # The subscribed collaborator (right `declare`) previews an income estimate.
        year = account["year"]
        preview = await client.post(
            preview_url, json={"year": year, "income": "42000.00"}, headers=subscribed
        )
        assert preview.status_code == 200, f"the collaborator's estimate preview: {preview.text}"
        assert preview.json()["applied"] is False, preview.text
        assert preview.json()["instalments"], f"the preview shows no instalment: {preview.text}"
        # It applies it: the client receives the échéancier rectificatif by post, and the
        # collaborator the confirmation of the request.
        applied = await client.post(
            f"{account_url}/estimates",
            json={"year": year, "income": "42000.00"},
            headers=subscribed,
        )
        assert applied.status_code == 201, f"the collaborator's estimate: {applied.text}"

        async def rectificatif() -> Path | None:
            return letter_pdf(
                letters, "echeancier_rectificatif_letter", f"ECH-{year}-{affiliate_id[:8]}"
            )

        letter = await eventually(
            rectificatif, timeout_s=DEADLINE_S, message="the échéancier rectificatif to the client"
        )
        letter_text = " ".join(page.extract_text() for page in PdfReader(letter).pages)
        assert "69003 LYON" in letter_text, "the letter goes to the registry's address"

        async def confirmation() -> list[EmailMessage]:
            return [
                m
                for m in mails_to(platform.mail_dir, subscribed_email)
                if "Estimation de revenu" in str(m["Subject"])
            ]

        await eventually(
            confirmation, timeout_s=DEADLINE_S, message="the confirmation to the collaborator"
        )
        outsider_preview = await client.post(
            preview_url, json={"year": year, "income": "42000.00"}, headers=outsider
        )
        assert outsider_preview.status_code == 404, (
            f"the collaborator who is not subscribed must not preview: {outsider_preview.text}"
        )

        # The client revokes the mandate: the firm loses the account again.
        revoked = await client.delete(f"{mandates}/v1/me/mandates/current", headers=assure)
        assert revoked.status_code == 204, f"the client's revocation: {revoked.text}"
        for who, headers in (
            ("the administrator", admin),
            ("the subscribed collaborator", subscribed),
        ):
            await eventually(
                partial(refused, headers),
                timeout_s=DEADLINE_S,
                interval_s=0.1,
                message=f"{who} refused (404) once the client revoked the mandate",
            )
        assert await refused(outsider), (
            "the collaborator who is not subscribed must still get 404 after the revocation"
        )
        after_preview = await client.post(
            preview_url, json={"year": year, "income": "42000.00"}, headers=subscribed
        )
        assert after_preview.status_code == 404, (
            f"no estimate preview for the firm once the mandate ended: {after_preview.text}"
        )
        assert await own_account(), "the client still reads their own account"
