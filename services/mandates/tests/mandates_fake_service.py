"""mandates over its fakes, for tests "in high gear": the bus of ``bootstrap`` (the same
handlers) and the consumers on a :class:`FakeDatabase`, callers' principals, and what reached
the outbox."""

from __future__ import annotations

from typing import Any, TypeVar

from contracts.base import EventPayload
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1
from mandates.bootstrap import HANDLERS
from mandates.domain.model import Mandate
from mandates.service_layer import consumers
from mandates.service_layer.handlers import Dependencies
from mandates_fakes import NOW, FakeDatabase, FakeMandatesUow, State
from mandates_world import incoming
from servicekit.auth import Principal
from servicekit.bus import MessageBus
from servicekit.clock import FakeClock

ALL_RIGHTS: frozenset[Any] = frozenset({"admin", "clients", "declare", "pay", "read"})
P = TypeVar("P", bound=EventPayload)


class ClearSealer:
    """Marks instead of encrypting, so tests can read the key a letter would print."""

    def seal(self, secret: str) -> str:
        return "sealed:" + secret


def admin(cabinet_id: str = "cab-1", account_id: str = "adm-1") -> Principal:
    return Principal(
        subject=account_id, actor="cabinet_user", cabinet_id=cabinet_id, rights=ALL_RIGHTS
    )


def collaborator(account_id: str, rights: set[str], cabinet_id: str = "cab-1") -> Principal:
    return Principal(
        subject=account_id,
        actor="cabinet_user",
        cabinet_id=cabinet_id,
        rights=frozenset(rights),  # type: ignore[arg-type]
    )


def assure(affiliate_id: str) -> Principal:
    return Principal(subject="acc-" + affiliate_id, actor="assure", affiliate_id=affiliate_id)


class FakeService:
    """mandates over the fakes: the bus of ``bootstrap`` (the same handlers), the consumers,
    one fake unit of work shared by all, and what reached the outbox."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        self.clock = FakeClock(NOW)
        self.deps = Dependencies(self.clock, ClearSealer())
        self.bus: MessageBus[FakeMandatesUow, Dependencies] = MessageBus(
            HANDLERS,  # type: ignore[arg-type]
            self.db.uow,
            self.deps,
        )

    @property
    def uow(self) -> FakeMandatesUow:
        """A new unit of work on the fake database (for reads and consumers)."""
        return self.db.uow()

    @property
    def committed(self) -> State:
        return self.db.state

    async def handle(self, command: object) -> Any:
        return await self.bus.handle(command)

    async def feed(self, payload: EventPayload) -> None:
        """An event of another service, as the worker hands it to its consumer."""
        event = incoming(payload)
        if payload.topic == identity_v1.AFFILIATE:
            await consumers.on_affiliate(event, self.uow, self.deps)
        elif payload.topic == identity_v1.CABINET:
            await consumers.on_cabinet(event, self.uow, self.deps)
        elif payload.topic == identity_v1.ACCOUNT:
            await consumers.on_account(event, self.uow)
        else:
            await consumers.on_letter_status(event, self.uow, self.deps)

    async def firm(self, cabinet_id: str = "cab-1", admin_id: str = "adm-1") -> None:
        await self.feed(
            identity_v1.CabinetRegisteredV1(
                cabinet_id=cabinet_id,
                raison_sociale="Cabinet Martin",
                siret="73282932000074",
                admin_account_id=admin_id,
                registered_at=NOW,
            )
        )
        await self.user(admin_id, cabinet_id, admin=True)

    async def user(self, account_id: str, cabinet_id: str = "cab-1", *, admin: bool) -> None:
        """A firm user whose invitation gave mandates their e-mail and rights."""
        rights = sorted(ALL_RIGHTS) if admin else ["clients", "read"]
        await self.feed(
            identity_v1.CabinetUserChangedV1(
                cabinet_id=cabinet_id,
                cabinet_name="Cabinet Martin",
                account_id=account_id,
                user_name=f"User {account_id}",
                change="user_invited",
                rights=rights,  # type: ignore[arg-type]
                changed_at=NOW,
            )
        )
        await self.feed(
            identity_v1.AccountActivationRequestedV1(
                account_id=account_id,
                kind="cabinet_user",
                purpose="collaborator_invitation",
                email=f"{account_id}@cabinet.fr",
                display_name=f"User {account_id}",
                sealed_link="x",
                expires_at=NOW,
            )
        )

    @property
    def published(self) -> list[EventPayload]:
        """What the committed outbox holds, in order."""
        return [e.payload for e in self.db.outbox.events]

    def events(self, cls: type[P]) -> list[P]:
        """The committed outbox's payloads of one type, in order."""
        return [p for p in self.published if isinstance(p, cls)]

    def key_of(self, mandate_id: str) -> str:
        """The key the last letter for ``mandate_id`` prints (the fake sealer keeps it clear)."""
        issued = [e for e in self.events(v1.MandateKeyIssuedV1) if e.mandate_id == mandate_id]
        return issued[-1].sealed_key.removeprefix("sealed:")

    def stored(self, mandate_id: str) -> Mandate:
        return self.db.state.mandates[mandate_id]
