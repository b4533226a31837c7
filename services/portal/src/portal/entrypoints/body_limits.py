"""The largest body a page reads: a few kilobytes for a form, more on the pages that take a
file; anything larger is refused (413) before the route reads it."""

from __future__ import annotations

from collections.abc import Mapping

from servicekit.http import BodySizeLimit
from starlette.types import ASGIApp, Receive, Scope, Send


class BodyLimits:
    """``max_bytes`` on every path but those of ``larger`` (path → its own limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int]) -> None:
        self.default = BodySizeLimit(app, max_bytes)
        self.by_path = {path: BodySizeLimit(app, limit) for path, limit in larger.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.by_path.get(scope.get("path", "")) if scope["type"] == "http" else None
        await (chosen or self.default)(scope, receive, send)
