"""Engine, sessions and the SQLite pragmas.

SQLite runs with WAL, ``synchronous=NORMAL``, foreign keys, a busy timeout and one sort helper thread.
Writing sessions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails with
"database is locked" regardless of busy_timeout, because SQLite cannot upgrade its read lock while another
writer waits.

Writers take the write slot before ``BEGIN IMMEDIATE``: a thread lock inside the process, then an exclusive
``flock`` on ``<database>.write-lock`` across processes (several API workers, the scheduler). Both wake the
next writer as soon as the slot is free, where SQLite's busy handler polls and sleeps up to 100 ms between
tries. The kernel drops the file lock of a process that dies; a process that hangs inside a write transaction
holds the other processes' writers until it is stopped. A writer waits at most ``WRITE_WAIT_SECONDS`` for the
slot, and none waits when ``MAX_WAITING_WRITERS`` already do: ``DatabaseBusy`` (503, Retry-After) instead, so
queued writers never take every request thread and reads keep being served. A session that has committed reads
on without the slot (``WriteSession``).
"""

import fcntl
import functools
import logging
import os
import select
import sqlite3
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlmodel import Session

import hazards.campaigns.models  # noqa: F401
import hazards.coverage.insurance_models  # noqa: F401
import hazards.leasing.models  # noqa: F401
import hazards.linkage.models  # noqa: F401
import hazards.models  # noqa: F401  (registers the tables)
import hazards.notify.models  # noqa: F401
import hazards.rules.models  # noqa: F401
import hazards.signoff.models  # noqa: F401
import inspection.grid.models  # noqa: F401
import inspection.models  # noqa: F401
from server.settings import get_settings

log = logging.getLogger("xuncha.db")

WRITE_WAIT_SECONDS = 10.0  # a writer that cannot get the slot in this time answers 503 (the phone retries)
MAX_WAITING_WRITERS = 12  # more writers than this already queued: 503 at once, keeping request threads for reads
BACKSTOP_CHECKPOINT_PAGES = 20_000  # ~80 MB of WAL; SQLite's default of 1,000 stalls a writer every few seconds
SORT_HELPER_THREADS = 1
RECYCLE_SECONDS = 1800  # PostgreSQL connections older than this are replaced at checkout (idle killers, proxies)
CHECKPOINT_SECONDS = 0.5

_engine: Engine | None = None
WRITE_SLOTS: "weakref.WeakKeyDictionary[Engine, _WriteSlot]" = weakref.WeakKeyDictionary()  # SQLite engines' slots
_write_engine: Engine | None = None
_read_engine: Engine | None = None


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        # a connection per request thread (FastAPI's pool has 40): SQLite connections are cheap
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30,
                                                  "factory": _SlotConnection}, pool_size=20, max_overflow=40)
        _configure_sqlite(engine, _lock_path(url))
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=WRITE_WAIT_SECONDS,
                           pool_recycle=RECYCLE_SECONDS)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server has closed (restart, fail-over, ``pg_terminate_backend``) is
    replaced at checkout, without a round trip: an idle connection's socket has nothing to read unless the server
    said goodbye (or closed it). ``pool_pre_ping`` sent a ``SELECT 1`` per checkout instead, one more round trip
    on every request. A connection that dies while checked out fails its request (503, the phone retries) and
    SQLAlchemy then discards the pool's older connections."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("connection closed")
    try:
        poller = select.poll()  # not select.select: it refuses descriptors past 1,023, which a busy node reaches
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        readable = poller.poll(0)  # POLLNVAL too, for a descriptor that is gone
    except (OSError, ValueError) as err:
        raise exc.DisconnectionError("connection's socket is gone") from err
    if readable:
        raise exc.DisconnectionError("the server sent something to an idle connection: closed, or closing")


def _lock_path(url: str) -> str | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".write-lock"


class DatabaseBusy(TimeoutError):
    """No write slot (SQLite) or pooled connection (PostgreSQL) in time: the client should retry (503)."""

    retry_after = 2


class _FifoLock:
    """A lock granted in arrival order (``threading.Lock`` lets a newcomer barge past threads that waited)."""

    def __init__(self, max_waiters: int | None = None) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()
        self._max_waiters = max_waiters

    def acquire(self, timeout: float) -> bool:
        """False when the wait ran out, or at once when ``max_waiters`` are already waiting."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            if self._max_waiters is not None and len(self._waiters) >= self._max_waiters:
                return False
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._guard:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()  # the lock passes straight to the longest waiter
            else:
                self._held = False


class _WriteSlot:
    """One writer at a time: a FIFO lock in this process, then an exclusive flock across processes."""

    def __init__(self, lock_path: str | None, *, wait_seconds: float = WRITE_WAIT_SECONDS,
                 max_waiters: int | None = MAX_WAITING_WRITERS) -> None:
        self._thread_lock = _FifoLock(max_waiters)
        self._wait_seconds = wait_seconds
        self._lock_path = lock_path
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        if not self._thread_lock.acquire(timeout=self._wait_seconds):
            raise DatabaseBusy("database is busy: no write slot within the timeout")
        if self._lock_path is None:
            return
        try:
            if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own descriptor
                self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


class _SlotConnection(sqlite3.Connection):
    """A SQLite connection that hands the write slot back once SQLite has finished its COMMIT or ROLLBACK.

    SQLAlchemy's ``commit`` event fires before the COMMIT: releasing there let the next writer's BEGIN
    IMMEDIATE meet the unfinished transaction, get SQLITE_BUSY and sleep in the busy handler.
    """

    slot: "_WriteSlot | None" = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.hand_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.hand_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.hand_back()

    def hand_back(self) -> None:
        slot, self.slot = self.slot, None
        if slot is not None:
            slot.release()


def _configure_sqlite(engine: Engine, lock_path: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # a backstop: the checkpointer below keeps the WAL far smaller, outside the write slot
        cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
        # a large sort (a statistics grouping that cannot stream over an index) spills sorted runs; a helper
        # thread sorts and merges them beside the query's own: the item × street days-to-close histogram of a
        # year, 131 → 104 ms on 1 M hazards (tests/bench/README.md, "Sort helper thread"). More threads measured
        # no better on two CPUs.
        cursor.execute(f"PRAGMA threads={SORT_HELPER_THREADS}")
        cursor.close()

    # Writers queue on the write slot before BEGIN IMMEDIATE instead of polling SQLite's busy handler
    # (which sleeps up to 100 ms between tries and turned a 50-client load into second-long tails).
    write_slot = _WriteSlot(lock_path)
    WRITE_SLOTS[engine] = write_slot

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get("begin_immediate", False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        write_slot.acquire()
        dbapi_connection.slot = write_slot  # handed back by its COMMIT, ROLLBACK or close
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.hand_back()
            raise


class Checkpointer:
    """Copies the WAL back into the database file every ``CHECKPOINT_SECONDS`` from a thread of its own.

    SQLite's automatic checkpoint runs inside the COMMIT of whichever writer crosses the threshold (1,000 pages
    by default), so every few hundred submissions one writer held the write slot through a checkpoint and its
    fsyncs while the others queued. A PASSIVE checkpoint takes no write lock: writers and readers carry on.
    """

    def __init__(self, engine: Engine, interval: float = CHECKPOINT_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)

    def start(self) -> "Checkpointer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # noqa: BLE001 - a missed checkpoint is made up by the next one or the backstop
                log.warning("WAL checkpoint failed", exc_info=True)


def start_checkpointer() -> Checkpointer | None:
    """For a serving process on SQLite (a file, not memory); None elsewhere."""
    engine = get_engine()
    if engine.dialect.name != "sqlite" or _lock_path(str(engine.url)) is None:
        return None
    return Checkpointer(engine).start()


_health_engine: Engine | None = None


def database_answers() -> bool:
    """``SELECT 1`` on a connection of its own (a pool of one), so a health check neither waits behind a pool that
    requests have exhausted nor takes one of their connections."""
    global _health_engine
    if _health_engine is None:
        url = str(get_engine().url.render_as_string(hide_password=False))
        if url.startswith("sqlite"):
            _health_engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=2, pool_pre_ping=True,
                                           connect_args={"check_same_thread": False, "timeout": 2})
        else:  # one round trip: no BEGIN/ROLLBACK around the SELECT 1, no ping before it
            _health_engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=2,
                                           pool_recycle=RECYCLE_SECONDS, isolation_level="AUTOCOMMIT",
                                           connect_args={"connect_timeout": 2})
            event.listen(_health_engine, "checkout", _drop_if_closed_by_server)
    try:
        with _health_engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; the caller logs it
        log.warning("health check: database did not answer", exc_info=True)
        return False
    return True


def init_engine(url: str | None = None) -> Engine:
    global _engine, _write_engine, _read_engine, _health_engine
    _health_engine = None
    settings = get_settings()
    _engine = make_engine(url or settings.database_url, pool_size=settings.db_pool_size)
    _write_engine = _engine.execution_options(begin_immediate=True)
    _read_engine = read_engine_of(_engine)
    return _engine


def read_engine_of(engine: Engine) -> Engine:
    """What request reads run on. PostgreSQL: the same pool in autocommit, so a read is its statements and
    nothing else — no ``BEGIN`` before them and no ``ROLLBACK`` after, each a round trip with psycopg, and no
    ``DEALLOCATE ALL`` (psycopg's rollback throws away the connection's prepared statements, so a statement
    was never run prepared twice). At PostgreSQL's READ COMMITTED every statement of a transaction took a new
    snapshot anyway, so the answers are the same. A read engine refuses to write (a route that writes takes a
    write session). SQLite: the engine itself (its BEGIN and ROLLBACK cost no round trip)."""
    if engine.dialect.name != "postgresql":
        return engine
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(reads, "before_cursor_execute", _refuse_writes)
    return reads


def _refuse_writes(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        raise RuntimeError("a read session tried to write (autocommit would keep it): use a write session")


def get_engine() -> Engine:
    if _engine is None:
        init_engine()
    assert _engine is not None
    return _engine


def get_read_engine() -> Engine:
    if _read_engine is None:
        init_engine()
    assert _read_engine is not None
    return _read_engine


def get_write_engine() -> Engine:
    if _write_engine is None:
        init_engine()
    assert _write_engine is not None
    return _write_engine


def read_session() -> Iterator[Session]:
    with reading() as session:
        yield session


def write_session() -> Iterator[Session]:
    with writing() as session:
        yield session


def released_at_return(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A sync route whose sessions give their PostgreSQL connection back when it returns, on its own thread.

    FastAPI validates a sync route's answer on another thread of the request pool and closes the sessions of its
    dependencies on a third, after the answer is sent; a session holds its pooled connection until then. With
    few threads per process, under load, every connection was held by finished requests waiting for a thread,
    and every thread by a new request waiting for a connection: PostgreSQL stalled for the pool's wait (10 s),
    often twice. A session that only read (in autocommit: a read session, or a write session after its commit)
    ends its transaction here, which sends nothing; it stays usable (nothing is expired), and a later lazy load
    takes a connection again. A session with writes not committed is left to its dependency (which rolls back).
    """
    if getattr(endpoint, "releases_reads", False):
        return endpoint

    @functools.wraps(endpoint)
    def endpoint_releasing(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    release_reads(value)
    endpoint_releasing.releases_reads = True  # type: ignore[attr-defined]
    return endpoint_releasing


def release_reads(session: Session) -> None:
    """Give back the connection of a PostgreSQL session that only reads in autocommit (see ``released_at_return``)."""
    bind = session.get_bind()
    if (bind.dialect.name == "postgresql" and bind is get_read_engine() and session.in_transaction()
            and not (session.new or session.dirty or session.deleted)):
        session.commit()


@contextmanager
def reading() -> Iterator[Session]:
    """A read session a route opens itself, where a dependency's two thread-pool hops show (hot paths)."""
    with Session(get_read_engine(), expire_on_commit=False) as session:
        yield session


class WriteSession(Session):
    """A session whose first transaction writes (``BEGIN IMMEDIATE`` behind the write slot on SQLite) and whose
    transactions after a COMMIT only read: a route that commits and then reads what it returns does not take
    the write slot again and hold it until the session closes in the dependency's teardown (which under load
    waits for a thread of the same pool the queued writers hold). A write after the commit needs a new session.
    """

    def commit(self) -> None:
        super().commit()
        self.bind = get_read_engine()


@contextmanager
def writing() -> Iterator[Session]:
    """A write session a route opens itself; the route commits, leaving without a commit rolls back."""
    with WriteSession(get_write_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """A unit of work for jobs and the CLI: commits on success, rolls back on error."""
    engine = get_write_engine() if write else get_engine()
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(read_session)]
WriteSessionDep = Annotated[Session, Depends(write_session)]
