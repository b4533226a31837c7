"""cotisations' tables (its own database): accounts, incomes, instalments, regularisations and
turnover declarations, the delegated-access read model, the outbox and inbox."""

from __future__ import annotations

from delegation import access_tables
from servicekit.tables import messaging_tables
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("category", String(30), nullable=False),
    Column("departement", String(3), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("periodicity", String(10), nullable=False),
    Column("debit_day", Integer, nullable=False),
    Column("payment_mode", String(20), nullable=False),
    Column("last_estimate_on", Date, nullable=True),
    Column("holder_name", String(200), nullable=False, server_default=""),
    Column("debit_day_changed_on", Date, nullable=True),
)

instalments = Table(
    "instalments",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "due_date", name="pk_instalments"),
)

incomes = Table(
    "incomes",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("kind", String(12), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "year", name="pk_incomes"),
)

regularisations = Table(
    "regularisations",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("declared_on", Date, nullable=False),
    Column("income", Numeric(14, 2), nullable=False),
    Column("definitive_total", Numeric(14, 2), nullable=False),
    Column("called_total", Numeric(14, 2), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("due_date", Date, nullable=True),
    PrimaryKeyConstraint("affiliate_id", "year", name="pk_regularisations"),
)

declarations = Table(
    "declarations",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("turnover", Numeric(14, 2), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("declared_on", Date, nullable=False),
    PrimaryKeyConstraint("affiliate_id", "period", name="pk_declarations"),
)

messaging = messaging_tables(metadata)
outbox, inbox = messaging.outbox, messaging.inbox
access = access_tables(metadata)
