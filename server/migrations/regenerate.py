"""Regenerate the initial migration from the models (only while no deployment has applied it).

Usage: python -m server.migrations.regenerate
"""

import tempfile
from pathlib import Path

from alembic import command

from server.migrate import MIGRATIONS, alembic_config


def main() -> None:
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        config = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")


if __name__ == "__main__":
    main()
