"""« Ajouter des clients par fichier » in a real Chromium, on the real stack through the
gateway: a firm's administrator sends a CSV from « Mes clients », reads the import's report
(a client added, a row refused with its French reason), filters it, reopens it by its
address and opens the client added; then files a client in a new portfolio and removes it.
Every page shown is audited with axe-core and saved as a screenshot (see
``browser_stack.py``)."""

from __future__ import annotations

import random
import re
import uuid

import httpx
import pytest
from e2e.browser_stack import DEADLINE_S, Journey, Site, mailed_link, registered
from journeys import PASSWORD, added_client, random_siret, signup_body
from playwright.async_api import expect
from servicekit.testing.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SITE_SERVICES = ("identity", "notifications", "mandates")


async def _firm_ready(site: Site) -> tuple[str, dict[str, str], str]:
    """A firm signed up and activated through the apis, its default portfolio known to
    mandates; its administrator's e-mail and bearer header, mandates' clients address."""
    identity, mandates = site.platform.api("identity"), site.platform.api("mandates")
    email = f"import.{uuid.uuid4().hex[:8]}@cabinet-fichier.fr"
    siret = random_siret(random.Random())
    async with httpx.AsyncClient(timeout=15) as client:
        signup = await client.post(
            f"{identity}/v1/cabinets", json=signup_body(email, siret, "Cabinet Fichier")
        )
        assert signup.status_code == 201, signup.text
        link = await mailed_link(site.platform, email, f"{site.url}/activation?token=")
        token = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", link)
        assert token, link
        done = await client.post(
            f"{identity}/v1/accounts/activation", json={"token": token.group(1)}
        )
        assert done.status_code == 200, done.text
        login = await client.post(
            f"{identity}/v1/auth/token", json={"username": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        portfolios = f"{mandates}/v1/cabinets/{signup.json()['cabinet_id']}/portfolios"

        async def default_portfolio() -> bool:
            found = await client.get(portfolios, headers=headers)
            return found.status_code == 200 and bool(found.json())

        await eventually(default_portfolio, timeout_s=DEADLINE_S, message="the portfolio")
    return email, headers, portfolios.removesuffix("/portfolios") + "/clients"


async def _heading(journey: Journey, text: str) -> None:
    await expect(journey.page.get_by_role("heading", level=1)).to_have_text(text)


async def _sign_in(journey: Journey, email: str) -> None:
    page = journey.page
    await journey.open("/connexion")
    await journey.check("connexion")
    await page.get_by_label(re.compile(r"^Identifiant")).fill(email)
    await page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await _heading(journey, "Mon compte")
    await journey.check("mon-compte")


async def test_a_firm_imports_a_file_and_reads_its_report(site: Site) -> None:
    siren, _, _ = await registered(site.platform)
    email, _, _ = await _firm_ready(site)
    content = f"SIREN ou SIRET;Nom\n{siren};Dupont Jean\n123;Trop court\n".encode()
    async with site.journey("import") as journey:
        page = journey.page
        await _sign_in(journey, email)
        nav = page.get_by_role("navigation", name="Menu principal")
        await nav.get_by_role("link", name="Mes clients").click()
        await _heading(journey, "Mes clients")
        await journey.check("mes-clients")
        await page.get_by_role("link", name="Ajouter des clients par fichier").click()
        await _heading(journey, "Ajouter des clients par fichier")
        await journey.check("formulaire")

        await page.get_by_label(re.compile(r"^Fichier des clients")).set_input_files(
            files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": content}]
        )
        await page.locator("label[for='mode-valid_rows']").click()
        await expect(page.get_by_label(re.compile(r"^Les lignes valides"))).to_be_checked()
        await page.get_by_role("button", name="Envoyer le fichier").click()
        await _heading(journey, "Rapport de l'import")
        await expect(page.get_by_role("status")).to_contain_text(
            "Import terminé : 1 client ajouté, 1 ligne refusée."
        )
        table = page.get_by_role("table")
        await expect(table).to_contain_text("Un SIREN compte 9 chiffres, un SIRET 14.")
        await expect(table).to_contain_text("Dupont Jean")
        await journey.check("rapport")
        report = page.url
        assert re.search(r"/clients/imports/[0-9a-f]{64}$", report), report

        await page.get_by_label("Lignes affichées").select_option("refused")
        await page.get_by_role("button", name="Afficher").click()
        await expect(page.get_by_role("table")).not_to_contain_text("Dupont Jean")
        await journey.check("lignes-refusees")

        await page.goto(report)  # the report has its own address
        await _heading(journey, "Rapport de l'import")
        await journey.check("rapport-rouvert")
        await page.get_by_role("link", name="Voir le client Dupont Jean").click()
        await _heading(journey, "Dupont Jean")
        await expect(page.locator("dl")).to_contain_text(siren)
        await journey.check("fiche-du-client")


async def test_a_client_is_filed_in_a_new_portfolio_then_removed(site: Site) -> None:
    siren, _, _ = await registered(site.platform)
    email, headers, clients = await _firm_ready(site)
    async with httpx.AsyncClient(timeout=15) as client:
        await added_client(client, clients, siren, headers)  # « Dupont Jean »
    async with site.journey("portefeuille") as journey:
        page = journey.page
        await _sign_in(journey, email)
        nav = page.get_by_role("navigation", name="Menu principal")
        await nav.get_by_role("link", name="Portefeuilles", exact=True).click()
        await _heading(journey, "Portefeuilles et abonnés")
        await journey.check("portefeuilles")
        await page.get_by_label(re.compile(r"^Nom du portefeuille")).fill("Clients du fichier")
        await page.get_by_role("button", name="Créer le portefeuille").click()
        await _heading(journey, "Portefeuille « Clients du fichier »")
        await expect(page.get_by_role("status")).to_contain_text("est créé")
        await journey.check("portefeuille-cree")

        await nav.get_by_role("link", name="Mes clients").click()
        await _heading(journey, "Mes clients")
        await journey.check("mes-clients")
        await page.get_by_role("link", name="Dupont Jean", exact=True).click()
        await _heading(journey, "Dupont Jean")
        await journey.check("fiche")
        await page.get_by_label(re.compile(r"^Nouveau portefeuille")).select_option(
            label="Clients du fichier"
        )
        await page.get_by_role("button", name="Déplacer le client").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "Dupont Jean est rangé dans le portefeuille « Clients du fichier »."
        )
        await journey.check("client-deplace")

        await page.get_by_role("link", name="Retirer ce client").click()
        await _heading(journey, "Retirer Dupont Jean de vos clients ?")
        await journey.check("confirmation")
        await page.get_by_role("button", name="Supprimer le client").click()
        await _heading(journey, "Mes clients")
        await expect(page.get_by_role("status")).to_have_text(
            "Dupont Jean ne fait plus partie de vos clients."
        )
        await expect(page.get_by_text("0 client.")).to_be_visible()
        await journey.check("client-retire")
