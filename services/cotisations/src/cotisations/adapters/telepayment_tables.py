"""The tables of telepayment and payment-delay plans (in cotisations' metadata)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Numeric,
    String,
    Table,
    text,
)

from cotisations.adapters.orm import metadata

LIVE = text("status IN ('scheduled', 'sent')")

telepayment_mandates = Table(
    "telepayment_mandates",
    metadata,
    Column("mandate_id", String(64), primary_key=True),
    Column("affiliate_id", String(64), nullable=False),
    Column("holder_name", String(200), nullable=False),
    Column("address", String(400), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=False),
    Column("person", String(200), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_telepayment_mandates_affiliate_id", "affiliate_id"),
    Index("ix_telepayment_mandates_iban", "iban"),
)
"""One active telepayment mandate per account; revoked ones are kept."""

telepayments = Table(
    "telepayments",
    metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("affiliate_id", String(64), nullable=False),
    Column("reference", String(160), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("parts", JSON, nullable=False),
    Column("debit_on", Date, nullable=False),
    Column("changeable_until", DateTime(timezone=True), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("made_by", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Index(
        "uq_telepayments_live_reference",
        "affiliate_id",
        "reference",
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    ),
)
"""One live telepayment (to debit or awaiting the bank) per amount of an account: never paid
twice; once the bank has answered, what it left owed can be paid by another."""

payment_plans = Table(
    "payment_plans",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("affiliate_id", String(64), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("instalments", JSON, nullable=False),
    Column("debt_references", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("reason", String(1000), nullable=True),
    Column("ended_on", Date, nullable=True),
    Column("paid", JSON, nullable=False),
    Index("ix_payment_plans_affiliate_id", "affiliate_id"),
)
