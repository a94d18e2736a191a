"""Sessions and the PostgreSQL pool (server/db.py): reads in autocommit give their connection back when a sync route
returns, refuse to write, and a connection the server closed is replaced at checkout without a ping."""

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from inspection.models import Department
from server import db
from tests.conftest import TEST_URL

ON_POSTGRES = TEST_URL.startswith("postgresql")


def _checked_out(engine) -> int:  # type: ignore[no-untyped-def]
    return engine.pool.checkedout()


def test_a_sync_route_gives_back_its_read_connection_when_it_returns(engine):
    def route(session: Session) -> int:
        return len(session.exec(select(Department)).all())

    with db.reading() as session:
        db.released_at_return(route)(session=session)
        if ON_POSTGRES:
            assert not session.in_transaction() and _checked_out(engine) == 0  # before the session closes
        assert len(session.exec(select(Department)).all()) == 0  # still usable: it takes a connection again
    assert _checked_out(engine) == 0


def test_a_session_with_uncommitted_changes_is_left_to_its_dependency(engine):
    def route(session: Session) -> None:
        session.add(Department(code="X1", name="甲"))

    with db.writing() as session:
        db.released_at_return(route)(session=session)
        assert session.new  # nothing committed by the wrapper; the dependency's close rolls it back
    with db.reading() as session:
        assert session.exec(select(Department)).all() == []


@pytest.mark.skipif(not ON_POSTGRES, reason="the autocommit read engine is PostgreSQL's")
def test_a_read_session_refuses_to_write(engine):
    with db.reading() as session, pytest.raises(RuntimeError, match="read session"):
        session.add(Department(code="X2", name="乙"))
        session.flush()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's pool")
def test_a_connection_the_server_closed_is_replaced_at_checkout(engine):
    with db.reading() as session:
        pid = session.exec(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[call-overload]
    killer = db.create_engine(TEST_URL, poolclass=NullPool)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    import time

    time.sleep(0.2)  # the server's goodbye reaches the idle socket
    with db.reading() as session:  # no ping, no error: the closed connection is dropped at checkout
        assert session.exec(text("SELECT pg_backend_pid()")).scalar() != pid  # type: ignore[call-overload]
