"""The portal's fixtures: the platform behind it, in-process, and DSFR's assets installed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from portal_assets import installed_assets
from portal_platform import Platform, platform


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    return installed_assets()


@pytest.fixture(scope="session")
async def world(
    tmp_path_factory: pytest.TempPathFactory, assets_dir: Path
) -> AsyncIterator[Platform]:
    """One platform for the whole run: an assuré (Jean Dupont, artisan) and a firm (Cabinet
    Martin Expertise) signed up; each test signs in with its own browser and cookies."""
    async with platform(tmp_path_factory.mktemp("platform"), assets_dir) as built:
        yield built
