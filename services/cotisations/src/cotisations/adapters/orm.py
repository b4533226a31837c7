"""cotisations' tables (its own database): accounts and incomes, the delegated-access read
model, the outbox and inbox."""

from __future__ import annotations

from servicekit.access import access_tables
from servicekit.tables import add_messaging_tables
from sqlalchemy import Column, Date, Integer, MetaData, Numeric, PrimaryKeyConstraint, String, Table

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

outbox, inbox = add_messaging_tables(metadata)
access = access_tables(metadata)
