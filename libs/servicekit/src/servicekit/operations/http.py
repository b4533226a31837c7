"""The operators' HTTP routes every api serves (agents only; the table is in the servicekit
README): the dead letters and their replay, and the parked outbox rows, retried or discarded.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import as_utc
from servicekit.fastapi_auth import PrincipalDependency, require_actor
from servicekit.operations.replays import DlqReplay, ReplayStore
from servicekit.problems import Conflict, NotFound
from servicekit.tables import OUTBOX_DISCARDED, OUTBOX_PARKED, OUTBOX_PENDING, MessagingTables


class DlqReplayCreate(BaseModel):
    """Replay the dead letters of one consumed topic into it."""

    topic: str = Field(
        pattern=r"^[a-z]+(\.[a-z_]+)+$", examples=["identity.account"], max_length=200
    )
    limit: int = Field(default=1000, ge=1, le=100_000)


class DlqReplayRead(BaseModel):
    replay_id: str
    topic: str
    dlq: str
    limit: int
    state: str = Field(examples=["pending", "done", "failed"])
    replayed: int
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    error: str | None


class DeadLetterRead(BaseModel):
    dead_letter_id: int
    consumer_group: str
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    error: str
    error_type: str
    attempts: int
    dlq_topic: str
    dead_lettered_at: datetime
    replayed_at: datetime | None


class DeadLetterList(BaseModel):
    items: list[DeadLetterRead]
    next_cursor: str | None = Field(
        default=None, description="Pass it as `cursor` for the next page; null on the last."
    )


class OutboxRowRead(BaseModel):
    row_id: int
    event_id: str
    topic: str
    key: str
    event_type: str
    state: str = Field(examples=["pending", "published", "parked", "discarded"])
    attempts: int
    created_at: datetime
    published_at: datetime | None
    last_error: str | None


class OutboxRowList(BaseModel):
    items: list[OutboxRowRead]
    next_cursor: str | None = Field(
        default=None, description="Pass it as `cursor` for the next page; null on the last."
    )


def operator_router(
    *,
    service: str,
    engine: AsyncEngine,
    tables: MessagingTables,
    consumed_topics: Collection[str],
    clock: Clock,
    principal: PrincipalDependency,
) -> APIRouter:
    router = APIRouter(
        prefix="/v1/operator",
        tags=["operator"],
        responses={403: {"description": "Réservé aux agents (actor-not-allowed)"}},
    )
    replays = ReplayStore(engine, tables.replays, tables.dead_letters)
    o, d = tables.outbox, tables.dead_letters

    def dlq_of(topic: str) -> str:
        return f"{topic}.{service}.dlq"

    async def agent(p: Annotated[Principal, Depends(principal)]) -> Principal:
        require_actor(p, "agent")
        return p

    @router.get(
        "/dead-letters", response_model=DeadLetterList, summary="Lettres mortes des consommateurs"
    )
    async def dead_letters(
        _: Annotated[Principal, Depends(agent)],
        replayed: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    ) -> DeadLetterList:
        condition = d.c.replayed_at.is_not(None) if replayed else d.c.replayed_at.is_(None)
        after = d.c.id > int(cursor) if cursor else d.c.id > 0
        async with engine.connect() as conn:
            rows = (
                await conn.execute(select(d).where(condition, after).order_by(d.c.id).limit(limit))
            ).all()
            await conn.rollback()
        return DeadLetterList(items=[_dead_letter(r) for r in rows], next_cursor=_next(rows, limit))

    @router.post(
        "/dlq-replays",
        response_model=DlqReplayRead,
        status_code=202,
        summary="Rejouer les lettres mortes d'un sujet consommé",
        responses={404: {}, 422: {}},
    )
    async def request_replay(
        body: DlqReplayCreate, who: Annotated[Principal, Depends(agent)]
    ) -> DlqReplayRead:
        if body.topic not in consumed_topics:
            raise NotFound(
                f"{service} ne consomme pas le sujet {body.topic}.", kind="topic-not-consumed"
            )
        replay = await replays.request(
            body.topic, dlq_of(body.topic), body.limit, who.subject, clock.now()
        )
        return _replay(replay)

    @router.get(
        "/dlq-replays/{replay_id}",
        response_model=DlqReplayRead,
        summary="État d'une demande de rejeu",
        responses={404: {}},
    )
    async def get_replay(replay_id: str, _: Annotated[Principal, Depends(agent)]) -> DlqReplayRead:
        replay = await replays.get(replay_id, dlq_of)
        if replay is None:
            raise NotFound(f"Aucune demande de rejeu {replay_id}.", kind="replay-not-found")
        return _replay(replay)

    @router.get("/outbox", response_model=OutboxRowList, summary="Événements sortants par état")
    async def outbox_rows(
        _: Annotated[Principal, Depends(agent)],
        state: Literal["pending", "parked", "published", "discarded"] = "parked",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    ) -> OutboxRowList:
        after = o.c.id > int(cursor) if cursor else o.c.id > 0
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_outbox_columns(o))
                    .where(o.c.state == state, after)
                    .order_by(o.c.id)
                    .limit(limit)
                )
            ).all()
            await conn.rollback()
        return OutboxRowList(items=[_outbox_row(r) for r in rows], next_cursor=_next(rows, limit))

    async def _move(row_id: int, values: dict[str, Any]) -> OutboxRowRead:
        async with engine.begin() as conn:
            row = (await conn.execute(select(*_outbox_columns(o)).where(o.c.id == row_id))).first()
            if row is None:
                raise NotFound(f"Aucun événement sortant {row_id}.", kind="outbox-row-not-found")
            if row.state != OUTBOX_PARKED:
                raise Conflict(
                    f"L'événement sortant {row_id} n'est pas mis en attente ({row.state}).",
                    kind="outbox-row-not-parked",
                )
            await conn.execute(update(o).where(o.c.id == row_id).values(**values))
            moved = (await conn.execute(select(*_outbox_columns(o)).where(o.c.id == row_id))).one()
        return _outbox_row(moved)

    @router.post(
        "/outbox/{row_id}/retry",
        response_model=OutboxRowRead,
        summary="Remettre un événement sortant en attente de publication",
        responses={404: {}, 409: {}},
    )
    async def retry(row_id: int, _: Annotated[Principal, Depends(agent)]) -> OutboxRowRead:
        return await _move(row_id, {"state": OUTBOX_PENDING, "attempts": 0})

    @router.post(
        "/outbox/{row_id}/discard",
        response_model=OutboxRowRead,
        summary="Abandonner un événement sortant qui ne peut être publié",
        responses={404: {}, 409: {}},
    )
    async def discard(row_id: int, _: Annotated[Principal, Depends(agent)]) -> OutboxRowRead:
        return await _move(row_id, {"state": OUTBOX_DISCARDED, "published_at": clock.now()})

    return router


def _next(rows: Any, limit: int) -> str | None:
    """The cursor after a full page (stable order: ids only grow)."""
    return str(rows[-1].id) if len(rows) == limit else None


def _outbox_columns(o: Any) -> list[Any]:
    return [
        o.c.id,
        o.c.event_id,
        o.c.topic,
        o.c.key,
        o.c.event_type,
        o.c.state,
        o.c.attempts,
        o.c.created_at,
        o.c.published_at,
        o.c.last_error,
    ]


def _outbox_row(r: Any) -> OutboxRowRead:
    return OutboxRowRead(
        row_id=r.id,
        event_id=r.event_id,
        topic=r.topic,
        key=r.key,
        event_type=r.event_type,
        state=r.state,
        attempts=r.attempts,
        created_at=as_utc(r.created_at),
        published_at=as_utc(r.published_at),
        last_error=r.last_error,
    )


def _dead_letter(r: Any) -> DeadLetterRead:
    return DeadLetterRead(
        dead_letter_id=r.id,
        consumer_group=r.consumer_group,
        topic=r.topic,
        partition=r.partition,
        offset=r.offset,
        key=r.key,
        event_id=r.event_id,
        event_type=r.event_type,
        error=r.error,
        error_type=r.error_type,
        attempts=r.attempts,
        dlq_topic=r.dlq_topic,
        dead_lettered_at=as_utc(r.dead_lettered_at),
        replayed_at=as_utc(r.replayed_at),
    )


def _replay(r: DlqReplay) -> DlqReplayRead:
    return DlqReplayRead(
        replay_id=r.id,
        topic=r.topic,
        dlq=r.dlq,
        limit=r.limit,
        state=r.state,
        replayed=r.replayed,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        finished_at=r.finished_at,
        error=r.error,
    )
