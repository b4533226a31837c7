"""The messaging tables every service keeps in its own database (one database each):

- ``outbox``: outgoing events, ``pending`` → ``published``, or ``parked`` after repeated
  failures that belong to the row itself (too large, topic missing);
- ``inbox``: the event ids each consumer has processed;
- ``dead_letters``: the messages its consumers gave up, once each (see
  :mod:`servicekit.messaging.deadletters`);
- ``outbox_lease``: who may publish the outbox, and the fencing token of that lease;
- ``dlq_replays``: operators' requests to move dead letters back to their topic;
- ``idempotency_keys``: the answers kept for requests sent with an ``Idempotency-Key``.

A service's first migration creates them with :func:`servicekit.schema.create_messaging_tables`
and later ones upgrade them with the helpers named there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

OUTBOX_PENDING = "pending"
OUTBOX_PUBLISHED = "published"
OUTBOX_PARKED = "parked"
OUTBOX_DISCARDED = "discarded"

_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    """Outbox rows have explicit states and a try counter."""
    return Table(
        "outbox",
        metadata,
        Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("headers", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("state", String(16), nullable=False, default=OUTBOX_PENDING),
        Column("attempts", Integer, nullable=False, default=0),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_state_id", "state", "id"),
        Index("ix_outbox_state_topic_key", "state", "topic", "key"),
    )


def inbox_table(metadata: MetaData) -> Table:
    """Processed event ids per consumer, written in the same transaction as the effect."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
        Index("ix_inbox_processed_at", "processed_at"),
    )


def dead_letters_table(metadata: MetaData) -> Table:
    return Table(
        "dead_letters",
        metadata,
        Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        Column("consumer_group", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("key", String(200), nullable=True),
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(200), nullable=True),
        Column("error", Text, nullable=False),
        Column("error_type", String(200), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("dlq_topic", String(300), nullable=False),
        Column("dead_lettered_at", DateTime(timezone=True), nullable=False),
        Column("replayed_at", DateTime(timezone=True), nullable=True),
        UniqueConstraint(
            "consumer_group", "topic", "partition", "offset", name="uq_dead_letters_record"
        ),
    )


def lease_table(metadata: MetaData) -> Table:
    return Table(
        "outbox_lease",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("holder", String(200), nullable=False),
        Column("token", BigInteger, nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False),
    )


def replays_table(metadata: MetaData) -> Table:
    return Table(
        "dlq_replays",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("limit", Integer, nullable=False),
        Column("requested_by", String(64), nullable=False),
        Column("requested_at", DateTime(timezone=True), nullable=False),
        Column("state", String(10), nullable=False),
        Column("replayed", Integer, nullable=False, default=0),
        Column("finished_at", DateTime(timezone=True), nullable=True),
        Column("error", Text, nullable=True),
    )


def idempotency_table(metadata: MetaData) -> Table:
    """The answers kept for requests sent with an ``Idempotency-Key``."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(300), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )


def rate_limits_table(metadata: MetaData) -> Table:
    """Calls counted per caller and endpoint, per window (``servicekit.ratelimit``): shared by
    every copy of an api."""
    return Table(
        "rate_limits",
        metadata,
        Column("key", String(300), primary_key=True),
        Column("window_start", Integer, primary_key=True),
        Column("hits", Integer, nullable=False),
        Index("ix_rate_limits_window_start", "window_start"),
    )


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    lease: Table
    replays: Table
    idempotency: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """The messaging tables, added to a service's metadata."""
    return MessagingTables(
        outbox_table(metadata),
        inbox_table(metadata),
        dead_letters_table(metadata),
        lease_table(metadata),
        replays_table(metadata),
        idempotency_table(metadata),
    )


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The outbox and inbox only (plumbing tests that need nothing else)."""
    tables = messaging_tables(metadata)
    return tables.outbox, tables.inbox
