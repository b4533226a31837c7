"""Alembic environment of cotisations' database."""

from cotisations.adapters.orm import metadata
from servicekit.migrations import run_env

run_env(metadata)
