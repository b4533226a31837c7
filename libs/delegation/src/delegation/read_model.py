"""The read model of delegated access, fed by ``mandates.mandate``, ``mandates.portfolio`` and
``identity.cabinet``: which mandates are active (and in which portfolio), who subscribes to
which portfolio, which firm users are live, and what is quarantined.

Every update is replay-safe: it applies only if the event's aggregate version is newer than
the one the row holds (:func:`is_newer`), and endings are kept as rows. Apply it inside the
consumer's unit of work, with its inbox claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from servicekit.db import as_utc
from servicekit.messaging import IncomingEvent
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.tables import AccessTables

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


def is_newer(
    version: int | None, at: datetime, held_version: int | None, held_at: datetime | None
) -> bool:
    """Whether an event (``version``, time ``at``) is newer than the state held.

    Versions decide when both sides have one. Events produced before versions existed are
    ordered by their time among themselves, and are older than any versioned state."""
    if version is not None and held_version is not None:
        return version > held_version
    if version is None and held_version is None:
        return held_at is None or at >= as_utc(held_at)
    return version is not None


class AccessReadModel:
    def __init__(self, session: AsyncSession, tables: AccessTables) -> None:
        self._session = session
        self._t = tables

    async def apply(self, event: IncomingEvent) -> None:
        """Update the read model from one event; lift a quarantine the event had caused."""
        kind, at = event.envelope.type, event.envelope.time
        if kind == mandates_v1.MandateActivatedV1.event_type:
            a = event.payload(mandates_v1.MandateActivatedV1)
            await self._mandate(
                a.mandate_id,
                a.affiliate_id,
                a.cabinet_id,
                a.version,
                at,
                active=True,
                portfolio_id=a.portfolio_id,
            )
        elif kind == mandates_v1.MandateEndedV1.event_type:
            e = event.payload(mandates_v1.MandateEndedV1)
            await self._mandate(
                e.mandate_id, e.affiliate_id, e.cabinet_id, e.version, at, active=False
            )
        elif kind == mandates_v1.MandateMovedV1.event_type:
            # a mandate is moved only while active: the move also says it is active
            m = event.payload(mandates_v1.MandateMovedV1)
            await self._mandate(
                m.mandate_id,
                m.affiliate_id,
                m.cabinet_id,
                m.version,
                at,
                active=True,
                portfolio_id=m.portfolio_id,
            )
        elif kind in (
            mandates_v1.PortfolioSubscriberAddedV1.event_type,
            mandates_v1.PortfolioSubscriberRemovedV1.event_type,
        ):
            subscribed = kind == mandates_v1.PortfolioSubscriberAddedV1.event_type
            s: mandates_v1.PortfolioSubscriberAddedV1 | mandates_v1.PortfolioSubscriberRemovedV1
            if subscribed:
                s = event.payload(mandates_v1.PortfolioSubscriberAddedV1)
            else:
                s = event.payload(mandates_v1.PortfolioSubscriberRemovedV1)
            await self._subscription(
                s.portfolio_id, s.subscriber_account_id, subscribed, s.version, at
            )
        elif kind == identity_v1.CabinetUserChangedV1.event_type:
            c = event.payload(identity_v1.CabinetUserChangedV1)
            live = c.change not in ("user_suspended", "user_removed")
            await self._user(c.account_id, c.cabinet_id, live, c.version, at)
        else:
            return
        q = self._t.quarantine
        await self._session.execute(delete(q).where(q.c.event_id == event.envelope.id))

    async def _held(self, table: Table, *where: Any) -> Any:
        return (
            await self._session.execute(select(table.c.version, table.c.updated_at).where(*where))
        ).first()

    async def _mandate(
        self,
        mandate_id: str,
        affiliate_id: str,
        cabinet_id: str,
        version: int | None,
        at: datetime,
        *,
        active: bool,
        portfolio_id: str | None = None,
    ) -> None:
        m = self._t.mandates
        held = await self._held(m, m.c.mandate_id == mandate_id)
        if held is not None and not is_newer(version, at, held.version, held.updated_at):
            return
        values: dict[str, Any] = {"active": active, "version": version, "updated_at": at}
        if portfolio_id is not None:
            values["portfolio_id"] = portfolio_id
        if held is None:
            await self._session.execute(
                insert(m).values(
                    mandate_id=mandate_id,
                    affiliate_id=affiliate_id,
                    cabinet_id=cabinet_id,
                    **values,
                )
            )
        else:
            await self._session.execute(
                update(m).where(m.c.mandate_id == mandate_id).values(**values)
            )

    async def _subscription(
        self,
        portfolio_id: str,
        account_id: str,
        subscribed: bool,
        version: int | None,
        at: datetime,
    ) -> None:
        s = self._t.subscriptions
        where = (s.c.portfolio_id == portfolio_id, s.c.account_id == account_id)
        held = await self._held(s, *where)
        if held is not None and not is_newer(version, at, held.version, held.updated_at):
            return
        values = {"subscribed": subscribed, "version": version, "updated_at": at}
        if held is None:
            await self._session.execute(
                insert(s).values(portfolio_id=portfolio_id, account_id=account_id, **values)
            )
        else:
            await self._session.execute(update(s).where(*where).values(**values))

    async def _user(
        self, account_id: str, cabinet_id: str, live: bool, version: int | None, at: datetime
    ) -> None:
        u = self._t.users
        held = await self._held(u, u.c.account_id == account_id)
        if held is not None and not is_newer(version, at, held.version, held.updated_at):
            return
        values = {"cabinet_id": cabinet_id, "live": live, "version": version, "updated_at": at}
        if held is None:
            await self._session.execute(insert(u).values(account_id=account_id, **values))
        else:
            await self._session.execute(
                update(u).where(u.c.account_id == account_id).values(**values)
            )
