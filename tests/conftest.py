"""Test database and clients.

A real database: a temporary SQLite file by default, PostgreSQL when XUNCHA_TEST_DATABASE_URL says so
(CI). The schema comes from the migrations, applied once per run; every test commits for real and the
tables are emptied after it, so concurrency tests see true transactions. The run leaves the database empty.
"""

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="xuncha-test-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)  # the run's database file, photos and anchors (10-30 MB)
TEST_URL = os.environ.get("XUNCHA_TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
os.environ["XUNCHA_DATABASE_URL"] = TEST_URL
os.environ["XUNCHA_ENV"] = "test"
os.environ["XUNCHA_MEDIA_DIR"] = str(_TMP / "media")
os.environ["XUNCHA_AUDIT_ANCHOR_FILE"] = str(_TMP / "audit-anchors.jsonl")
os.environ["XUNCHA_SCHEDULER_ENABLED"] = "false"
os.environ.setdefault("XUNCHA_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from server import auth, db, migrate  # noqa: E402
from server.settings import get_settings  # noqa: E402
from tests import personas  # noqa: E402


def _drop_everything(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        with engine.begin() as conn:
            SQLModel.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))


def _empty_tables(engine: Engine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        _truncate(engine, ", ".join(f'"{t.name}"' for t in tables))
        return
    with engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table in tables:
            conn.execute(table.delete())
        conn.execute(text("PRAGMA foreign_keys=ON"))


def _truncate(engine: Engine, names: str, attempts: int = 5) -> None:
    """TRUNCATE every table. A request the browser tests' live server is still answering (a page's last poll)
    can hold a table the TRUNCATE needs while waiting for another: PostgreSQL breaks that deadlock by aborting
    one side, here the TRUNCATE, so it is tried again once the request is done."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    get_settings.cache_clear()
    engine = db.init_engine(TEST_URL)
    _drop_everything(engine)
    migrate.upgrade(TEST_URL)
    yield engine
    _drop_everything(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    if "engine" not in request.fixturenames and not any(
        name in request.fixturenames for name in ("session", "client", "world")
    ):
        yield
        return
    engine = request.getfixturevalue("engine")
    yield
    _empty_tables(engine)
    Path(os.environ["XUNCHA_AUDIT_ANCHOR_FILE"]).unlink(missing_ok=True)  # its anchors were of those tables
    auth.actors.clear()  # ids come back in the next test's tables


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    """A deferred-BEGIN session: reading in a test never holds SQLite's write lock against the app."""
    with Session(db.get_engine(), expire_on_commit=False) as session:
        yield session


@pytest.fixture()
def client(engine: Engine) -> Iterator[TestClient]:
    from server.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture()
def world(session: Session) -> personas.World:
    """Departments, two enterprises, a plant site and one user per persona, committed."""
    world = personas.build(session)
    session.commit()
    return world


@pytest.fixture()
def media_dir() -> Path:
    return Path(os.environ["XUNCHA_MEDIA_DIR"])
