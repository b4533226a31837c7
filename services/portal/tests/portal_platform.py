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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from appointments.bootstrap import bootstrap as appointments_bootstrap
from appointments.config import AppointmentsSettings
from appointments.entrypoints.http import create_app as appointments_app
from appointments.service_layer import consumers as appointments_consumers
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
from devstack.ports import free_port
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
from portal.adapters.cookie_seal import generate_key
from portal.bootstrap import PortalApp
from portal.bootstrap import bootstrap as portal_bootstrap
from portal.config import PortalSettings
from portal.entrypoints.http import create_app as portal_app
from servicekit.auth import TokenVerifier, audience_of
from servicekit.clock import FakeClock
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
MANAGE_URL = "https://portal.test/rendez-vous/gestion"
"""appointments' ``APPOINTMENTS_MANAGE_URL`` here: its mails' links open the portal's page."""
CAPTCHA_MAX_NUMBER = 10
"""The verification code's difficulty, tiny: a test solves it at once (ADR 0018)."""


class MovableClock:
    """appointments' clock: the real time, moved forward when a test needs an appointment's
    hour to have come (:meth:`shifted`), and back after."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift

    @contextmanager
    def shifted(self, by: timedelta) -> Iterator[None]:
        self.shift = by
        try:
            yield
        finally:
            self.shift = timedelta(0)


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
                time=_aware(row["created_at"]),
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
        apt = self.services["appointments"].app
        return [
            ("identity.affiliate", appointments_consumers.AFFILIATE_TYPES, apt.on_affiliate),
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
            # not in the platform: at a port where nothing listens, never a process of a
            # stack running on this machine (its default port)
            "notifications_url": f"http://127.0.0.1:{free_port()}",
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


def _aware(value: Any) -> datetime:
    """An outbox row's instant as the broker carries it: with its zone (SQLite reads it back
    naive), as a real envelope's ``time`` is."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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

        apt = appointments_bootstrap(
            AppointmentsSettings(
                database_url=db("appointments"),
                secret_key=generate_key(),
                notifications_public_key=public,
                captcha_max_number=CAPTCHA_MAX_NUMBER,
                booking_limit=10_000,
                public_url="http://appointments",
                manage_url=MANAGE_URL,
            ),
            clock=MovableClock(),
        )
        api = appointments_app(apt, verifier=_verifier(identity, "appointments"))
        await stack.enter_async_context(LifespanManager(api))
        services["appointments"] = Service("appointments", apt, api, apt.engine)

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


# --- a firm of its own: its administrator, its collaborators, more affiliés of the registry --


async def firm_of_its_own(world: Platform, email: str, siren_body: str) -> None:
    """Another firm signs up and its administrator (Paul Durand, ``email``) activates the
    account; the events relayed, mandates knows the firm and its default portfolio."""
    token = await world.firm_signed_up(email, siren_body)
    async with world.client("identity") as identity:
        resp = await identity.post("/v1/accounts/activation", json={"token": token})
        assert resp.status_code == 200, resp.text
    await world.relay()


async def collaborator_of(
    world: Platform,
    admin_email: str,
    email: str,
    rights: list[str],
    *,
    name: tuple[str, str] = ("Léa", "Collab"),
    activate: bool = True,
) -> str:
    """A collaborator invited by the firm's administrator through identity's api, who chooses
    ``PASSWORD`` from the mailed link (unless ``activate`` is false); the events relayed. Its
    account id."""
    headers = {"Authorization": f"Bearer {await world.token_of(admin_email)}"}
    async with world.client("identity") as identity:
        me = (await identity.get("/v1/me", headers=headers)).json()
        body = {"first_name": name[0], "last_name": name[1], "email": email, "rights": rights}
        resp = await identity.post(
            f"/v1/cabinets/{me['cabinet_id']}/users", json=body, headers=headers
        )
        assert resp.status_code == 201, resp.text
        account_id = str(resp.json()["account_id"])
        if activate:
            link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
            token = parse_qs(urlparse(link).query)["token"][0]
            done = await identity.post(
                "/v1/accounts/activation", json={"token": token, "password": PASSWORD}
            )
            assert done.status_code == 200, done.text
    await world.relay()
    return account_id


async def registered_affiliate(
    world: Platform, siren_body: str, birth_name: str, *, radiated: bool = False
) -> str:
    """An affilié of the registry, a business of SIREN ``siren_body`` + its key (its NIR drawn
    from the same digits), published to the services; radiated if asked. Its SIRET."""
    from datetime import date

    siret = siret_of(siren_body, "0001")
    nir_body = "18001" + "75" + siren_body[-6:]
    payload = record(
        siren=siret[:9],
        sirets=[siret],
        nir=nir_body + stdnum_nir.calc_check_digits(nir_body),
        birth_name=birth_name,
        first_names="Alex",
        email=f"{siren_body}@exemple.fr",
        radiated_on=date(2024, 6, 30) if radiated else None,
    )
    await world.identity.on_registry_record(incoming(payload, f"registry-{siren_body}"))
    await world.relay()
    return siret


# --- agents, an assuré of its own, a debt on an account ---------------------------------------


async def agent_of_its_own(world: Platform, email: str, name: str = "Agnès Morel") -> None:
    """A back-office agent, made as identity's command line makes them (actor ``agent``,
    active at once, password ``PASSWORD``); nothing happens when it exists already."""
    from contextlib import suppress

    from identity.domain import commands, errors

    with suppress(errors.IdentityError):
        await world.identity.auth_bus.handle(commands.CreateAgent(email, name, PASSWORD))


async def assure_of_its_own(world: Platform, siren_body: str, birth_name: str, email: str) -> str:
    """An artisan of the registry (SIREN ``siren_body`` + its key) who signs up with ``email``
    and activates the account, the events relayed: cotisations opens the account. Its
    affilié id."""
    siret = siret_of(siren_body, "0001")
    nir_body = "18505" + "69" + siren_body[-6:]
    nir = nir_body + stdnum_nir.calc_check_digits(nir_body)
    payload = record(siren=siret[:9], sirets=[siret], nir=nir, birth_name=birth_name, email=email)
    await world.identity.on_registry_record(incoming(payload, f"registry-assure-{siren_body}"))
    async with world.client("identity") as identity:
        body = {"nir": nir, "birth_date": "1985-05-01", "birth_name": birth_name,
                "email": email, "password": PASSWORD}  # fmt: skip
        resp = await identity.post("/v1/assures", json=body)
        assert resp.status_code == 201, resp.text
        link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
        token = parse_qs(urlparse(link).query)["token"][0]
        resp = await identity.post("/v1/accounts/activation", json={"token": token})
        assert resp.status_code == 200, resp.text
        headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
        me = (await identity.get("/v1/me", headers=headers)).json()
    await world.relay()
    return str(me["affiliate_id"])


async def debt_on(world: Platform, affiliate_id: str, amount: str, debited_on: date) -> str:
    """A direct debit of ``debited_on`` the bank rejected: what it paid is owed again, a debt
    due that day, as cotisations' bank-return use case posts it in the account's ledger. Its
    reference."""
    from decimal import Decimal

    from cotisations.domain.payments.ledger import Entry

    reference = f"debt:rejection:debit:{debited_on.isoformat()}"
    async with world.services["cotisations"].app.new_uow() as uow:
        ledger = await uow.ledgers.get(affiliate_id)
        ledger.post(
            Entry(
                key=f"rejection:debit:{debited_on.isoformat()}",
                kind="rejection",
                amount=Decimal(amount),
                booked_on=debited_on,
                value_date=debited_on,
                obligation=reference,
                mode="prelevement",
                reason="AM04",
            )
        )
        await uow.ledgers.save(ledger)
        await uow.commit()
    return reference


# --- appointments: the verification code solved, the people who book, the mails' links -------


def solved(challenge: dict[str, Any]) -> str:
    """What ALTCHA's widget posts for ``challenge`` (the v1 protocol): the number found by
    brute force under its tiny ``maxnumber``, with the challenge it answers."""
    import base64

    from altcha.v1 import solve_challenge

    found = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    assert found is not None, "no number solves the challenge"
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": found.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def a_nir(n: int) -> str:
    """A well-formed NIR of its own for the ``n``-th person who books (each NIR may hold only
    two open requests)."""
    body = f"1850575{n:06d}"
    return body + stdnum_nir.calc_check_digits(body)


def appointments_clock(world: Platform) -> MovableClock:
    clock = world.services["appointments"].app.clock
    assert isinstance(clock, MovableClock)
    return clock


async def manage_links(world: Platform) -> list[str]:
    """The manage links appointments sealed for notifications' mails, opened with its key."""
    links: list[str] = []
    for row in await world.outbox("appointments"):
        sealed = json.loads(row["payload"]).get("sealed_manage_link")
        if sealed:
            links.append(unseal(world.notifications_private_key, sealed))
    return links


async def booked_through_the_api(
    world: Platform, agency_id: str, nir: str, *, slot: int = 0, channel: str = "agence"
) -> dict[str, Any]:
    """An appointment booked at appointments' api as any client would (the ``slot``-th free
    slot of the agency, Léa Martin's coordinates, the verification code solved)."""
    async with world.client("appointments") as api:
        params: dict[str, Any] = {"agency_id": agency_id, "channel": channel, "limit": slot + 1}
        free = (await api.get("/v1/slots", params=params)).json()["items"][slot]
        challenge = (await api.get("/v1/captcha")).json()
        body = {
            "agency_id": agency_id,
            "starts_at": free["starts_at"],
            "reason_code": "cotisations-echeancier",
            "channel": channel,
            "nir": nir,
            "first_names": "Léa",
            "last_name": "Martin",
            "address": "4 place Bellecour, 69002 Lyon",
            "mobile": "06 12 34 56 78",
            "email": "lea.martin@exemple.fr",
            "terms_accepted": True,
            "captcha": solved(challenge),
        }
        resp = await api.post("/v1/appointments", json=body)
        assert resp.status_code == 201, resp.text
        booked: dict[str, Any] = resp.json()
        return booked


# --- cotisations on a day of its own, a firm user reaching every client ------------------------


@contextmanager
def cotisations_on(world: Platform, instant: datetime) -> Iterator[FakeClock]:
    """cotisations' clock stopped at ``instant`` for the block: the day its rules see (due
    dates, the windows of « Payer », a télépaiement's lock at noon the day before, the notice
    of a direct debit), as its own tests set theirs, moved on by the test (``set``); the real
    time back after. identity's tokens are still checked against the real time; a portal
    given ``now=lambda: clock.now().timestamp()`` sees the same instant."""
    from dataclasses import replace

    app = world.services["cotisations"].app
    clock = FakeClock(instant)
    kept = (app.runtime.clock, app.bus.deps, app.queries.deps)
    app.runtime.clock = clock
    app.bus.deps = replace(app.bus.deps, clock=clock)
    app.queries.deps = replace(app.queries.deps, clock=clock)
    try:
        yield clock
    finally:
        app.runtime.clock, app.bus.deps, app.queries.deps = kept


async def payer_offered_on(world: Platform, email: str, affiliate_id: str) -> datetime:
    """The instant from which « Payer » is offered next to one of the account's amounts: now
    when one is offered today, else 8 h UTC on the day the nearest window opens (in the week before
    a monthly window opens, three weeks before its due date, no current amount is payable)."""
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{affiliate_id}/payables", headers=headers)
    assert resp.status_code == 200, resp.text
    payables: list[dict[str, Any]] = resp.json()["payables"]
    now = datetime.now(UTC)
    if any(p["payable"] for p in payables):
        return now
    opening = min(date.fromisoformat(p["opens_on"]) for p in payables if p["opens_on"])
    return max(now, datetime(opening.year, opening.month, opening.day, 8, tzinfo=UTC))


async def _cabinet_of(world: Platform, admin_email: str) -> tuple[str, dict[str, str]]:
    """The firm of ``admin_email`` (its id) and the headers of its administrator's calls."""
    headers = {"Authorization": f"Bearer {await world.token_of(admin_email)}"}
    async with world.client("identity") as identity:
        me = (await identity.get("/v1/me", headers=headers)).json()
    return str(me["cabinet_id"]), headers


async def firm_mandate(world: Platform, admin_email: str, siret: str) -> None:
    """The firm of ``admin_email`` holds an active mandate on the business of ``siret``
    (added and its key entered through mandates' api by its administrator), the events
    relayed."""
    cabinet_id, headers = await _cabinet_of(world, admin_email)
    path = f"/v1/cabinets/{cabinet_id}/clients"
    async with world.client("mandates") as mandates:
        added = await mandates.post(
            path, json={"identifier": siret, "name": "Client"}, headers=headers
        )
        assert added.status_code == 201, added.text
        client_id = added.json()["id"]
        key = await world.key_of(client_id)
        done = await mandates.post(
            f"{path}/{client_id}/activation", json={"key": key}, headers=headers
        )
        assert done.status_code == 200, done.text
    await world.relay()


async def subscribed_everywhere(world: Platform, admin_email: str, account_id: str) -> None:
    """A firm's user subscribed, by its administrator (``admin_email``), to every portfolio of
    the firm (so each client is reached, and only a right may be missing); the events
    relayed."""
    cabinet_id, headers = await _cabinet_of(world, admin_email)
    path = f"/v1/cabinets/{cabinet_id}/portfolios"
    async with world.client("mandates") as mandates:
        for portfolio in (await mandates.get(path, headers=headers)).json():
            put = await mandates.put(
                f"{path}/{portfolio['id']}/subscribers/{account_id}", headers=headers
            )
            assert put.status_code == 204, put.text
    await world.relay()


# --- an affilié of a category of its own (a micro-entrepreneur, a retraité), pension payments --


async def affilie_of_category(
    world: Platform, siren_body: str, birth_name: str, email: str, category: str
) -> str:
    """An affilié of the registry of ``category`` (``micro_entrepreneur``, ``retraite``…; SIREN
    ``siren_body`` + its key) who signs up with ``email`` and activates the account, the
    events relayed: cotisations opens the account of a contributing category. Its affilié
    id."""
    siret = siret_of(siren_body, "0001")
    nir_body = "28505" + "33" + siren_body[-6:]
    nir = nir_body + stdnum_nir.calc_check_digits(nir_body)
    payload = record(
        siren=siret[:9],
        sirets=[siret],
        nir=nir,
        birth_name=birth_name,
        first_names="Camille",
        category=category,
        email=email,
    )
    await world.identity.on_registry_record(incoming(payload, f"registry-{category}-{siren_body}"))
    await world.relay()
    async with world.client("identity") as identity:
        body = {"nir": nir, "birth_date": "1985-05-01", "birth_name": birth_name,
                "email": email, "password": PASSWORD}  # fmt: skip
        resp = await identity.post("/v1/assures", json=body)
        assert resp.status_code == 201, resp.text
        link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
        token = parse_qs(urlparse(link).query)["token"][0]
        resp = await identity.post("/v1/accounts/activation", json={"token": token})
        assert resp.status_code == 200, resp.text
        headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
        me = (await identity.get("/v1/me", headers=headers)).json()
    await world.relay()
    return str(me["affiliate_id"])


PENSION_COLUMNS = "pensioner_id,payment_id,period,paid_on,gross,net,taxable"


async def pension_payments_loaded(
    world: Platform, agent_email: str, rows: list[str]
) -> list[dict[str, Any]]:
    """Pension payments loaded by an agent (``agent_email``, made if need be) through
    attestations' import: ``rows`` under the file's header (``PENSION_COLUMNS``). The report
    of each row."""
    await agent_of_its_own(world, agent_email)
    headers = {
        "Authorization": f"Bearer {await world.token_of(agent_email)}",
        "Content-Type": "text/csv",
    }
    body = "\n".join([PENSION_COLUMNS, *rows]) + "\n"
    async with world.client("attestations") as attestations:
        resp = await attestations.post(
            "/v1/pension-payments/imports", content=body.encode(), headers=headers
        )
    assert resp.status_code == 200, resp.text
    reports: list[dict[str, Any]] = resp.json()
    return reports


async def email_confirmation_token(world: Platform) -> str:
    """The token of the last e-mail confirmation link identity sealed for notifications' mail
    to the new address."""
    link = (await world.sealed_links("identity.account.email_change_requested.v1"))[-1]
    return parse_qs(urlparse(link).query)["token"][0]
