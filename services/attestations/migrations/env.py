"""Alembic environment of attestations' database."""

from attestations.adapters.orm import metadata
from servicekit.migrations import run_env

run_env(metadata)
