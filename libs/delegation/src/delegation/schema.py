"""The read model's tables in migrations (see :mod:`servicekit.schema` for why helpers are
named by what they do the day they were written, and never change afterwards).

- :func:`create_access_tables`: the tables of a service that starts following access;
- :func:`upgrade_access_tables_to_versions`: for a service whose read model predates
  versions (rows keyed by firm and affilié, subscriptions and users without versions):
  mandates keyed by mandate id, every row with its version, the quarantine.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def _mandates() -> None:
    op.create_table(
        "access_mandates",
        sa.Column("mandate_id", sa.String(length=64), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("cabinet_id", sa.String(length=64), nullable=False),
        sa.Column("portfolio_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mandate_id"),
    )
    op.create_index(
        "ix_access_mandates_affiliate_cabinet",
        "access_mandates",
        ["affiliate_id", "cabinet_id"],
        unique=False,
    )


def _quarantine() -> None:
    op.create_table(
        "access_quarantine",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "event_id", name="pk_access_quarantine"),
    )


def create_access_tables() -> None:
    _mandates()
    op.create_table(
        "access_subscriptions",
        sa.Column("portfolio_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("portfolio_id", "account_id", name="pk_access_subscriptions"),
    )
    op.create_table(
        "access_users",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("cabinet_id", sa.String(length=64), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id"),
    )
    _quarantine()


def drop_access_tables() -> None:
    op.drop_table("access_quarantine")
    op.drop_table("access_users")
    op.drop_table("access_subscriptions")
    op.drop_index("ix_access_mandates_affiliate_cabinet", table_name="access_mandates")
    op.drop_table("access_mandates")


def upgrade_access_tables_to_versions() -> None:
    op.rename_table("access_mandates", "access_mandates_before_versions")
    _mandates()
    op.execute(
        "INSERT INTO access_mandates"
        " (mandate_id, affiliate_id, cabinet_id, portfolio_id, active, version, updated_at)"
        " SELECT mandate_id, affiliate_id, cabinet_id, portfolio_id, active, NULL, updated_at"
        " FROM access_mandates_before_versions"
    )
    op.drop_table("access_mandates_before_versions")
    with op.batch_alter_table("access_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subscribed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("access_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    _quarantine()
