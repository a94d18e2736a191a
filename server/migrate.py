"""Apply and generate migrations programmatically (``xuncha migrate``; ``make migration``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from inspection.types import EnumText
from server.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"

# tables owned by libraries, not by our models
EXTERNAL_TABLES = {"apscheduler_jobs"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in EXTERNAL_TABLES)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Our enum columns are plain strings in the database."""
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.impl.length})"
    return False


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return config


def ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str | None = None, *, engine: Engine | None = None, revision: str = "head") -> None:
    url = url or get_settings().database_url
    ensure_sqlite_dir(url)
    config = alembic_config(url)
    if engine is None:
        command.upgrade(config, revision)
        return
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str | None = None, *, engine: Engine | None = None, revision: str = "base") -> None:
    config = alembic_config(url)
    if engine is None:
        command.downgrade(config, revision)
        return
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction on ``engine`` for migrations. On SQLite with foreign keys on (``server.db`` engines), they
    are off meanwhile, as Alembic's batch mode needs: it copies a table and drops the old one, which a row
    referring to another row of the same table (a repeat hazard) would fail. The keys are checked before
    committing instead."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
