"""The portal's journeys in a real Chromium, on the real stack through the gateway.

Each test is one person's journey, from the gateway's address only, in a fresh browser
context; every page it shows is audited with axe-core (WCAG 2 A/AA: no serious or critical
violation) and saved as a full-page screenshot under ``var/test-artefacts/screenshots/``. The
mails are read from the SMTP catcher's folder, the key from the letter's PDF, as a person
would; the registry's records arrive by its feed.

A new journey: a test of this folder takes the ``site`` fixture (conftest.py: one stack for
every module of the run that takes it; a module names the services it needs beyond
``browser_stack.SERVICES`` in ``SITE_SERVICES``) and runs
``async with site.journey("name") as journey:``; it opens pages with ``journey.open(path)``
or by clicking, and calls ``await journey.check("step")`` once each page is shown (leaving the
journey fails if a page it loaded was not checked, or on an answer of 400 or more but those
added to ``journey.allowed_statuses``). ``browser_stack`` holds what is done
outside the site: ``registered`` (a registry record every service knows), ``mailed_link``,
``journeys.key_from_letter``, ``assure_with_account``, ``firm_holding_mandate``.
"""

from __future__ import annotations

import random
import re
import uuid

import httpx
import pytest
from e2e.browser_stack import (  # this folder (a namespace package)
    Journey,
    Site,
    assure_with_account,
    firm_holding_mandate,
    mailed_link,
    mandate_in_force,
    registered,
)
from journeys import PASSWORD, key_from_letter, random_siret
from playwright.async_api import Locator, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

IBAN = "FR76 3000 6000 0112 3456 7890 189"  # Crédit Agricole (30006)
BIC = "AGRIFRPP"
AMOUNT = r"\d{1,3}(?:\s\d{3})*,\d\d\s€"
"""An amount as the pages write it: « 1 234,56 € », with no-break spaces."""


def field(page: Page, label: str) -> Locator:
    """The input whose label is ``label`` (then « (obligatoire) » and a hint, if any)."""
    after = r"(?: \(obligatoire\))?(?:\s*$|\s+[A-Z0-9])"  # the label's text is not trimmed
    return page.get_by_label(re.compile(f"^{re.escape(label)}{after}"))


async def heading(journey: Journey, text: str) -> None:
    await expect(journey.page.get_by_role("heading", level=1)).to_have_text(text)


async def sign_in(journey: Journey, username: str) -> None:
    page = journey.page
    await field(page, "Identifiant").fill(username)
    await field(page, "Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await heading(journey, "Mon compte")
    await journey.check("mon-compte")


async def test_a_firm_signs_up_adds_its_first_client_and_opens_its_cotisations(
    site: Site,
) -> None:
    siren, _, _ = await registered(site.platform)
    email = f"claire.{uuid.uuid4().hex[:6]}@cabinet-lumiere.fr"
    async with site.journey("cabinet") as journey:
        page = journey.page
        await journey.open("/")
        await expect(page).to_have_url(journey.address("/connexion"))
        await journey.check("connexion")

        await page.get_by_role("link", name="Créer un compte expert-comptable").click()
        await heading(journey, "Créer un compte expert-comptable")
        await journey.check("inscription")
        await field(page, "Raison sociale").fill("Cabinet Lumière")
        await field(page, "SIRET").fill(random_siret(random.Random()))
        await field(page, "Adresse").fill("3 quai Saint-Antoine, 69002 Lyon")
        await field(page, "Prénom").fill("Claire")
        await field(page, "Nom").fill("Lumière")
        await field(page, "Adresse électronique").fill(email)
        await field(page, "Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Créer le compte du cabinet").click()
        await expect(page.get_by_role("status")).to_contain_text("un lien d'activation")
        await journey.check("inscription-envoyee")

        link = await mailed_link(site.platform, email, journey.address("/activation?token="))
        await page.goto(link)
        await heading(journey, "Activer mon compte")
        await journey.check("activation")
        await page.get_by_role("button", name="Activer mon compte").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Votre compte est activé : vous pouvez vous connecter."
        )
        await journey.check("compte-active")

        await sign_in(journey, email)
        nav = page.get_by_role("navigation", name="Menu principal")
        await nav.get_by_role("link", name="Mes clients").click()
        await heading(journey, "Mes clients")
        await expect(page.get_by_text("0 client.")).to_be_visible()
        await journey.check("mes-clients-vide")

        await page.get_by_role("link", name="Ajouter un client", exact=True).click()
        await heading(journey, "Ajouter un client")
        await journey.check("ajouter-un-client")
        await field(page, "SIREN ou SIRET").fill(siren)
        await field(page, "Nom ou raison sociale").fill("Dupont Jean")
        await page.get_by_role("button", name="Envoyer").click()
        await expect(page.get_by_role("status")).to_contain_text("Dupont Jean est ajouté")
        await journey.check("client-ajoute")

        key_link = page.get_by_role("link", name="Saisir la clé d'activation de Dupont Jean")
        href = await key_link.get_attribute("href")
        assert href is not None
        client_id = href.split("/")[2]
        key = await key_from_letter(site.platform, client_id)
        await key_link.click()
        await heading(journey, "Saisir la clé d'activation")
        await journey.check("saisir-la-cle")
        await field(page, "Clé d'activation").fill(key.lower())
        await page.get_by_role("button", name="Activer le mandat").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Clé acceptée : le mandat est actif, le dossier vous est ouvert."
        )
        await journey.check("mes-clients")

        await mandate_in_force(site.platform, client_id)
        await page.get_by_role("link", name="Cotisations de Dupont Jean").click()
        await heading(journey, "Cotisations du client")
        await expect(page.get_by_role("table", name="Échéances de l'année 2026")).to_be_visible()
        await journey.check("cotisations-du-client")


async def test_an_assure_signs_up_and_revokes_the_firms_mandate(site: Site) -> None:
    siren, nir, record = await registered(site.platform)
    firm = await firm_holding_mandate(site.platform, siren, "Cabinet Rhône Conseil")
    email = f"jean.{uuid.uuid4().hex[:6]}@example.fr"
    async with site.journey("assure-mandat") as journey:
        page = journey.page
        await journey.open("/connexion")
        await journey.check("connexion")
        await page.get_by_role(
            "link", name="Créer mon compte (travailleur indépendant, retraité)"
        ).click()
        await heading(journey, "Créer mon compte")
        await journey.check("inscription")
        await field(page, "Numéro de sécurité sociale").fill(nir)
        await field(page, "Date de naissance").fill(record.birth_date.strftime("%d/%m/%Y"))
        await field(page, "Nom de naissance").fill(record.birth_name)
        await field(page, "Adresse électronique").fill(email)
        await field(page, "Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Créer mon compte", exact=True).click()
        await expect(page.get_by_role("status")).to_contain_text("un lien d'activation")
        await journey.check("inscription-envoyee")

        await page.goto(
            await mailed_link(site.platform, email, journey.address("/activation?token="))
        )
        await heading(journey, "Activer mon compte")
        await journey.check("activation")
        await page.get_by_role("button", name="Activer mon compte").click()
        await expect(page.get_by_role("status")).to_contain_text("Votre compte est activé")
        await journey.check("compte-active")

        await sign_in(journey, nir[:13])  # the NIR without its key, as the hint says
        nav = page.get_by_role("navigation", name="Menu principal")
        await nav.get_by_role("link", name="Mes données personnelles").click()
        await heading(journey, "Mes données personnelles")
        await expect(page.get_by_text("1er mai 1985")).to_be_visible()
        await journey.check("donnees-personnelles")

        await page.get_by_role("link", name="Gérer le mandat Expert-comptable").click()
        await heading(journey, "Gérer le mandat Expert-comptable")
        await expect(page.get_by_role("main")).to_contain_text(
            f"{firm.name} détient votre mandat depuis le"
        )
        await journey.check("mandat")
        await page.get_by_role("button", name=f"Révoquer le mandat de {firm.name}").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Votre mandat est révoqué : le cabinet n'a plus accès à votre dossier, il en est "
            "informé."
        )
        await expect(
            page.get_by_text("Aucun cabinet ne détient de mandat sur votre dossier.")
        ).to_be_visible()
        await expect(page.get_by_role("heading", name="Mandats passés")).to_be_visible()
        await journey.check("mandat-revoque")
        async with httpx.AsyncClient(timeout=15) as client:
            ended = (await client.get(firm.client_url, headers=firm.headers)).json()
        assert (ended["state"], ended["ended_by"]) == ("ended", "client")

        await page.get_by_role("button", name="Se déconnecter", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
        await journey.check("deconnecte")
        await journey.open("/donnees-personnelles")
        await expect(page).to_have_url(journey.address("/connexion?suite=/donnees-personnelles"))
        await journey.check("connexion-demandee")


async def _signed_in_to_cotisations(site: Site, journey: Journey) -> None:
    """A new artisan of the registry, signed up, opens « Mes cotisations »."""
    _, nir, record = await registered(site.platform)
    email = f"artisan.{uuid.uuid4().hex[:6]}@example.fr"
    await assure_with_account(site.platform, nir, record, email)
    await journey.open("/connexion")
    await journey.check("connexion")
    await sign_in(journey, email)
    nav = journey.page.get_by_role("navigation", name="Menu principal")
    await nav.get_by_role("link", name="Mes cotisations").click()
    await heading(journey, "Mes cotisations")
    await journey.check("mes-cotisations")


async def test_an_assure_estimates_the_income_previews_then_sends_it(site: Site) -> None:
    async with site.journey("estimation") as journey:
        page = journey.page
        await _signed_in_to_cotisations(site, journey)
        await page.get_by_role("link", name=re.compile(r"^Estimer mon revenu")).click()
        await heading(journey, "Estimer mon revenu")
        await journey.check("formulaire")
        await field(page, "Année estimée").fill("2026")
        await field(page, "Revenu professionnel estimé, en euros").fill("42 000")
        await page.get_by_role("button", name="Voir le nouvel échéancier").click()

        await heading(journey, "Votre nouvel échéancier")
        main = page.get_by_role("main")
        await expect(main).to_contain_text(
            re.compile(r"Pour un revenu estimé de 42\s000,00\s€ en 2026")
        )
        await expect(main).to_contain_text(re.compile(r"s'appliquerait à partir du \d+ avril 2026"))
        await expect(page.get_by_role("table", name="Échéances rectifiées")).to_be_visible()
        annual = await main.locator("p strong").nth(1).inner_text()
        await journey.check("apercu")

        await page.get_by_role("button", name="Envoyer l'estimation").click()
        await heading(journey, "Mes cotisations")
        await expect(page.get_by_role("status")).to_contain_text(
            re.compile(
                r"Votre estimation est enregistrée : l'échéancier rectificatif s'applique "
                r"à partir du \d+ avril 2026\."
            )
        )
        total = page.locator("dt", has_text="Cotisations provisionnelles 2026").locator("+ dd")
        await expect(total).to_have_text(annual)
        await journey.check("estimation-envoyee")


async def test_an_assure_adheres_to_telepayment_and_pays_an_instalment(site: Site) -> None:
    async with site.journey("telepaiement") as journey:
        page = journey.page
        await _signed_in_to_cotisations(site, journey)
        await page.get_by_role("link", name=re.compile(r"adhérer au télépaiement$")).click()
        await heading(journey, "Adhérer au télépaiement")
        await journey.check("adhesion")
        await field(page, "Nom et prénom du titulaire").fill("Jean Dupont")
        await field(page, "Adresse du titulaire").fill("12 rue des Lilas, 69003 Lyon")
        await field(page, "IBAN du compte à débiter").fill(IBAN)
        await field(page, "BIC").fill(BIC)
        terms = "J'accepte les conditions générales d'utilisation du télépaiement"
        await page.get_by_text(terms).click()  # DSFR draws the box on the label
        await expect(page.get_by_label(terms)).to_be_checked()
        await page.get_by_role("button", name="Valider").click()

        await heading(journey, "Mes cotisations")
        await expect(page.get_by_role("status")).to_contain_text(
            "Votre adhésion au télépaiement est enregistrée"
        )
        pay = page.get_by_role("link", name=re.compile(r"^Payer .* dus le 5 mars 2026$"))
        await expect(pay).to_be_visible()
        await journey.check("mes-cotisations-payer")

        await pay.click()
        await heading(journey, "Payer")
        await expect(page.get_by_role("main")).to_contain_text(
            re.compile(f"Vous allez payer {AMOUNT}")
        )
        await journey.check("payer")
        await page.get_by_role("button", name="Continuer").click()
        await heading(journey, "Valider le paiement")
        await expect(page.get_by_role("main")).to_contain_text(
            "Votre compte sera débité le 5 mars 2026, pas avant."
        )
        await journey.check("valider-le-paiement")
        await page.get_by_role("button", name="Valider le paiement").click()

        await heading(journey, "Mes cotisations")
        await expect(page.get_by_role("status")).to_contain_text(
            re.compile(
                rf"Paiement de {AMOUNT} enregistré : votre compte sera débité le 5 mars 2026"
            )
        )
        await expect(pay).to_have_count(0)  # paid: no longer offered
        payments = page.get_by_role("table", name=re.compile(r"^Paiements reçus.*\(1 au total\)"))
        await expect(payments).to_contain_text("Télépaiement")
        # paid ahead of its due date: what was paid is said as paid ahead, never a negative rest
        await expect(page.get_by_role("main")).to_contain_text(
            re.compile(rf"Versé d'avance\s*{AMOUNT}")
        )
        await expect(page.get_by_role("main")).not_to_contain_text("Reste à payer à ce jour")
        await journey.check("paiement-enregistre")
