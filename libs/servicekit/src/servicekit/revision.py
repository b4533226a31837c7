"""``python -m servicekit.revision <migrations dir> <message>``: autogenerate a revision.

It compares the service's metadata with a throw-away SQLite database migrated to head.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def main(argv: list[str]) -> None:
    migrations, message = Path(argv[0]), argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations))
        cfg.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{tmp}/rev.db")
        command.upgrade(cfg, "head")
        heads = ScriptDirectory.from_config(cfg).get_heads()
        number = 1 + max((int(h) for h in heads if h.isdigit()), default=0)
        command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}")


if __name__ == "__main__":
    main(sys.argv[1:])
