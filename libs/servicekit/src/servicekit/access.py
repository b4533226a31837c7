"""Delegated access, decided locally (ARCHITECTURE.md 5): may this caller act on this affilié?

A read model fed by ``mandates.mandate``, ``mandates.portfolio`` and ``identity.cabinet``:
- an assuré reaches their own affilié only; an agent reaches all;
- a cabinet user reaches a client only through an **active mandate of their firm**, and only
  if they are an administrator or a **subscriber of the client's portfolio**, and are not
  suspended or removed; otherwise the client is "not found" (404: existence is not revealed);
- the action's right must be in the token (``declare``, ``pay``, ``read``…) else 403 naming it.
Santé and relevé de carrière are never delegated: callers ask with ``delegable=False``.

Each service that serves client data adds these tables to its metadata and routes the three
topics' events to :meth:`DelegatedAccess.apply` inside its unit of work (with its inbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, Right
from servicekit.db import as_utc
from servicekit.messaging import BatchHandler, EventRouter, Handler, IncomingEvent
from servicekit.problems import Forbidden, NotFound

ACCESS_EVENT_TYPES = frozenset(
    {
        mandates_v1.MandateActivatedV1.event_type,
        mandates_v1.MandateEndedV1.event_type,
        mandates_v1.MandateMovedV1.event_type,
        mandates_v1.PortfolioSubscriberAddedV1.event_type,
        mandates_v1.PortfolioSubscriberRemovedV1.event_type,
        identity_v1.CabinetUserChangedV1.event_type,
    }
)


@dataclass(frozen=True)
class AccessTables:
    mandates: Table
    subscriptions: Table
    users: Table


def access_tables(metadata: MetaData) -> AccessTables:
    return AccessTables(
        Table(
            "access_mandates",
            metadata,
            Column("affiliate_id", String(64), nullable=False),
            Column("cabinet_id", String(64), nullable=False),
            Column("mandate_id", String(64), nullable=False),
            Column("portfolio_id", String(64), nullable=True),
            Column("active", Boolean, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            PrimaryKeyConstraint("affiliate_id", "cabinet_id", name="pk_access_mandates"),
        ),
        Table(
            "access_subscriptions",
            metadata,
            Column("portfolio_id", String(64), nullable=False),
            Column("account_id", String(64), nullable=False),
            PrimaryKeyConstraint("portfolio_id", "account_id", name="pk_access_subscriptions"),
        ),
        Table(
            "access_users",
            metadata,
            Column("account_id", String(64), primary_key=True),
            Column("cabinet_id", String(64), nullable=False),
            Column("live", Boolean, nullable=False),
        ),
    )


class DelegatedAccess:
    def __init__(self, session: AsyncSession, tables: AccessTables) -> None:
        self._session = session
        self._t = tables

    # -- decisions -------------------------------------------------------------------------
    async def require(
        self,
        principal: Principal,
        affiliate_id: str,
        right: Right,
        *,
        delegable: bool = True,
    ) -> None:
        """Raise ``NotFound`` (404) or ``Forbidden`` (403, naming the right) unless allowed."""
        if principal.actor == "agent":
            return
        if principal.actor == "assure":
            if principal.affiliate_id != affiliate_id:
                raise _not_found()
            return
        if not delegable or principal.cabinet_id is None:
            raise _not_found()
        m, s, u = self._t.mandates, self._t.subscriptions, self._t.users
        mandate = (
            await self._session.execute(
                select(m.c.portfolio_id).where(
                    m.c.affiliate_id == affiliate_id,
                    m.c.cabinet_id == principal.cabinet_id,
                    m.c.active.is_(True),
                )
            )
        ).first()
        if mandate is None:
            raise _not_found()
        user = (
            await self._session.execute(select(u.c.live).where(u.c.account_id == principal.subject))
        ).first()
        if user is not None and not user.live:
            raise _not_found()
        if not principal.has_right("admin"):
            subscribed = (
                await self._session.execute(
                    select(s.c.account_id).where(
                        s.c.portfolio_id == mandate.portfolio_id,
                        s.c.account_id == principal.subject,
                    )
                )
            ).first()
            if subscribed is None:
                raise _not_found()
        if not principal.has_right(right) and not principal.has_right("admin"):
            raise Forbidden(
                f"Le droit « {right} » est nécessaire pour cette action.", kind="right-missing"
            )

    # -- the read model --------------------------------------------------------------------
    async def apply(self, event: IncomingEvent) -> None:
        """Update the read model from one event (call inside the unit of work, with the inbox)."""
        kind = event.envelope.type
        if kind == mandates_v1.MandateActivatedV1.event_type:
            p = event.payload(mandates_v1.MandateActivatedV1)
            await self._mandate(
                p.affiliate_id, p.cabinet_id, p.mandate_id, p.portfolio_id, True, event
            )
        elif kind == mandates_v1.MandateEndedV1.event_type:
            e = event.payload(mandates_v1.MandateEndedV1)
            await self._mandate(e.affiliate_id, e.cabinet_id, e.mandate_id, None, False, event)
        elif kind == mandates_v1.MandateMovedV1.event_type:
            mv = event.payload(mandates_v1.MandateMovedV1)
            m = self._t.mandates
            await self._session.execute(
                update(m)
                .where(m.c.affiliate_id == mv.affiliate_id, m.c.cabinet_id == mv.cabinet_id)
                .values(portfolio_id=mv.portfolio_id, updated_at=event.envelope.time)
            )
        elif kind == mandates_v1.PortfolioSubscriberAddedV1.event_type:
            a = event.payload(mandates_v1.PortfolioSubscriberAddedV1)
            await self._unsubscribe(a.portfolio_id, a.subscriber_account_id)
            await self._session.execute(
                insert(self._t.subscriptions).values(
                    portfolio_id=a.portfolio_id, account_id=a.subscriber_account_id
                )
            )
        elif kind == mandates_v1.PortfolioSubscriberRemovedV1.event_type:
            r = event.payload(mandates_v1.PortfolioSubscriberRemovedV1)
            await self._unsubscribe(r.portfolio_id, r.subscriber_account_id)
        elif kind == identity_v1.CabinetUserChangedV1.event_type:
            c = event.payload(identity_v1.CabinetUserChangedV1)
            live = c.change not in ("user_suspended", "user_removed")
            u = self._t.users
            await self._session.execute(delete(u).where(u.c.account_id == c.account_id))
            await self._session.execute(
                insert(u).values(account_id=c.account_id, cabinet_id=c.cabinet_id, live=live)
            )

    async def _unsubscribe(self, portfolio_id: str, account_id: str) -> None:
        s = self._t.subscriptions
        await self._session.execute(
            delete(s).where(and_(s.c.portfolio_id == portfolio_id, s.c.account_id == account_id))
        )

    async def _mandate(
        self,
        affiliate_id: str,
        cabinet_id: str,
        mandate_id: str,
        portfolio_id: str | None,
        active: bool,
        event: IncomingEvent,
    ) -> None:
        m = self._t.mandates
        current = (
            await self._session.execute(
                select(m.c.updated_at, m.c.portfolio_id).where(
                    m.c.affiliate_id == affiliate_id, m.c.cabinet_id == cabinet_id
                )
            )
        ).first()
        if current is not None and as_utc(current.updated_at) > event.envelope.time:
            return  # an older event, delivered late (a replay): the newer state stands
        values: dict[str, Any] = {
            "mandate_id": mandate_id,
            "active": active,
            "updated_at": event.envelope.time,
        }
        if portfolio_id is not None:
            values["portfolio_id"] = portfolio_id
        if current is None:
            await self._session.execute(
                insert(m).values(affiliate_id=affiliate_id, cabinet_id=cabinet_id, **values)
            )
        else:
            await self._session.execute(
                update(m)
                .where(m.c.affiliate_id == affiliate_id, m.c.cabinet_id == cabinet_id)
                .values(**values)
            )


def follow_access(
    router: EventRouter, topics: Iterable[str], handler: Handler, batch_handler: BatchHandler
) -> None:
    """Subscribe a worker to what the read model follows on ``topics``: a consumer group of
    its own (``access``), the events of a fetch in one transaction."""
    for topic in topics:
        router.on(
            topic,
            handler,
            purpose="access",
            event_types=ACCESS_EVENT_TYPES,
            batch_handler=batch_handler,
        )


def _not_found() -> NotFound:
    return NotFound("Aucun dossier accessible ne correspond.", kind="dossier-not-found")
