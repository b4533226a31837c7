"""identity's tables (its own database), plus the outbox and inbox of servicekit."""

from __future__ import annotations

from delegation import access_tables
from servicekit.tables import messaging_tables, rate_limits_table
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

cabinets = Table(
    "cabinets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("raison_sociale", String(200), nullable=False),
    Column("siret", String(14), nullable=False, unique=True),
    Column("address", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("cabinet_id", String(36), ForeignKey("cabinets.id"), nullable=True),
    Column("rights", String(100), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("activated_at", DateTime(timezone=True), nullable=True),
    Column("affiliate_id", String(36), nullable=True),
    Column("category", String(30), nullable=True),
    Column("version", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("affiliate_id", name="uq_accounts_affiliate_id"),
)

activation_tokens = Table(
    "activation_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("purpose", String(40), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("new_email", String(320), nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("user_agent", String(300), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
)
"""One row per login (its id is the refresh family's): the absolute end, and what the account
holder sees in its list of sessions."""

login_throttles = Table(
    "login_throttles",
    metadata,
    Column("identifier", String(320), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime(timezone=True), nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
)

attempt_windows = Table(
    "attempt_windows",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False),
)
"""Failed attempts per key (a login's source address, a sign-up's NIR) in a fixed window."""

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(32), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("encrypted_jwk", Text, nullable=True),
    Column("private_jwk", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("signs_from", DateTime(timezone=True), nullable=False),
    UniqueConstraint("generation", name="uq_signing_keys_generation"),
)
"""``encrypted_jwk``: the private key sealed (AES-GCM); ``private_jwk``: a key in clear from
before migration 0011, sealed at the next start. One key per ``generation``, whichever copy
wrote it."""

affiliates = Table(
    "affiliates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("siren", String(9), nullable=False, unique=True),
    Column("sirets", JSON, nullable=False),
    Column("nir_encrypted", Text, nullable=False),
    Column("nir_index", String(64), nullable=False, index=True),
    Column("birth_name", String(200), nullable=False),
    Column("usage_name", String(200), nullable=True),
    Column("first_names", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("category", String(30), nullable=False),
    Column("address", JSON, nullable=False),
    Column("departement", String(3), nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(30), nullable=True),
    Column("affiliated_on", Date, nullable=False),
    Column("radiated_on", Date, nullable=True),
    Column("third_party_registration_allowed", Boolean, nullable=False, default=True),
)

messaging = messaging_tables(metadata)
rate_limits = rate_limits_table(metadata)
outbox, inbox = messaging.outbox, messaging.inbox
access = access_tables(metadata)
