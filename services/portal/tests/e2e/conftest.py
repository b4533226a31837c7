"""The browser journeys' fixtures (see ``browser_stack.py``): the real stack behind the gateway,
started once for every module of this folder that runs, and one Chromium per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from devstack.services import SERVICES as CATALOGUE
from e2e.browser_stack import SERVICES, Site, start_stack  # this folder (a namespace package)
from playwright.async_api import async_playwright
from portal_assets import installed_assets
from portal_browser import ARGS, ensure_chromium
from stack_runner import RunningPlatform


@dataclass
class _Shared:
    platform: RunningPlatform | None = None

    def stop(self) -> None:
        if self.platform is not None:
            self.platform.stop()
            self.platform = None


HERE = Path(__file__).resolve().parent


def _users(items: list[pytest.Item]) -> list[pytest.Item]:
    """The tests of this folder in the run that take the stack (``site`` does), in the order
    they run."""
    return [
        item
        for item in items
        if "journeys_stack" in getattr(item, "fixturenames", ())
        and Path(item.path).resolve().is_relative_to(HERE)
    ]


@pytest.fixture(scope="session")
def _shared_stack(kafka_bootstrap: str) -> Iterator[_Shared]:
    """The stack once started, stopped at the latest before the broker it runs on."""
    shared = _Shared()
    try:
        yield shared
    finally:
        shared.stop()


@pytest.fixture(scope="module")
def journeys_stack(
    request: pytest.FixtureRequest,
    _shared_stack: _Shared,
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningPlatform]:
    """The platform's processes, the portal and the gateway: one stack for all the modules of
    the run that take it, with ``browser_stack.SERVICES`` and every service a module names in
    its ``SITE_SERVICES``; stopped after the last of those modules."""
    users = _users(request.session.items)
    if _shared_stack.platform is None:
        wanted = set(SERVICES)
        for item in users:
            wanted |= set(getattr(getattr(item, "module", None), "SITE_SERVICES", ()))
        services = [spec.name for spec in CATALOGUE if spec.name in wanted]
        installed_assets()
        _shared_stack.platform = start_stack(
            tmp_path_factory.mktemp("site"), kafka_bootstrap, services
        )
    try:
        yield _shared_stack.platform
    finally:
        mine = [
            n for n, item in enumerate(users) if getattr(item, "module", None) is request.module
        ]
        if not mine or mine[-1] == len(users) - 1:
            _shared_stack.stop()


@pytest.fixture(scope="module")
async def site(journeys_stack: RunningPlatform) -> AsyncIterator[Site]:
    """The stack and Debian's Chromium (installed with apt-get when absent), for the module;
    each journey opens its own context with ``site.journey(name)``."""
    chromium = ensure_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            yield Site(journeys_stack, browser)
        finally:
            await browser.close()
