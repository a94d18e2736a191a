"""What a request asks of the database: statements and, on PostgreSQL, the round trips around them.

``StatementCounter.install()`` hooks SQLAlchemy and psycopg once, process-wide:

- **statements**: every cursor execution SQLAlchemy makes (``before_cursor_execute``), on any engine;
- **begin**: a transaction begun (SQLAlchemy's ``begin`` event, outside autocommit). psycopg sends ``BEGIN`` as a
  round trip of its own before the first statement; SQLite's ``BEGIN`` is among the statements already;
- **commit** / **rollback**: a DBAPI commit or rollback that reached the server (psycopg skips either on a
  connection with no transaction open, so those are not counted on PostgreSQL);
- **ping**: ``pool_pre_ping``'s ``SELECT 1`` at checkout;
- **prepare** / **deallocate** (psycopg): a server-side prepared statement made (a round trip of its own), and
  ``DEALLOCATE ALL`` (psycopg issues it after a rollback when it had prepared anything: the rollback throws its
  prepared statements away).

``round_trips`` adds them up (PostgreSQL's view: every item is one network wait). Load-independent.
"""

import collections
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine.default import DefaultDialect

KINDS = ("statements", "begin", "commit", "rollback", "ping", "prepare", "deallocate")


class StatementCounter:
    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.texts: collections.Counter[str] = collections.Counter()
        self.postgres = False

    def reset(self) -> None:
        self.counts.clear()
        self.texts.clear()

    def round_trips(self) -> int:
        return sum(self.counts[k] for k in KINDS)

    def install(self) -> "StatementCounter":
        counts, texts = self.counts, self.texts

        @event.listens_for(Engine, "before_cursor_execute")
        def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            counts["statements"] += 1
            texts[" ".join(statement.split())[:160]] += 1

        @event.listens_for(Engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.dialect.name == "postgresql" and not conn.connection.dbapi_connection.autocommit:
                self.postgres = True
                counts["begin"] += 1  # psycopg sends BEGIN before the first statement (none in autocommit)

        def wrap(name: str, kind: str, *, only_in_transaction: bool = False) -> None:
            original: Callable[..., Any] = getattr(DefaultDialect, name)

            def counted(dialect: Any, dbapi_connection: Any, *args: Any) -> Any:
                if not only_in_transaction or _in_transaction(dbapi_connection):
                    counts[kind] += 1
                return original(dialect, dbapi_connection, *args)
            setattr(DefaultDialect, name, counted)

        wrap("do_commit", "commit", only_in_transaction=True)
        wrap("do_rollback", "rollback", only_in_transaction=True)
        try:
            from sqlalchemy.dialects.postgresql._psycopg_common import _PGDialect_common_psycopg
            ping = _PGDialect_common_psycopg.do_ping

            def pg_ping(dialect: Any, dbapi_connection: Any) -> bool:
                counts["ping"] += 1
                return ping(dialect, dbapi_connection)
            _PGDialect_common_psycopg.do_ping = pg_ping  # type: ignore[method-assign]
            _install_psycopg(counts)
        except ImportError:
            pass
        return self


def _in_transaction(dbapi_connection: Any) -> bool:
    """False for a connection with no transaction open (its rollback sends nothing); True otherwise."""
    raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
    if isinstance(getattr(raw, "in_transaction", None), bool):  # sqlite3
        return bool(raw.in_transaction)
    status = getattr(getattr(raw, "info", None), "transaction_status", None)
    return status is None or int(status) != 0  # psycopg.pq.TransactionStatus.IDLE == 0


def _install_psycopg(counts: "collections.Counter[str]") -> None:
    from psycopg import _connection_base, _cursor_base

    send_prepare = _cursor_base.BaseCursor._send_prepare
    deallocate = _connection_base.BaseConnection._deallocate

    def counted_prepare(cursor: Any, *args: Any) -> Any:
        counts["prepare"] += 1
        return send_prepare(cursor, *args)

    def counted_deallocate(connection: Any, name: Any) -> Any:
        counts["deallocate"] += 1
        return deallocate(connection, name)
    _cursor_base.BaseCursor._send_prepare = counted_prepare  # type: ignore[method-assign]
    _connection_base.BaseConnection._deallocate = counted_deallocate  # type: ignore[method-assign]
