"""The platform behind the portal, in-process: identity, cotisations, mandates and attestations
each on its own SQLite database, their real apps reached through ``httpx.ASGITransport``.

Every service verifies identity's real tokens against identity's key set (no test token), and
the events the services exchange over Kafka are carried by :meth:`Platform.relay` from each
outbox to the consumers' handlers, as the workers would.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from attestations.bootstrap import bootstrap as attestations_bootstrap
from attestations.config import AttestationsSettings
from attestations.entrypoints.http import create_app as attestations_app
from attestations.service_layer import consumers as attestations_consumers
from contracts.envelope import Envelope
from cotisations.bootstrap import bootstrap as cotisations_bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import create_app as cotisations_app
from cotisations.service_layer import consumers as cotisations_consumers
from delegation.read_model import ACCESS_EVENT_TYPES
from fastapi import FastAPI
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp
from identity.bootstrap import bootstrap as identity_bootstrap
from identity.config import IdentitySettings
from identity.entrypoints.http import create_app as identity_app
from identity_fakes import PlainHasher
from identity_registry_samples import NIR, NIR_BODY, incoming, record
from mandates.bootstrap import bootstrap as mandates_bootstrap
from mandates.config import MandatesSettings
from mandates.entrypoints.http import create_app as mandates_app
from mandates.service_layer import consumers as mandates_consumers
from portal.bootstrap import PortalApp
from portal.bootstrap import bootstrap as portal_bootstrap
from portal.config import PortalSettings
from portal.entrypoints.http import create_app as portal_app
from servicekit.auth import TokenVerifier, audience_of
from servicekit.messaging import IncomingEvent
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
ASSURE_EMAIL = "jean@dupont.fr"
CABINET_EMAIL = "claire.martin@cabinet-martin.fr"
SECOND_EMAIL = "marie@durand.fr"
CLIENT_SIRET = "73282932000074"  # the registry sample's business (SIREN 732829320)


def siret_of(siren_body: str, establishment: str) -> str:
    siren = siren_body + luhn.calc_check_digit(siren_body)
    head = siren + establishment
    return head + luhn.calc_check_digit(head)


CABINET_SIRET = siret_of("44306184", "0004")
SECOND_SIRET = siret_of("51234567", "0001")
_SECOND_NIR_BODY = "2910375123456"
SECOND_NIR = _SECOND_NIR_BODY + stdnum_nir.calc_check_digits(_SECOND_NIR_BODY)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def main_text(page: str) -> str:
    """The page's ``<main>`` as a reader gets it: tags out, entities decoded, spaces folded."""
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found, "the page has no <main>"
    inline = re.sub(r"</?(?:strong|em|span|abbr|code)\b[^>]*>", "", found.group(0))
    text = re.sub(r"<[^>]+>", " ", inline)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(text)).strip()


def form_token(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no form token"
    return found.group(1)


class Browser(httpx.AsyncClient):
    """A client of the portal with its cookies; :meth:`session` opens the sealed cookie."""

    portal_app: PortalApp

    def session(self) -> dict[str, Any]:
        value = self.cookies.get("__Host-mon-compte") or self.cookies.get("mon-compte")
        assert value, "no session cookie"
        opened = self.portal_app.seal.open(value)
        assert opened is not None
        return opened


@dataclass
class Service:
    name: str
    app: Any
    api: FastAPI
    engine: AsyncEngine
    relayed: int = 0


@dataclass
class Platform:
    identity: IdentityApp
    services: dict[str, Service]
    notifications_private_key: str
    assets_dir: Path
    stack: AsyncExitStack
    affiliate_id: str = ""
    cabinet_id: str = ""
    portals: list[Any] = field(default_factory=list)

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        return {name: httpx.ASGITransport(app=s.api) for name, s in self.services.items()}

    def client(self, service: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.services[service].api)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{service}")

    async def outbox(self, service: str) -> list[dict[str, Any]]:
        async with self.services[service].engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, event_id, topic, key, event_type, payload, created_at "
                        "FROM outbox ORDER BY id"
                    )
                )
            ).mappings()
            return [dict(r) for r in rows]

    async def sealed_links(self, event_type: str) -> list[str]:
        """The links identity sealed for notifications, opened with its private key."""
        links = []
        for row in await self.outbox("identity"):
            if row["event_type"] == event_type:
                payload = json.loads(row["payload"])
                links.append(unseal(self.notifications_private_key, payload["sealed_link"]))
        return links

    async def relay(self) -> None:
        """Every event written since the last relay, handed to the services that consume it
        (until no new event appears: a consumer's effect may publish another)."""
        moved = True
        while moved:
            moved = False
            for source in ("identity", "mandates", "cotisations", "attestations"):
                service = self.services[source]
                for row in await self.outbox(source):
                    if row["id"] <= service.relayed:
                        continue
                    service.relayed = row["id"]
                    moved = True
                    await self._deliver(source, row)

    async def _deliver(self, source: str, row: dict[str, Any]) -> None:
        event = IncomingEvent(
            envelope=Envelope(
                id=row["event_id"],
                type=row["event_type"],
                source=source,
                time=row["created_at"],
                subject=row["key"],
            ),
            data=json.loads(row["payload"]),
            topic=row["topic"],
            partition=0,
            offset=row["id"],
        )
        for topic, types, handler in self._routes():
            if row["topic"] == topic and row["event_type"] in types:
                await handler(event)

    def _routes(self) -> list[tuple[str, frozenset[str], Callable[[IncomingEvent], Any]]]:
        """Each worker's subscriptions (its ``entrypoints/worker.py``): topic, types, handler."""
        cot = self.services["cotisations"].app
        man = self.services["mandates"].app
        att = self.services["attestations"].app
        return [
            ("identity.affiliate", cotisations_consumers.AFFILIATE_TYPES, cot.on_affiliate),
            ("identity.affiliate", mandates_consumers.AFFILIATE_TYPES, man.on_affiliate),
            ("identity.affiliate", attestations_consumers.AFFILIATE_TYPES, att.on_affiliate),
            ("identity.cabinet", mandates_consumers.CABINET_TYPES, man.on_cabinet),
            ("identity.account", mandates_consumers.ACCOUNT_TYPES, man.on_account),
            ("mandates.mandate", ACCESS_EVENT_TYPES, self.identity.on_access_event),
            ("mandates.portfolio", ACCESS_EVENT_TYPES, self.identity.on_access_event),
            *[
                (topic, ACCESS_EVENT_TYPES, app.on_access_event)
                for topic in ("mandates.mandate", "mandates.portfolio", "identity.cabinet")
                for app in (cot, att)
            ],
            ("cotisations.payment", attestations_consumers.PAYMENT_TYPES, att.on_payment),
        ]

    async def sign_up_assure(self) -> None:
        """The registry's Jean Dupont (artisan) signs up and activates his account."""
        async with self.client("identity") as identity:
            body = {"nir": NIR, "birth_date": "1985-05-01", "birth_name": "Dupont",
                    "email": ASSURE_EMAIL, "password": PASSWORD}  # fmt: skip
            resp = await identity.post("/v1/assures", json=body)
            assert resp.status_code == 201, resp.text
            [link] = await self.sealed_links("identity.account.activation_requested.v1")
            token = parse_qs(urlparse(link).query)["token"][0]
            resp = await identity.post("/v1/accounts/activation", json={"token": token})
            assert resp.status_code == 200, resp.text
            login = await identity.post(
                "/v1/auth/token", json={"username": ASSURE_EMAIL, "password": PASSWORD}
            )
            me = await identity.get(
                "/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
            )
            self.affiliate_id = me.json()["affiliate_id"]

    async def token_of(self, email: str) -> str:
        async with self.client("identity") as identity:
            login = await identity.post(
                "/v1/auth/token", json={"username": email, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            return str(login.json()["access_token"])

    async def sign_up_second_assure(self) -> None:
        """Marie Durand (commerçante, the registry's second affiliate) signs up, once."""
        async with self.client("identity") as identity:
            body = {"nir": SECOND_NIR, "birth_date": "1985-05-01", "birth_name": "Durand",
                    "email": SECOND_EMAIL, "password": PASSWORD}  # fmt: skip
            resp = await identity.post("/v1/assures", json=body)
            if resp.status_code == 409:
                return
            assert resp.status_code == 201, resp.text
            link = (await self.sealed_links("identity.account.activation_requested.v1"))[-1]
            token = parse_qs(urlparse(link).query)["token"][0]
            resp = await identity.post("/v1/accounts/activation", json={"token": token})
            assert resp.status_code == 200, resp.text

    async def active_mandate(self, siret: str) -> None:
        """The firm holds an active mandate on the business of ``siret`` (added and its key
        entered through mandates' api, as the firm's administrator), the events relayed."""
        headers = {"Authorization": f"Bearer {await self.token_of(CABINET_EMAIL)}"}
        path = f"/v1/cabinets/{self.cabinet_id}/clients"
        async with self.client("mandates") as mandates:
            found = (await mandates.get(path, params={"q": siret[:9]}, headers=headers)).json()
            items = [c for c in found["items"] if c["state"] not in ("ended", "deleted")]
            if not items:
                added = await mandates.post(
                    path, json={"identifier": siret, "name": "Client"}, headers=headers
                )
                assert added.status_code == 201, added.text
                items = [added.json()]
            client = items[0]
            if client["state"] != "active":
                key = await self.key_of(client["id"])
                done = await mandates.post(
                    f"{path}/{client['id']}/activation", json={"key": key}, headers=headers
                )
                assert done.status_code == 200, done.text
        await self.relay()

    async def key_of(self, client_id: str) -> str:
        """The activation key as the letter prints it (opened with notifications' key)."""
        for row in reversed(await self.outbox("mandates")):
            payload = json.loads(row["payload"])
            if row["event_type"] == "mandates.mandate.key_issued.v1" and (
                payload.get("mandate_id") == client_id
            ):
                return unseal(self.notifications_private_key, payload["sealed_key"])
        raise AssertionError(f"no key issued for {client_id}")

    async def firm_signed_up(self, email: str, siren_body: str) -> str:
        """Another firm signs up (not activated yet); the token of its activation link."""
        async with self.client("identity") as identity:
            body = {
                "raison_sociale": f"Cabinet {siren_body}",
                "siret": siret_of(siren_body, "0001"),
                "address": "1 place du Marché, 69002 Lyon",
                "admin_first_name": "Paul",
                "admin_last_name": "Durand",
                "email": email,
                "password": PASSWORD,
            }
            resp = await identity.post("/v1/cabinets", json=body)
            assert resp.status_code == 201, resp.text
        link = (await self.sealed_links("identity.account.activation_requested.v1"))[-1]
        return parse_qs(urlparse(link).query)["token"][0]

    async def reset_token(self) -> str:
        """The token of the last password-reset link identity sealed."""
        link = (await self.sealed_links("identity.account.password_reset_requested.v1"))[-1]
        return parse_qs(urlparse(link).query)["token"][0]

    async def sign_up_cabinet(self) -> None:
        """Cabinet Martin Expertise signs up; its administrator activates the account."""
        async with self.client("identity") as identity:
            body = {
                "raison_sociale": "Cabinet Martin Expertise",
                "siret": CABINET_SIRET,
                "address": "12 rue de la Paix, 75002 Paris",
                "admin_first_name": "Claire",
                "admin_last_name": "Martin",
                "email": CABINET_EMAIL,
                "password": PASSWORD,
            }
            resp = await identity.post("/v1/cabinets", json=body)
            assert resp.status_code == 201, resp.text
            self.cabinet_id = resp.json()["cabinet_id"]
            links = await self.sealed_links("identity.account.activation_requested.v1")
            token = parse_qs(urlparse(links[-1]).query)["token"][0]
            resp = await identity.post("/v1/accounts/activation", json={"token": token})
            assert resp.status_code == 200, resp.text

    def build_portal(
        self,
        now: Callable[[], float] | None = None,
        network: tuple[str, ...] = (),
        **settings: Any,
    ) -> tuple[PortalApp, FastAPI]:
        """The portal's app over this platform (``settings`` change its defaults); the
        services named in ``network`` are called over the network at their URL instead."""
        chosen: dict[str, Any] = {
            "assets_dir": self.assets_dir,
            "identity_url": "http://identity",
            "cotisations_url": "http://cotisations",
            "mandates_url": "http://mandates",
            "attestations_url": "http://attestations",
            **settings,
        }
        extra: dict[str, Any] = {"now": now} if now else {}
        transports = {k: v for k, v in self.transports().items() if k not in network}
        app = portal_bootstrap(PortalSettings(**chosen), transports=transports, **extra)
        return app, portal_app(app)

    @asynccontextmanager
    async def portal(
        self,
        now: Callable[[], float] | None = None,
        network: tuple[str, ...] = (),
        **settings: Any,
    ) -> AsyncIterator[Browser]:
        """A portal over this platform and a browser-like client of it (its own cookies)."""
        app, api = self.build_portal(now, network, **settings)
        scheme = "https" if settings.get("cookie_secure", True) else "http"
        async with LifespanManager(api):
            transport = httpx.ASGITransport(app=api)
            async with Browser(transport=transport, base_url=f"{scheme}://portal.test") as browser:
                browser.portal_app = app
                yield browser


async def sign_in(
    browser: httpx.AsyncClient, username: str, password: str = PASSWORD, suite: str = "/"
) -> httpx.Response:
    """Fills the login form as a person would: the page first, then the form with its token."""
    page = await browser.get("/connexion")
    assert page.status_code == 200, page.text
    return await browser.post(
        "/connexion",
        data={
            "csrf": form_token(page.text),
            "identifiant": username,
            "mot_de_passe": password,
            "suite": suite,
        },
    )


def _verifier(identity: IdentityApp, service: str) -> TokenVerifier:
    async def jwks() -> dict[str, Any]:
        return identity.keys.jwks()

    return TokenVerifier(jwks, audience=audience_of(service), ttl_s=5.0, min_refresh_interval_s=0)


@asynccontextmanager
async def platform(root: Path, assets_dir: Path) -> AsyncIterator[Platform]:
    private, public = generate_keypair()

    def db(name: str) -> str:
        return f"sqlite+aiosqlite:///{root / name}.db"

    async with AsyncExitStack() as stack:
        identity = identity_bootstrap(
            IdentitySettings(
                database_url=db("identity"),
                notifications_public_key=public,
                nir_key=NirVault.generate_key(),
                rate_limit_login_per_minute=10_000,
                rate_limit_signup_per_minute=10_000,
                rate_limit_activation_per_minute=10_000,
            ),
            hasher=PlainHasher(),
        )
        services: dict[str, Service] = {}
        api = identity_app(identity)
        await stack.enter_async_context(LifespanManager(api))
        services["identity"] = Service("identity", identity, api, identity.engine)

        cot = cotisations_bootstrap(CotisationsSettings(database_url=db("cotisations")))
        api = cotisations_app(cot, verifier=_verifier(identity, "cotisations"))
        await stack.enter_async_context(LifespanManager(api))
        services["cotisations"] = Service("cotisations", cot, api, cot.engine)

        man = mandates_bootstrap(
            MandatesSettings(database_url=db("mandates"), notifications_public_key=public)
        )
        api = mandates_app(man, verifier=_verifier(identity, "mandates"))
        await stack.enter_async_context(LifespanManager(api))
        services["mandates"] = Service("mandates", man, api, man.engine)

        att = attestations_bootstrap(
            AttestationsSettings(
                database_url=db("attestations"), data_dir=str(root / "att"), pades=False
            )
        )
        api = attestations_app(att, verifier=_verifier(identity, "attestations"))
        await stack.enter_async_context(LifespanManager(api))
        services["attestations"] = Service("attestations", att, api, att.engine)

        built = Platform(identity, services, private, assets_dir, stack)
        await identity.on_registry_record(incoming(record(), "registry-1"))
        second = record(
            siren=SECOND_SIRET[:9],
            sirets=[SECOND_SIRET],
            nir=SECOND_NIR,
            birth_name="Durand",
            first_names="Marie",
            category="commercant",
            email="marie@durand.fr",
        )
        await identity.on_registry_record(incoming(second, "registry-2"))
        await built.sign_up_assure()
        await built.sign_up_cabinet()
        await built.relay()
        yield built


__all__ = ["NIR_BODY", "Browser", "Platform", "form_token", "main_text", "platform", "sign_in"]
