"""What every page shares: the form token (CSRF), the brand block off by default, the skip
links, the French error pages, the assets served from DSFR's and htmx's packages."""

from __future__ import annotations

import html

import pytest
from portal_platform import ASSURE_EMAIL, CABINET_EMAIL, Platform, form_token, main_text, sign_in

ASSURE_FORMS = [
    "/deconnexion",
    "/deconnexion-partout",
    "/donnees-personnelles/coordonnees",
    "/attestations",
    "/cotisations/payer",
    "/cotisations/payer/validation",
    "/cotisations/telepaiement",
    "/donnees-personnelles/consentement",
    "/donnees-personnelles/mandat/revocation",
    "/sessions/some-session/fin",
]
ANONYMOUS_FORMS = [
    "/connexion",
    "/activation",
    "/mot-de-passe-oublie",
    "/reinitialisation",
    "/inscription",
    "/inscription-cabinet",
]
FIRM_FORMS = ["/clients/ajouter", "/clients/some-client/cle", "/comptes"]


@pytest.mark.parametrize("path", ASSURE_FORMS)
async def test_an_assures_form_without_the_sessions_token_is_refused_in_french(
    world: Platform, path: str
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        missing = await browser.post(path, data={"mobile": "06 12 34 56 78", "type": "affiliation"})
        forged = await browser.post(path, data={"csrf": "un-jeton-d-une-autre-session"})
        for resp in (missing, forged):
            assert resp.status_code == 403, path
            text = main_text(resp.text)
            assert "Formulaire refusé" in text
            assert "Ce formulaire a expiré ou ne vient pas de ce site." in text
        # still signed in: the refusal changed nothing
        assert (await browser.get("/")).status_code == 200


@pytest.mark.parametrize("path", FIRM_FORMS)
async def test_a_firms_form_without_the_sessions_token_is_refused(
    world: Platform, path: str
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        resp = await browser.post(path, data={"identifiant": "73282932000074", "cle": "X"})
        assert resp.status_code == 403
        assert "Formulaire refusé" in main_text(resp.text)


@pytest.mark.parametrize("path", ANONYMOUS_FORMS)
async def test_a_signed_out_visitors_form_without_its_token_is_refused(
    world: Platform, path: str
) -> None:
    async with world.portal() as browser:
        await browser.get("/connexion")  # the visit and its token exist
        resp = await browser.post(path, data={"token": "x" * 43, "courriel": "a@b.fr"})
        assert resp.status_code == 403
        assert "Formulaire refusé" in main_text(resp.text)


async def test_the_login_form_needs_the_token_of_the_browsers_own_visit(world: Platform) -> None:
    async with world.portal() as attacker, world.portal() as victim:
        planted = form_token((await attacker.get("/connexion")).text)
        await victim.get("/connexion")
        resp = await victim.post(
            "/connexion",
            data={"csrf": planted, "identifiant": ASSURE_EMAIL, "mot_de_passe": "x" * 12},
        )
        assert resp.status_code == 403


async def test_the_form_token_changes_at_sign_in(world: Platform) -> None:
    async with world.portal() as browser:
        before = form_token((await browser.get("/connexion")).text)
        await sign_in(browser, ASSURE_EMAIL)
        after = form_token((await browser.get("/")).text)
        assert before != after
        resp = await browser.post("/deconnexion", data={"csrf": before})
        assert resp.status_code == 403


async def test_the_brand_block_is_off_and_the_site_says_it_is_a_demonstration(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        page = await browser.get("/connexion")
        assert 'data-testid="bloc-marque"' not in page.text
        assert "République<br>française" not in page.text
        assert '<body class="portal-unbranded">' in page.text
        assert "Mon compte — site de démonstration" in page.text
        assert "ce n'est pas un site officiel" in page.text
        assert "/static/dsfr/favicon/" not in page.text  # Marianne's symbol is the State's
        assert "/fonts/" not in page.text


async def test_the_brand_block_shows_only_when_the_setting_says_so(world: Platform) -> None:
    async with world.portal(state_brand=True, site_title="Mon compte") as browser:
        page = await browser.get("/connexion")
        assert 'data-testid="bloc-marque"' in page.text
        assert "République<br>française" in page.text
        assert "ce n'est pas un site officiel" not in page.text
        assert 'href="/static/dsfr/favicon/favicon.svg"' in page.text


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/connexion", "Se connecter"),
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/verification", "Vérifier une attestation"),
    ],
)
async def test_every_page_is_in_french_with_its_title_and_skip_links(
    world: Platform, path: str, title: str
) -> None:
    async with world.portal() as browser:
        page = await browser.get(path)
        assert page.status_code == 200
        assert '<html lang="fr"' in page.text
        assert f"<title>{title} — Mon compte — site de démonstration</title>" in html.unescape(
            page.text
        )
        assert '<a class="fr-link" href="#contenu">Aller au contenu</a>' in page.text
        assert '<main id="contenu"' in page.text
        assert 'href="/accessibilite">Accessibilité : non conforme</a>' in page.text


async def test_the_accessibility_statement_says_the_real_level(world: Platform) -> None:
    async with world.portal() as browser:
        text = main_text((await browser.get("/accessibilite")).text)
        assert "Ce site est non conforme avec le référentiel général" in text
        assert "aucun audit de conformité n'a encore été réalisé" in text
        assert "Contenus non accessibles connus" in text


async def test_an_unknown_address_gets_a_french_page(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await browser.get("/nulle-part")
        assert resp.status_code == 404
        assert "Page non trouvée" in main_text(resp.text)


async def test_dsfr_and_htmx_are_served_from_their_packages(world: Platform) -> None:
    async with world.portal() as browser:
        css = await browser.get("/static/dsfr/dsfr.min.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert b".fr-btn" in css.content
        assert (await browser.get("/static/dsfr/dsfr.module.min.js")).status_code == 200
        htmx = await browser.get("/static/htmx/htmx.min.js")
        assert htmx.status_code == 200
        assert b"htmx" in htmx.content
        assert (await browser.get("/static/portal/portal.css")).status_code == 200
        ready = await browser.get("/health/ready")
        assert ready.json()["checks"]["assets"] == "ok"
        await browser.get("/connexion")
        metrics = await browser.get("/metrics")
        assert 'service="portal"' in metrics.text


async def test_a_process_without_the_assets_says_it_is_not_ready(
    world: Platform, tmp_path: object
) -> None:
    async with world.portal(assets_dir=str(tmp_path)) as browser:
        assert (await browser.get("/health/live")).status_code == 200
        ready = await browser.get("/health/ready")
        assert ready.status_code == 503
        assert "npm ci" in ready.json()["checks"]["assets"]


async def test_pages_carry_security_headers_and_are_not_cached(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await browser.get("/connexion")
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert "script-src 'self'" in resp.headers["content-security-policy"]
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["cache-control"] == "no-store"
        assert "set-cookie" not in (await browser.get("/static/portal/portal.css")).headers


async def test_an_oversized_form_is_refused_before_it_is_read(world: Platform) -> None:
    async with world.portal() as browser:
        page = await browser.get("/connexion")
        resp = await browser.post(
            "/connexion", data={"csrf": form_token(page.text), "identifiant": "x" * 100_000}
        )
        assert resp.status_code == 413
