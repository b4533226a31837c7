"""Signing in with identity's real login, the session cookie, signing out."""

from __future__ import annotations

import asyncio
import re
import socket
from http.cookies import SimpleCookie

from portal_platform import ASSURE_EMAIL, Platform, form_token, main_text, sign_in


async def test_a_signed_out_visitor_is_sent_to_the_login_page_with_where_it_was_going(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        resp = await browser.get("/cotisations")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/connexion?suite=/cotisations"
        resp = await browser.get("/")
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")


async def test_the_assure_signs_in_and_sees_mon_compte(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await sign_in(browser, ASSURE_EMAIL, suite="/donnees-personnelles")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/donnees-personnelles"
        home = await browser.get("/")
        assert home.status_code == 200
        assert "<h1>Mon compte</h1>" in home.text
        assert "<title>Mon compte — Mon compte — site de démonstration</title>" in home.text


async def test_a_wrong_password_is_told_in_french_without_saying_whether_the_account_exists(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        resp = await sign_in(browser, "personne@nulle-part.fr", "pas le bon mot de passe")
        assert resp.status_code == 400
        assert "Identifiant ou mot de passe incorrect." in resp.text
        assert 'value="personne@nulle-part.fr"' in resp.text
        assert (await browser.get("/")).status_code == 303


async def test_empty_fields_are_refused_each_tied_to_its_input(world: Platform) -> None:
    async with world.portal() as browser:
        page = await browser.get("/connexion")
        resp = await browser.post(
            "/connexion",
            data={"csrf": form_token(page.text), "identifiant": "", "mot_de_passe": ""},
        )
        assert resp.status_code == 422
        assert 'aria-describedby="identifiant-aide identifiant-erreur"' in resp.text
        assert 'id="identifiant-erreur"' in resp.text
        assert 'aria-describedby="mot_de_passe-erreur"' in resp.text
        assert "Saisissez votre mot de passe." in resp.text
        assert "Le formulaire contient 2 erreurs" in resp.text


async def test_the_session_cookie_is_http_only_secure_lax_and_unreadable(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await sign_in(browser, ASSURE_EMAIL)
        [header] = resp.headers.get_list("set-cookie")
        cookie = SimpleCookie()
        cookie.load(header)
        [(name, morsel)] = cookie.items()
        assert name == "__Host-mon-compte"
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        # the tokens are sealed: nothing of the JWT (its header starts "eyJ") shows
        assert "eyJ" not in morsel.value
        assert ASSURE_EMAIL not in morsel.value


async def test_plain_http_local_development_drops_secure_and_the_host_prefix(
    world: Platform,
) -> None:
    async with world.portal(cookie_secure=False) as browser:
        resp = await browser.get("/connexion")
        header = resp.headers["set-cookie"]
        assert header.startswith("mon-compte=")
        assert "Secure" not in header
        assert "HttpOnly" in header


async def test_a_forged_cookie_is_a_visitor_with_no_session(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        value = browser.cookies["__Host-mon-compte"]
        forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
        browser.cookies.set("__Host-mon-compte", forged, domain="portal.test")
        resp = await browser.get("/")
        assert resp.status_code == 303


async def test_signing_out_ends_identitys_session(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        home = await browser.get("/")
        sealed = browser.session()
        refresh_token = sealed["refresh_token"]
        resp = await browser.post("/deconnexion", data={"csrf": form_token(home.text)})
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
        page = await browser.get("/connexion")
        assert "Vous êtes déconnecté." in page.text
        assert (await browser.get("/")).status_code == 303
    async with world.client("identity") as identity:
        again = await identity.post("/v1/auth/refresh", json={"refresh_token": refresh_token})
        assert again.status_code == 401


async def test_signing_out_everywhere_ends_every_session_of_the_account(world: Platform) -> None:
    async with world.portal() as phone, world.portal() as laptop:
        await sign_in(phone, ASSURE_EMAIL)
        await sign_in(laptop, ASSURE_EMAIL)
        home = await laptop.get("/")
        resp = await laptop.post("/deconnexion-partout", data={"csrf": form_token(home.text)})
        assert resp.status_code == 303
        assert (
            "Vous êtes déconnecté de tous vos appareils." in (await laptop.get("/connexion")).text
        )
        # the phone's access token may live out its minutes; its refresh is refused
        sealed = phone.session()
    async with world.client("identity") as identity:
        again = await identity.post(
            "/v1/auth/refresh", json={"refresh_token": sealed["refresh_token"]}
        )
        assert again.status_code == 401


async def test_an_expired_access_token_is_refreshed_before_the_page_is_served(
    world: Platform,
) -> None:
    clock = [1_000_000.0]
    async with world.portal(now=lambda: clock[0]) as browser:
        await sign_in(browser, ASSURE_EMAIL)
        before = browser.session()
        clock[0] += 600  # the token's 10 minutes are over for the portal
        resp = await browser.get("/donnees-personnelles")
        assert resp.status_code == 200
        after = browser.session()
        assert after["refresh_token"] != before["refresh_token"]
        assert after["access_token"] != before["access_token"]
        assert after["expires_at"] == clock[0] + 600


async def test_a_refresh_refused_by_identity_sends_back_to_the_login_page(world: Platform) -> None:
    clock = [1_000_000.0]
    async with world.portal(now=lambda: clock[0]) as browser:
        await sign_in(browser, ASSURE_EMAIL)
        sealed = browser.session()
        async with world.client("identity") as identity:
            await identity.post("/v1/auth/logout", json={"refresh_token": sealed["refresh_token"]})
        clock[0] += 600
        resp = await browser.get("/attestations")
        assert (resp.status_code, resp.headers["location"]) == (
            303,
            "/connexion?suite=/attestations",
        )
        page = await browser.get("/connexion")
        assert "Votre session a pris fin. Reconnectez-vous." in page.text


async def test_the_login_page_sends_a_signed_in_person_on(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        resp = await browser.get("/connexion?suite=//ailleurs.example/piege")
        assert (resp.status_code, resp.headers["location"]) == (303, "/")


async def test_the_signed_in_cookie_stays_well_under_the_browsers_limit(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await sign_in(browser, ASSURE_EMAIL)
        assert len(resp.headers["set-cookie"]) < 3000  # browsers keep 4096 bytes a cookie


async def test_identity_unreachable_is_said_on_the_login_page(world: Platform) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    unreachable = {"identity_url": f"http://127.0.0.1:{port}"}
    async with world.portal(network=("identity",), **unreachable) as browser:
        resp = await sign_in(browser, ASSURE_EMAIL)
        assert resp.status_code == 503
        assert "L'espace de connexion est momentanément injoignable." in main_text(resp.text)


async def test_requests_arriving_together_with_an_expired_token_refresh_it_once(
    world: Platform,
) -> None:
    """identity ends the session when a refresh token is used twice: the portal must not."""
    clock = [1_000_000.0]
    async with world.portal(now=lambda: clock[0]) as browser:
        await sign_in(browser, ASSURE_EMAIL)
        clock[0] += 600
        pages = await asyncio.gather(
            browser.get("/"), browser.get("/donnees-personnelles"), browser.get("/attestations")
        )
        assert [p.status_code for p in pages] == [200, 200, 200]
        # the session is alive: its newest refresh token still refreshes
        clock[0] += 600
        assert (await browser.get("/cotisations")).status_code == 200
        async with world.client("identity") as identity:
            again = await identity.post(
                "/v1/auth/refresh", json={"refresh_token": browser.session()["refresh_token"]}
            )
            assert again.status_code == 200


async def test_mes_sessions_lists_each_device_and_ends_another_one(world: Platform) -> None:
    async with world.portal() as phone, world.portal() as laptop:
        await sign_in(phone, ASSURE_EMAIL)
        await sign_in(laptop, ASSURE_EMAIL)
        page = await laptop.get("/sessions")
        assert page.status_code == 200
        assert "Cet appareil" in main_text(page.text)
        phone_session = phone.session()
        # the phone's session is one of those the laptop may end
        forms = re.findall(r'action="/sessions/([^"]+)/fin"', page.text)
        assert forms
        async with world.client("identity") as identity:
            listed = await identity.get(
                "/v1/me/sessions",
                headers={"Authorization": f"Bearer {phone_session['access_token']}"},
            )
        [phone_id] = [s["session_id"] for s in listed.json() if s["current"]]
        assert phone_id in forms
        resp = await laptop.post(f"/sessions/{phone_id}/fin", data={"csrf": form_token(page.text)})
        assert (resp.status_code, resp.headers["location"]) == (303, "/sessions")
        assert "Cette session est fermée : l'appareil devra se reconnecter." in main_text(
            (await laptop.get("/sessions")).text
        )
        async with world.client("identity") as identity:
            again = await identity.post(
                "/v1/auth/refresh", json={"refresh_token": phone_session["refresh_token"]}
            )
            assert again.status_code == 401


async def test_the_login_brings_back_to_the_page_asked_with_its_query(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await browser.get("/verification?code=x")  # public: no redirection
        assert resp.status_code == 422
        resp = await browser.get("/clients?q=Dupont&page=2")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/connexion?suite=/clients%3Fq%3DDupont%26page%3D2"
        page = await browser.get(resp.headers["location"])
        assert 'name="suite" value="/clients?q=Dupont&amp;page=2"' in page.text
        # a form sent signed out comes back to the home page, not to a POST-only address
        resp = await browser.post(
            "/donnees-personnelles/coordonnees", data={"csrf": form_token(page.text)}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
