"""``LifespanManager`` for tests, with start-up and shutdown limits a busy CI machine meets.

asgi-lifespan's own limits (5 s) fail a test whose app is only slow to start (its migrations,
its key set, its pools) while the machine runs other suites; a start that really hangs still
fails, after a minute.
"""

from __future__ import annotations

from typing import Any

from asgi_lifespan import LifespanManager as _LifespanManager

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0


class LifespanManager(_LifespanManager):
    def __init__(
        self,
        app: Any,
        startup_timeout: float | None = STARTUP_TIMEOUT_S,
        shutdown_timeout: float | None = SHUTDOWN_TIMEOUT_S,
    ) -> None:
        super().__init__(app, startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout)
