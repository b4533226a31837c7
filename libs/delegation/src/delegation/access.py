"""``DelegatedAccess``: the rule (:mod:`delegation.rule`) applied to the read model held in the
service's own database — the one object identity, cotisations, mandates and the services to
come ask, so that they all give the same answers."""

from __future__ import annotations

from servicekit.auth import Principal, Right
from servicekit.messaging import IncomingEvent
from sqlalchemy import Exists, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from delegation.read_model import AccessReadModel
from delegation.rule import Grant, decide, needs_grant, not_found
from delegation.tables import AFFILIATE, CABINET, EVERYONE, AccessTables


class DelegatedAccess:
    def __init__(self, session: AsyncSession, tables: AccessTables) -> None:
        self._session = session
        self._t = tables
        self.read_model = AccessReadModel(session, tables)

    async def require(
        self,
        principal: Principal,
        affiliate_id: str,
        right: Right,
        *,
        delegable: bool = True,
    ) -> None:
        """Raise ``NotFound`` (404) or ``Forbidden`` (403, naming the right) unless allowed."""
        if not needs_grant(principal, affiliate_id, delegable=delegable):
            return
        decide(principal, right, await self.grant(principal, affiliate_id))

    async def require_live_user(self, principal: Principal) -> None:
        """For a firm user's actions in their own firm: refused (404) at once when the user
        is suspended or removed, whatever their token still says."""
        if principal.actor == "cabinet_user" and not await self._user_live(principal.subject):
            raise not_found()

    async def grant(self, principal: Principal, affiliate_id: str) -> Grant:
        """What the rule needs to decide, read in one statement (the firm's reads of an
        account ask it on every request: four round trips to the database were most of the
        check's cost)."""
        m, s, u = self._t.mandates, self._t.subscriptions, self._t.users
        cabinet_id = principal.cabinet_id or ""
        held = (
            m.c.affiliate_id == affiliate_id,
            m.c.cabinet_id == principal.cabinet_id,
            m.c.active.is_(True),
        )
        portfolio = select(m.c.portfolio_id).where(*held).limit(1).scalar_subquery()
        row = (
            await self._session.execute(
                select(
                    exists().where(*held).label("mandate_active"),
                    exists()
                    .where(
                        s.c.portfolio_id == portfolio,
                        s.c.account_id == principal.subject,
                        s.c.subscribed.is_(True),
                    )
                    .label("subscribed"),
                    ~exists()
                    .where(u.c.account_id == principal.subject, u.c.live.is_(False))
                    .label("user_live"),
                    self._quarantine(affiliate_id, cabinet_id).label("quarantined"),
                )
            )
        ).one()
        return Grant(
            mandate_active=bool(row.mandate_active),
            subscribed=bool(row.subscribed),
            user_live=bool(row.user_live),
            quarantined=bool(row.quarantined),
        )

    async def reaching(self, affiliate_id: str) -> list[str]:
        """The firms' users who reach the affilié today: the live subscribers of the portfolio
        holding its active mandate (none while the affilié or the firm is quarantined). Their
        rights are not known here; the reader of the list checks the one it needs."""
        m, s, u = self._t.mandates, self._t.subscriptions, self._t.users
        mandates = (
            await self._session.execute(
                select(m.c.cabinet_id, m.c.portfolio_id).where(
                    m.c.affiliate_id == affiliate_id, m.c.active.is_(True)
                )
            )
        ).all()
        reached: list[str] = []
        for mandate in mandates:
            if mandate.portfolio_id is None or await self._quarantined(
                affiliate_id, mandate.cabinet_id
            ):
                continue
            rows = await self._session.execute(
                select(s.c.account_id)
                .outerjoin(u, u.c.account_id == s.c.account_id)
                .where(
                    s.c.portfolio_id == mandate.portfolio_id,
                    s.c.subscribed.is_(True),
                    or_(u.c.live.is_(None), u.c.live.is_(True)),
                )
                .order_by(s.c.account_id)
            )
            reached.extend(row.account_id for row in rows)
        return reached

    async def _user_live(self, account_id: str) -> bool:
        u = self._t.users
        row = (
            await self._session.execute(select(u.c.live).where(u.c.account_id == account_id))
        ).first()
        return row is None or bool(row.live)

    async def _quarantined(self, affiliate_id: str, cabinet_id: str) -> bool:
        return bool(
            (
                await self._session.execute(select(self._quarantine(affiliate_id, cabinet_id)))
            ).scalar()
        )

    def _quarantine(self, affiliate_id: str, cabinet_id: str) -> Exists:
        """Whether the affilié, the firm or everyone is quarantined (an access event of theirs
        dead-lettered and not yet applied)."""
        q = self._t.quarantine
        return exists().where(
            or_(
                and_(q.c.scope == AFFILIATE, q.c.key == affiliate_id),
                and_(q.c.scope == CABINET, q.c.key == cabinet_id),
                q.c.scope == EVERYONE,
            )
        )

    async def apply(self, event: IncomingEvent) -> None:
        """Update the read model (see :class:`AccessReadModel`)."""
        await self.read_model.apply(event)
