"""Alembic environment of appointments' database."""

from appointments.adapters.orm import metadata
from servicekit.migrations import run_env

run_env(metadata)
