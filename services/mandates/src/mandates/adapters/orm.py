"""mandates' tables (its own database): mandates and their history, portfolios and
subscribers, imports, the read models of the registry and of the firms, outbox and inbox."""

from __future__ import annotations

from servicekit.tables import messaging_tables
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
    Text,
    text,
)

metadata = MetaData()

_OPEN = text("state IN ('requested', 'letter_sent', 'active', 'locked')")
_ACTIVE = text("state = 'active'")

mandates = Table(
    "mandates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cabinet_id", String(64), nullable=False),
    Column("affiliate_id", String(64), nullable=False),
    Column("siren", String(9), nullable=False),
    Column("client_name", String(200), nullable=False),
    Column("portfolio_id", String(36), nullable=False),
    Column("state", String(12), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("key_event_id", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("letter_status", String(12), nullable=True),
    Column("activated_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("ended_by", String(12), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Index(
        "uq_mandates_open_per_firm",
        "cabinet_id",
        "affiliate_id",
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    ),
    Index(
        "uq_mandates_active_per_affiliate",
        "affiliate_id",
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    ),
    Index("ix_mandates_cabinet_name", "cabinet_id", "client_name"),
    Index("ix_mandates_key_event", "key_event_id"),
    Index("ix_mandates_affiliate", "affiliate_id"),
)

mandate_history = Table(
    "mandate_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mandate_id", String(36), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("transition", String(30), nullable=False),
    Column("detail", String(200), nullable=False, default=""),
    Column("actor", String(12), nullable=False, server_default=text("'system'")),
)

portfolios = Table(
    "portfolios",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cabinet_id", String(64), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("owner_account_id", String(64), nullable=True),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, default=1, server_default=text("1")),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("portfolio_id", String(36), nullable=False),
    Column("account_id", String(64), nullable=False),
    PrimaryKeyConstraint("portfolio_id", "account_id", name="pk_subscriptions"),
)

imports = Table(
    "imports",
    metadata,
    Column("cabinet_id", String(64), nullable=False),
    Column("import_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("report", Text, nullable=False),
    PrimaryKeyConstraint("cabinet_id", "import_id", name="pk_imports"),
)

cabinets = Table(
    "cabinets",
    metadata,
    Column("cabinet_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

firm_users = Table(
    "firm_users",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("cabinet_id", String(64), nullable=True, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("email", String(320), nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
)

affiliates = Table(
    "affiliates",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("siren", String(9), nullable=True, index=True),
    Column("display_name", String(300), nullable=False),
    Column("radiated", Boolean, nullable=False, default=False),
    Column("consent", Boolean, nullable=False, default=True),
)

messaging = messaging_tables(metadata)
outbox, inbox = messaging.outbox, messaging.inbox
