"""Alembic environment of notifications' database."""

from notifications.adapters.orm import metadata
from servicekit.migrations import run_env

run_env(metadata)
