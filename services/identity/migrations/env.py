"""Alembic environment of identity's database."""

from identity.adapters.orm import metadata
from servicekit.migrations import run_env

run_env(metadata)
