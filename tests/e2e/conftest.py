"""The platform's real processes for the end-to-end tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stack_runner import RunningPlatform, run_platform


@pytest.fixture(scope="module")
def platform(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    refuse = getattr(request.module, "SMTP_REFUSES", frozenset())
    running = run_platform(tmp_path_factory.mktemp("var"), kafka_bootstrap, refuse)
    try:
        yield running
    finally:
        running.stop()
