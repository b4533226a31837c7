"""What every page shares: the visit sealed in the cookie, the form token, rendering, and the
calls to the apis made with the visit's token (refreshed once when it is refused)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.adapters.apis import ApiError
from portal.bootstrap import PortalApp
from portal.domain import wording
from portal.domain.visit import Visit
from portal.service_layer import signin

T = TypeVar("T")
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
_SCOPE_KEY = "portal.visit"
_NO_COOKIE_PATHS = ("/health/", "/static/", "/metrics")


def cookie_name(secure: bool) -> str:
    """``__Host-`` binds the cookie to this host, https and path ``/`` (browsers refuse it
    otherwise), so only a Secure cookie can carry the prefix."""
    return "__Host-mon-compte" if secure else "mon-compte"


class VisitHolder:
    """The visit of one request; a change is written back to the cookie by the middleware."""

    def __init__(self, visit: Visit, *, changed: bool) -> None:
        self.visit = visit
        self.changed = changed

    def set(self, visit: Visit) -> None:
        self.visit = visit
        self.changed = True


class VisitCookie:
    """Opens the session cookie into a :class:`VisitHolder` before the route, and seals it back
    into ``Set-Cookie`` when the route changed it (a first visit gets one with its form token)."""

    def __init__(self, app: ASGIApp, portal: PortalApp) -> None:
        self.app = app
        self.portal = portal
        settings = portal.settings
        self.name = cookie_name(settings.cookie_secure)
        flags = f"Path=/; HttpOnly; SameSite=Lax; Max-Age={settings.session_max_age_s}"
        self.flags = flags + ("; Secure" if settings.cookie_secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_NO_COOKIE_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        data = None
        raw = request.cookies.get(self.name)
        if raw:
            data = self.portal.seal.open(raw)
        try:
            visit = Visit.from_dict(data) if data else None
        except (TypeError, ValueError):  # sealed by an older shape of the session
            visit = None
        holder = VisitHolder(visit or Visit(), changed=visit is None)
        scope[_SCOPE_KEY] = holder

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and holder.changed:
                value = self.portal.seal.seal(holder.visit.to_dict())
                cookie = f"{self.name}={value}; {self.flags}"
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def holder_of(request: Request) -> VisitHolder:
    holder = request.scope.get(_SCOPE_KEY)
    if not isinstance(holder, VisitHolder):
        holder = VisitHolder(Visit(), changed=True)
        request.scope[_SCOPE_KEY] = holder
    return holder


def portal_of(request: Request) -> PortalApp:
    app: PortalApp = request.app.state.portal
    return app


class LoginRequired(Exception):
    """The page needs a signed-in person: the answer is a redirection to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class FormTokenRefused(Exception):
    """A form sent without this session's form token (CSRF): 403."""


class NotForThisActor(Exception):
    """A page of another kind of account (a firm's page for an assuré…): 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def login_redirect(next_path: str) -> RedirectResponse:
    target = "/connexion"
    if next_path and next_path != "/" and next_path.startswith("/"):
        target += "?suite=" + quote(next_path, safe="/")
    return RedirectResponse(target, status_code=303)


def _here(request: Request) -> str:
    """Where to come back after signing in: the page asked for (a form sent is not asked
    again: its page is)."""
    if request.method != "GET":
        return "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(value: str | None) -> str:
    """Where to go after the login: a path of this site only (never ``//elsewhere``)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def checked_form(request: Request) -> FormData:
    """The form, once its ``csrf`` field matches the session's form token."""
    form = await request.form()
    sent = form.get("csrf")
    expected = holder_of(request).visit.csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise FormTokenRefused
    return form


async def signed_in(request: Request) -> Visit:
    """The visit of a signed-in person, its access token fresh; otherwise :class:`LoginRequired`."""
    holder = holder_of(request)
    visit = holder.visit
    if not visit.signed_in:
        raise LoginRequired(_here(request))
    portal = portal_of(request)
    if visit.needs_refresh(portal.now()):
        await _refresh(request, holder)
    return holder.visit


async def _refresh(request: Request, holder: VisitHolder) -> None:
    portal = portal_of(request)
    try:
        holder.set(await signin.refreshed(portal.refresher, holder.visit, now=portal.now()))
    except ApiError as exc:
        if exc.status in (400, 401, 422):
            holder.set(
                holder.visit.signed_out().with_flash("Votre session a pris fin. Reconnectez-vous.")
            )
            raise LoginRequired(_here(request)) from exc
        raise


async def with_token(request: Request, call: Callable[[str], Awaitable[T]]) -> T:
    """``call`` with the visit's access token; refused as expired (401), the token is
    refreshed once and the call made again."""
    holder = holder_of(request)
    visit = await signed_in(request)
    try:
        return await call(visit.access_token)
    except ApiError as exc:
        if exc.status != 401:
            raise
    await _refresh(request, holder)
    try:
        return await call(holder.visit.access_token)
    except ApiError as exc:
        if exc.status != 401:
            raise
        # a token just refreshed and still refused: this session cannot go on
        holder.set(
            holder.visit.signed_out().with_flash("Votre session a pris fin. Reconnectez-vous.")
        )
        raise LoginRequired(_here(request)) from exc


def templates() -> Jinja2Templates:
    env = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env.env.filters["date_fr"] = wording.french_date
    env.env.filters["datetime_fr"] = wording.french_datetime
    env.env.filters["euros"] = wording.french_euros
    env.env.globals["label"] = wording.label
    env.env.globals["words"] = wording
    return env


def render(
    request: Request,
    template: str,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page of the site; ``title`` is the page's own (the document title adds the site's)."""
    portal = portal_of(request)
    holder = holder_of(request)
    visit = holder.visit
    flash = visit.flash
    if flash:
        holder.set(visit.with_flash(""))
    page = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "visit": visit,
            "csrf": visit.csrf,
            "flash": flash,
            "brand": portal.settings.state_brand,
            "site_title": portal.settings.site_title,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    return page  # type: ignore[no-any-return]
