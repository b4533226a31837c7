"""« Prise de rendez-vous » in a real Chromium, on the real stack through the gateway: a
person with no account chooses the reason, the region and the agency, a slot on the next page
of free slots, fills the form, and ALTCHA's widget really solves appointments' challenge in
the browser (its worker under the site's content security policy); the confirmation page,
then the manage link of the acknowledgement mail opens the portal's page, where the
appointment is cancelled. Every page shown is audited with axe-core and saved as a screenshot
(see ``browser_stack.py``)."""

from __future__ import annotations

import re
import uuid

import pytest
from e2e.browser_stack import Journey, Site, mailed_link  # this folder (a namespace package)
from playwright.async_api import Locator, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SITE_SERVICES = ("identity", "notifications", "appointments")
NIR = "1 85 05 75 123 456 73"


def field(page: Page, label: str) -> Locator:
    """The input whose label starts with ``label`` (then « (obligatoire) » or a hint)."""
    return page.get_by_label(re.compile(f"^{re.escape(label)}(?:\\s|$)"))


async def choose(page: Page, box: Locator) -> None:
    """A DSFR radio button or checkbox ticked as a person does: by its label."""
    await page.locator(f'label[for="{await box.get_attribute("id")}"]').click()
    await expect(box).to_be_checked()


async def heading(journey: Journey, text: str) -> None:
    await expect(journey.page.get_by_role("heading", level=1)).to_have_text(text)


async def next_step(page: Page) -> None:
    await page.get_by_role("button", name="Étape suivante").click()


async def test_prise_de_rendez_vous(site: Site) -> None:
    email = f"lea.{uuid.uuid4().hex[:8]}@exemple.fr"
    async with site.journey("prise-de-rendez-vous") as journey:
        page = journey.page
        await journey.open("/rendez-vous")
        await heading(journey, "Prendre rendez-vous")
        await expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
        await journey.check("objet-et-motif")
        await choose(page, field(page, "Comprendre mon échéancier"))
        await next_step(page)

        await journey.check("region")
        await page.get_by_label("La région de votre domicile").select_option("IDF")
        await page.get_by_role("button", name="Afficher les agences de la région").click()
        await expect(field(page, "Agence de Paris")).to_be_visible()
        await journey.check("agences")
        await choose(page, field(page, "Agence de Paris"))
        await choose(page, field(page, "À l'agence"))
        await next_step(page)

        await expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()
        await journey.check("creneaux")
        await page.get_by_role("link", name="Créneaux suivants").click()
        await expect(page.get_by_role("link", name="Premiers créneaux libres")).to_be_visible()
        await journey.check("creneaux-suivants")
        slot = page.locator('input[name="creneau"]').first
        chosen = await slot.get_attribute("value")
        assert chosen is not None
        await choose(page, slot)
        await next_step(page)

        await expect(page.get_by_text("Étape 4 sur 4")).to_be_visible()
        await journey.check("formulaire")
        await field(page, "Numéro de sécurité sociale").fill(NIR)
        await field(page, "Prénom(s)").fill("Léa")
        await field(page, "Nom").fill("Martin")
        await field(page, "Adresse postale").fill("4 place Bellecour, 69002 Lyon")
        await field(page, "Téléphone mobile").fill("06 12 34 56 78")
        await field(page, "Adresse électronique").fill(email)
        await choose(page, field(page, "J'accepte les conditions d'utilisation"))
        # the widget fetches a challenge from the portal and its worker finds the number
        await page.get_by_label("Je ne suis pas un robot").click()
        await expect(page.get_by_text("Vérification faite")).to_be_visible()
        proof = page.locator('input[name="code_verification"]')
        assert await proof.get_attribute("value")
        await journey.check("code-de-verification")
        await page.get_by_role("button", name="Valider ma demande de rendez-vous").click()

        await heading(journey, "Votre demande de rendez-vous est enregistrée")
        await expect(page.get_by_text("22 rue de Lagny, 75020 Paris")).to_be_visible()
        await expect(page.get_by_text(f"va vous être envoyé à l'adresse {email}")).to_be_visible()
        await journey.check("confirmation")

        link = await mailed_link(
            site.platform, email, journey.address("/rendez-vous/gestion?token=")
        )
        await page.goto(link)
        await heading(journey, "Gérer mon rendez-vous")
        await expect(page.get_by_text("Demandé, à confirmer")).to_be_visible()
        await journey.check("gerer-mon-rendez-vous")
        await page.get_by_role("button", name="Annuler mon rendez-vous").click()
        await expect(page.get_by_role("status")).to_contain_text("est annulé")
        await heading(journey, "Prendre rendez-vous")
        await journey.check("rendez-vous-annule")
