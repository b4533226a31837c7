"""The browser journeys' plumbing: the real stack behind the gateway, one Chromium, and for each
journey a fresh browser context whose every page is audited with axe-core and photographed.

- :func:`start_stack`: the platform's real processes on the real broker (``run_site`` of
  ``tests/stack_runner.py``), the portal and the Envoy gateway in front, on free ports, on the
  business date :data:`BUSINESS_DATE`. The browser only ever opens the gateway's address.
- :class:`Site`: that stack and the browser (the ``site`` fixture of conftest.py);
  ``async with site.journey("name") as journey`` opens a fresh context (its own cookies) and
  yields a :class:`Journey`.
- :meth:`Journey.check`: once a page is shown, axe-core's WCAG 2 A/AA rules are run on it and
  the step fails listing every violation of impact ``serious`` or ``critical`` (rule, help,
  the nodes); then a full-page screenshot is saved under :data:`SCREENSHOTS` as
  ``<journey>-<nn>-<step>.png``, and what axe found (any impact) under :data:`AXE_REPORTS`.
  Leaving the journey fails if a page it loaded was not checked, or if the browser met a
  script error (a content security policy refusal included) or an answer of 400 or more.
- What a person reads outside the site: :func:`mailed_link` (the SMTP catcher's folder),
  ``journeys.key_from_letter`` (the key letter's PDF in the letter folder); what a partner
  does: :func:`registered` (the business registry's feed, followed until every service knows it);
  what another actor did before the journey, through the apis: :func:`assure_with_account`,
  :func:`firm_holding_mandate`.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from bus_tools import group_caught_up, read_topic
from contracts.partners.v1 import RegistryAffiliationV1
from journeys import (
    PASSWORD,
    added_client,
    key_from_letter,
    mails_to,
    random_siret,
    registered_artisan,
    signup_body,
    text_of,
)
from playwright.async_api import Browser, ConsoleMessage, Page, Response, ViewportSize, expect
from portal.config import PORTAL_ROOT
from servicekit.testing.polling import eventually
from stack_runner import ROOT, RunningPlatform, run_site

SERVICES = ("identity", "notifications", "cotisations", "mandates")
"""What every stack of the journeys runs; a module of this folder names the services it needs
beyond these in its ``SITE_SERVICES`` (conftest.py starts one stack with them all)."""
BUSINESS_DATE = "2026-03-01"
"""cotisations' day: the 5 March instalment's « Payer » window is open (it opens 3 weeks before
the due date), an estimate of 2026 applies from April's instalment."""
DEADLINE_S = 60.0
TIMEOUT_MS = 15_000
"""How long a page's action or expectation may wait (Playwright's default is 5 s for expect)."""
AXE = PORTAL_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
ARTEFACTS = ROOT / "var" / "test-artefacts"
SCREENSHOTS = ARTEFACTS / "screenshots"
"""``<journey>-<nn>-<step>.png``: every page checked, full page, 1280 px wide."""
AXE_REPORTS = ARTEFACTS / "axe"
"""``<journey>.json``: every violation axe-core found on each page, whatever its impact."""
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
Headers = dict[str, str]

_RUN_AXE = """async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],  // the other kinds are listed, their nodes not detailed
  });
  if (results.passes.length === 0) {
    throw new Error("axe-core passed no rule: nothing was audited");
  }
  return {
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    })),
    incomplete: results.incomplete.map((v) => v.id),
    passes: results.passes.length,
  };
}"""
"""axe's violations in full; the rules it could not decide (``incomplete``: to review by
hand) by name; how many rules passed (none would mean nothing was audited)."""


def start_stack(
    var: Path,
    kafka_bootstrap: str,
    services: Iterable[str] = SERVICES,
    env: dict[str, str] | None = None,
) -> RunningPlatform:
    """The stack of the journeys; the site's address is ``platform.url("gateway")``."""
    return run_site(
        var,
        kafka_bootstrap,
        services=tuple(services),
        env={"COTISATIONS_BUSINESS_DATE": BUSINESS_DATE, **(env or {})},
    )


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """axe's violations of impact serious or critical, one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'])}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    ]


async def axe_audit(page: Page, tags: Iterable[str] = WCAG_TAGS) -> dict[str, Any]:
    """axe-core run on the page shown (:data:`_RUN_AXE`'s answer). It is evaluated through
    the DevTools protocol, which the page's content security policy does not govern: no need
    to relax the policy, and the portal's own scripts stay under it."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    found: dict[str, Any] = await page.evaluate(_RUN_AXE, list(tags))
    return found


@dataclass
class Journey:
    """One person's visit in its own browser context."""

    name: str
    page: Page
    site: str
    loads: list[str] = field(default_factory=list)
    checked: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    """Answers of 400 or more the journey means to meet (a form refused: ``{422}``)."""
    steps: int = 0

    def address(self, path: str) -> str:
        return self.site + path

    async def open(self, path: str) -> None:
        await self.page.goto(self.address(path))

    async def check(self, step: str) -> Path:
        """The page shown, audited (WCAG 2 A/AA: no serious or critical violation) and saved
        as a full-page screenshot; returns the screenshot's path."""
        await self.page.wait_for_load_state("load")
        where = self.page.url
        audit = await axe_audit(self.page)
        self.findings.append({"step": step, "url": where, **audit})
        found = blocking(audit["violations"])
        assert not found, f"{self.name}, {step} ({where}): axe-core finds\n" + "\n".join(found)
        self.checked.add(len(self.loads) - 1)
        self.steps += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{self.name}-{self.steps:02d}-{step}.png"
        await self.page.screenshot(path=shot, full_page=True)
        return shot

    def report(self) -> Path:
        """What axe-core found on each page checked, as JSON under :data:`AXE_REPORTS`."""
        AXE_REPORTS.mkdir(parents=True, exist_ok=True)
        path = AXE_REPORTS / f"{self.name}.json"
        path.write_text(json.dumps(self.findings, ensure_ascii=False, indent=2))
        return path

    def unchecked(self) -> list[str]:
        return [url for n, url in enumerate(self.loads) if n not in self.checked]

    def watch(self) -> None:
        """Record each document loaded, each script error and each answer of 400 or more
        (but those of :attr:`allowed_statuses`)."""

        def loaded(page: Page) -> None:
            self.loads.append(page.url)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.problems.append(f"console: {message.text}")

        def answered(response: Response) -> None:
            if response.status >= 400 and response.status not in self.allowed_statuses:
                self.problems.append(f"{response.status} {response.url}")

        self.page.on("load", loaded)
        self.page.on("console", console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script: {error}"))
        self.page.on("response", answered)


@dataclass
class Site:
    """The stack behind the gateway and the module's browser."""

    platform: RunningPlatform
    browser: Browser

    @property
    def url(self) -> str:
        return self.platform.url("gateway")

    @asynccontextmanager
    async def journey(self, name: str) -> AsyncIterator[Journey]:
        """A fresh context (cookies of its own), 1280 px wide, in French; its screenshots of an
        earlier run are removed first."""
        for old in SCREENSHOTS.glob(f"{name}-[0-9][0-9]-*.png"):
            old.unlink()
        context = await self.browser.new_context(locale="fr-FR", viewport=VIEWPORT)
        try:
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)  # for every expect(): pages behind a busy stack
            journey = Journey(name, page, self.url)
            journey.watch()
            try:
                yield journey
            finally:
                journey.report()
            assert not journey.unchecked(), f"pages not audited: {journey.unchecked()}"
            assert not journey.problems, journey.problems
        finally:
            await context.close()


# --- what people and partners do outside the site ------------------------------------------


async def mailed_link(platform: RunningPlatform, email: str, link: str) -> str:
    """The one link starting with ``link`` in the mails caught for ``email``, waited for."""
    pattern = re.compile(re.escape(link) + r"\S+")

    async def found() -> list[str]:
        return [
            m.group(0)
            for mail in mails_to(platform.mail_dir, email)
            for m in pattern.finditer(text_of(mail))
        ]

    links = await eventually(found, timeout_s=DEADLINE_S, interval_s=0.2, message=f"{link}…")
    assert len(set(links)) == 1, links
    return links[0]


async def on_the_bus(
    platform: RunningPlatform,
    topic: str,
    match: Callable[[str, dict[str, object]], bool],
    groups: Iterable[str],
) -> None:
    """Once an event ``match`` accepts is on ``topic``, every consumer group of ``groups``
    (of the services running) has read the topic that far."""

    async def published() -> bool:
        events = await read_topic(platform.cfg.kafka_bootstrap, topic)
        return any(match(kind, payload) for kind, payload in events)

    await eventually(published, timeout_s=DEADLINE_S, interval_s=0.3, message=f"on {topic}")
    running = {spec.name for spec in platform.cfg.services}
    for group in groups:
        if group.split(".", 1)[0] in running:
            await eventually(
                partial(group_caught_up, platform.cfg.kafka_bootstrap, group, [topic]),
                timeout_s=DEADLINE_S,
                interval_s=0.3,
                message=f"{group} reading {topic}",
            )


async def registered(platform: RunningPlatform) -> tuple[str, str, RegistryAffiliationV1]:
    """A new artisan on the business registry's feed (its SIREN, NIR and record), once
    identity has registered it and mandates and cotisations have read the registration."""
    siren, nir, record = await registered_artisan(platform, random.Random())

    def registration(kind: str, payload: dict[str, object]) -> bool:
        return kind == "identity.affiliate.registered.v1" and payload.get("siren") == siren

    await on_the_bus(
        platform,
        "identity.affiliate",
        registration,
        ("mandates.registry", "cotisations.accounts"),
    )
    return siren, nir, record


async def mandate_in_force(platform: RunningPlatform, client_id: str) -> None:
    """The mandate's activation published, and read by cotisations' access model."""

    def activation(kind: str, payload: dict[str, object]) -> bool:
        return kind == "mandates.mandate.activated.v1" and payload.get("mandate_id") == client_id

    await on_the_bus(platform, "mandates.mandate", activation, ("cotisations.access",))


# --- what another actor does through the apis, before the journey ---------------------------


def _token_of(link: str) -> str:
    found = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", link)
    assert found, link
    return found.group(1)


async def _activated(
    client: httpx.AsyncClient, platform: RunningPlatform, email: str, username: str
) -> Headers:
    site = platform.url("gateway")
    link = await mailed_link(platform, email, f"{site}/activation?token=")
    identity = platform.api("identity")
    done = await client.post(f"{identity}/v1/accounts/activation", json={"token": _token_of(link)})
    assert done.status_code == 200, done.text
    login = await client.post(
        f"{identity}/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def assure_with_account(
    platform: RunningPlatform, nir: str, record: RegistryAffiliationV1, email: str
) -> None:
    """The registry's artisan has signed up and activated (through identity's api), and
    cotisations has opened the account."""
    identity = platform.api("identity")
    async with httpx.AsyncClient(timeout=15) as client:
        body = {
            "nir": nir,
            "birth_date": record.birth_date.isoformat(),
            "birth_name": record.birth_name,
            "email": email,
            "password": PASSWORD,
        }
        signed = await client.post(f"{identity}/v1/assures", json=body)
        assert signed.status_code == 201, signed.text
        headers = await _activated(client, platform, email, email)
        me = (await client.get(f"{identity}/v1/me", headers=headers)).json()
        account = f"{platform.api('cotisations')}/v1/accounts/{me['affiliate_id']}"

        async def opened() -> bool:
            return (await client.get(account, headers=headers)).status_code == 200

        await eventually(opened, timeout_s=DEADLINE_S, message="the account opened")


@dataclass
class Firm:
    name: str
    headers: Headers
    client_url: str


async def firm_holding_mandate(platform: RunningPlatform, siren: str, name: str) -> Firm:
    """A firm signed up and activated (through the apis) holds an active mandate on
    ``siren``: the client added, the key typed from the letter."""
    identity, mandates = platform.api("identity"), platform.api("mandates")
    email = f"admin.{uuid.uuid4().hex[:8]}@cabinet-mandat.fr"
    async with httpx.AsyncClient(timeout=15) as client:
        signup = await client.post(
            f"{identity}/v1/cabinets",
            json=signup_body(email, random_siret(random.Random()), name),
        )
        assert signup.status_code == 201, signup.text
        headers = await _activated(client, platform, email, email)
        clients = f"{mandates}/v1/cabinets/{signup.json()['cabinet_id']}/clients"
        row = await added_client(client, clients, siren, headers)
        key = await key_from_letter(platform, row["id"])
        activated = await client.post(
            f"{clients}/{row['id']}/activation", json={"key": key}, headers=headers
        )
        assert activated.status_code == 200, activated.text
    return Firm(name, headers, f"{clients}/{row['id']}")
