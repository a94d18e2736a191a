"""SQLite's single writer: writers queue on the write slot (a FIFO in the process, an flock across processes)
and get it back only once SQLite has finished the COMMIT, so no writer ever meets a locked database."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from server import db

WRITERS_PER_ENGINE = 6
ROUNDS = 40


def impatient_engine(path: Path) -> Engine:
    """An engine as the app makes it, but whose SQLite gives up at once on a lock (no busy handler to hide
    a writer that started before the previous one had committed)."""
    engine = db.make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_waiting(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    return engine.execution_options(begin_immediate=True)


def test_writers_of_two_engines_never_meet_a_locked_database(tmp_path):
    path = tmp_path / "slot.db"
    # two engines with their own in-process locks stand for two worker processes: only the flock joins them
    engines = [impatient_engine(path), impatient_engine(path)]
    with engines[0].begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []
    start = threading.Barrier(2 * WRITERS_PER_ENGINE)

    def writer(engine: Engine) -> None:
        try:
            start.wait(timeout=300)
            for _ in range(ROUNDS):
                with engine.begin() as conn:  # read, then write: the case BEGIN IMMEDIATE exists for
                    n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(engine,)) for engine in engines
               for _ in range(WRITERS_PER_ENGINE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # only to end a hung test: a loaded machine may be slow, never wrong
    assert not any(thread.is_alive() for thread in threads), "writers still running after 10 minutes"
    assert errors == []
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 2 * WRITERS_PER_ENGINE * ROUNDS
    for engine in engines:
        engine.dispose()
    assert Path(f"{path}.write-lock").exists()


def test_a_writer_that_cannot_get_the_slot_in_time_is_told_the_database_is_busy():
    slot = db._WriteSlot(None, wait_seconds=0.05)
    slot.acquire()
    try:
        with pytest.raises(db.DatabaseBusy):
            slot.acquire()
    finally:
        slot.release()


def test_writers_beyond_the_queue_limit_are_refused_at_once_and_the_queue_still_drains():
    lock = db._FifoLock(max_waiters=1)
    assert lock.acquire(timeout=1)
    waiting = threading.Thread(target=lambda: results.append(lock.acquire(timeout=60)))
    results: list[bool] = []
    waiting.start()
    while not lock._waiters:  # the second writer is queued
        threading.Event().wait(0.01)

    assert lock.acquire(timeout=60) is False  # a third does not wait at all
    lock.release()
    waiting.join(timeout=60)
    assert results == [True]
    lock.release()


@pytest.mark.skipif(not db.get_engine().url.drivername.startswith("sqlite"), reason="the write slot is SQLite's")
def test_a_write_session_that_has_committed_reads_on_without_holding_the_slot(engine):
    slot = db.WRITE_SLOTS[db.get_engine()]
    with db.writing() as session:
        session.exec(text("CREATE TABLE IF NOT EXISTS slot_probe (n INTEGER)"))
        session.commit()
        session.exec(text("SELECT count(*) FROM slot_probe")).one()  # a route reading what it returns
        free = slot._thread_lock.acquire(timeout=0)
        if free:
            slot._thread_lock.release()
    with db.writing() as session:
        session.exec(text("DROP TABLE slot_probe"))
        session.commit()
    assert free
