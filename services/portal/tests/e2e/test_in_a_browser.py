"""One journey in a real browser (Debian's Chromium driven by Playwright): sign in, « Mon
compte », « Mes données personnelles », sign out — the portal served by uvicorn over the
platform's real apps, in-process."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import ConsoleMessage, async_playwright, expect
from portal_browser import ARGS, ensure_chromium
from portal_platform import ASSURE_EMAIL, PASSWORD, Platform

pytestmark = pytest.mark.e2e


@pytest.fixture
async def portal_url(world: Platform) -> AsyncIterator[str]:
    """The portal on a free local port (plain http: its cookie without Secure)."""
    _, api = world.build_portal(cookie_secure=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(api, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 30
    while not server.started:
        assert not serving.done(), "the portal stopped before it started"
        assert time.monotonic() < deadline, "the portal did not start within 30 s"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)
        sock.close()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when absent."""
    return ensure_chromium()


async def test_sign_in_open_personal_data_and_sign_out(portal_url: str, chromium: Path) -> None:
    console_errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            page = await browser.new_page(locale="fr-FR")

            def keep(message: ConsoleMessage) -> None:
                if message.type == "error":
                    console_errors.append(message.text)

            page.on("console", keep)
            page.on(
                "response",
                lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            page.set_default_timeout(15_000)

            await page.goto(portal_url + "/")
            await expect(page).to_have_url(portal_url + "/connexion")
            await expect(page).to_have_title(re.compile(r"^Se connecter — "))
            await page.get_by_role("textbox", name=re.compile(r"^Identifiant")).fill(ASSURE_EMAIL)
            await page.get_by_label("Mot de passe").fill(PASSWORD)
            await page.get_by_role("button", name="Se connecter").click()

            await expect(page).to_have_url(portal_url + "/")
            await expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
            await (
                page.get_by_role("navigation", name="Menu principal")
                .get_by_role("link", name="Mes données personnelles")
                .click()
            )

            await expect(page).to_have_url(portal_url + "/donnees-personnelles")
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "Mes données personnelles"
            )
            await expect(page.get_by_text("1er mai 1985")).to_be_visible()

            await page.get_by_role("button", name="Se déconnecter").first.click()
            await expect(page).to_have_url(portal_url + "/connexion")
            await expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

            await page.goto(portal_url + "/donnees-personnelles")
            await expect(page).to_have_url(portal_url + "/connexion?suite=/donnees-personnelles")
        finally:
            await browser.close()
    # DSFR's and htmx's scripts run under the portal's content security policy
    assert console_errors == []
