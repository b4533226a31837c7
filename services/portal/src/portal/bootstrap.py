"""The composition root of the portal: the only module that knows the concrete adapters."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from servicekit.logging import get_logger, register_secret

from portal.adapters.apis import IdentityApi, ServiceApi
from portal.adapters.cookie_seal import CookieSeal, generate_key
from portal.config import PortalSettings
from portal.service_layer.signin import Refresher

_log = get_logger(__name__)

SERVICES = ("identity", "notifications", "cotisations", "mandates", "attestations", "appointments")


@dataclass
class PortalApp:
    settings: PortalSettings
    seal: CookieSeal
    identity: IdentityApi
    apis: dict[str, ServiceApi]
    now: Callable[[], float] = field(default=time.time)
    refresher: Refresher = field(init=False)

    def __post_init__(self) -> None:
        self.refresher = Refresher(self.identity)

    def api(self, service: str) -> ServiceApi:
        return self.apis[service]

    async def aclose(self) -> None:
        for api in self.apis.values():
            await api.aclose()


def bootstrap(
    settings: PortalSettings,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    now: Callable[[], float] = time.time,
) -> PortalApp:
    """``transports``: a service's api reached another way than over the network (tests run
    the real service's app in-process through ``httpx.ASGITransport``)."""
    key = settings.secret_key
    if not key:
        key = generate_key()
        register_secret(key)
        _log.warning(
            "portal_secret_key_drawn",
            detail="PORTAL_SECRET_KEY is empty: a key was drawn, sessions end at restart",
        )
    seal = CookieSeal(key)
    apis: dict[str, ServiceApi] = {}
    for service in SERVICES:
        base_url = getattr(settings, f"{service}_url")
        transport = (transports or {}).get(service)
        client = httpx.AsyncClient(
            base_url=base_url,
            timeout=settings.api_timeout_s,
            transport=transport,
            follow_redirects=False,
            # one client serves every visitor: it must never keep a cookie an api would set
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        apis[service] = (IdentityApi if service == "identity" else ServiceApi)(service, client)
    identity = apis["identity"]
    assert isinstance(identity, IdentityApi)
    return PortalApp(settings, seal, identity, apis, now)
