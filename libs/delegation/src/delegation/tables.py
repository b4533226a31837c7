"""The read model's tables, added to the metadata of each service that decides access.

Every row keeps the ``version`` of the aggregate change it last applied (and the event time,
for events produced before versions existed), so that an older event delivered late or
replayed never overwrites a newer state. An ending or a removal is kept as a row (a
tombstone), never deleted, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

AFFILIATE = "affiliate"
CABINET = "cabinet"
EVERYONE = "everyone"


@dataclass(frozen=True)
class AccessTables:
    mandates: Table
    subscriptions: Table
    users: Table
    quarantine: Table


def access_tables(metadata: MetaData) -> AccessTables:
    return AccessTables(
        Table(
            "access_mandates",
            metadata,
            Column("mandate_id", String(64), primary_key=True),
            Column("affiliate_id", String(64), nullable=False),
            Column("cabinet_id", String(64), nullable=False),
            Column("portfolio_id", String(64), nullable=True),
            Column("active", Boolean, nullable=False),
            Column("version", Integer, nullable=True),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            Index("ix_access_mandates_affiliate_cabinet", "affiliate_id", "cabinet_id"),
        ),
        Table(
            "access_subscriptions",
            metadata,
            Column("portfolio_id", String(64), nullable=False),
            Column("account_id", String(64), nullable=False),
            Column("subscribed", Boolean, nullable=False),
            Column("version", Integer, nullable=True),
            Column("updated_at", DateTime(timezone=True), nullable=True),
            PrimaryKeyConstraint("portfolio_id", "account_id", name="pk_access_subscriptions"),
        ),
        Table(
            "access_users",
            metadata,
            Column("account_id", String(64), primary_key=True),
            Column("cabinet_id", String(64), nullable=False),
            Column("live", Boolean, nullable=False),
            Column("version", Integer, nullable=True),
            Column("updated_at", DateTime(timezone=True), nullable=True),
        ),
        Table(
            "access_quarantine",
            metadata,
            Column("scope", String(16), nullable=False),
            Column("key", String(200), nullable=False),
            Column("event_id", String(64), nullable=False),
            Column("reason", String(500), nullable=False),
            Column("since", DateTime(timezone=True), nullable=False),
            PrimaryKeyConstraint("scope", "key", "event_id", name="pk_access_quarantine"),
        ),
    )
