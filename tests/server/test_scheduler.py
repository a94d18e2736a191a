"""The scheduler: one runner fires jobs at a time, missed runs come back once, jobs catch up after downtime."""

import importlib
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock_time

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from hazards.models import Evidence, Hazard
from hazards.notify.models import Outbox
from inspection.clock import SHANGHAI, end_of_local_day
from inspection.models import Draw, InspectionTask, JobRun, Visit
from inspection.types import utcnow
from schemas.enums import HazardLevel, HazardStatus
from schemas.tasks import TaskSource
from server.db import session_scope
from server.jobs import functions as jobs
from server.jobs import scheduler
from tests.conftest import TEST_URL

ON_POSTGRES = TEST_URL.startswith("postgresql")
TICK = "tests.server.test_scheduler:tick"


def tick() -> None:
    """A test job: records which scheduler's executor thread ran it."""
    with session_scope() as session:
        session.add(JobRun(job_id="tick", trigger="schedule", started_at=utcnow(), finished_at=utcnow(), ok=True,
                           summary=threading.current_thread().name.rsplit("_", 1)[0]))


def ticks(session: Session) -> list[JobRun]:
    session.rollback()  # a fresh snapshot
    return list(session.exec(select(JobRun).where(JobRun.job_id == "tick").order_by(col(JobRun.id))).all())


def wait_for(predicate, timeout: float = 120.0) -> bool:
    """Poll until ``predicate`` holds. The bound is only there to end a broken test: generous, so a loaded
    machine (slow threads, slow commits) never fails a test that is right."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture()
def jobstore(engine) -> Iterator[None]:
    """Empties APScheduler's table afterwards (DELETE, not DROP: the test's session may still read it)."""
    yield
    if inspect(engine).has_table(scheduler.JOBSTORE_TABLE):
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {scheduler.JOBSTORE_TABLE}"))


class NoLock:
    """The control: every runner gets it, as if there were no lock."""

    def acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass


class Counted:
    """A lock that counts the runner's attempts to take it."""

    def __init__(self, lock) -> None:
        self.lock = lock
        self.attempts = 0

    def acquire(self) -> bool:
        self.attempts += 1
        return self.lock.acquire()

    def held(self) -> bool:
        return self.lock.held()

    def release(self) -> None:
        self.lock.release()


def runner(name: str, lock, schedule=None) -> scheduler.Runner:
    entry = scheduler.Entry("tick", TICK, {"seconds": 1}, 30, "test tick", kind="interval")
    return scheduler.Runner(TEST_URL, lock, schedule=schedule or (entry,), retry_seconds=0.2, heartbeat_seconds=0.2,
                            name=name)


def test_the_schedule_table(engine):
    ids = [entry.id for entry in scheduler.SCHEDULE]
    assert ids == list(jobs.JOBS) and len(set(ids)) == len(ids)
    for entry in scheduler.SCHEDULE:
        module, name = entry.func.split(":")
        assert getattr(importlib.import_module(module), name) is jobs.JOBS[entry.id]
        assert entry.grace_seconds >= 6 * 3600  # generous: the default of 1 s skips runs after a restart
        assert entry.trigger(scheduler.SHANGHAI).get_next_fire_time(None, datetime.now(scheduler.SHANGHAI))


def test_a_file_lock_is_exclusive_and_released(tmp_path):
    a, b = scheduler.FileLock(tmp_path / "x.lock"), scheduler.FileLock(tmp_path / "x.lock")
    assert a.acquire() and a.held()
    assert not b.acquire()
    a.release()
    assert b.acquire()
    b.release()


@pytest.mark.skipif(not ON_POSTGRES, reason="advisory locks are PostgreSQL's; SQLite runners use a file lock")
def test_an_advisory_lock_is_exclusive_and_lost_with_its_connection(engine):
    a, b = scheduler.AdvisoryLock(TEST_URL, 99_001), scheduler.AdvisoryLock(TEST_URL, 99_001)
    try:
        assert a.acquire() and a.held()
        assert not b.acquire()
        pid = a.connection.execute(text("SELECT pg_backend_pid()")).scalar()
        killer = create_engine(TEST_URL, poolclass=NullPool)
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        assert wait_for(lambda: not a.held())
        assert b.acquire()
    finally:
        a.release()
        b.release()


def test_two_runners_fire_each_job_once_and_the_standby_takes_over(engine, session, jobstore):
    """Two schedulers on one database (PostgreSQL advisory lock, or the SQLite file lock): one fires, the other
    waits; when the first stops the second takes over. Without the lock both fire every tick."""
    a = runner("a", scheduler.lock_for(TEST_URL, 99_002))
    b_lock = Counted(scheduler.lock_for(TEST_URL, 99_002))
    b = runner("b", b_lock)
    try:
        a.start()
        assert wait_for(lambda: a.active)
        b.start()
        assert wait_for(lambda: b_lock.attempts >= 3)  # b has tried the lock, and failed, a few times
        seen = len(ticks(session))
        assert wait_for(lambda: len(ticks(session)) >= seen + 4)  # ticks fired while b stood by
        both = ticks(session)
        assert a.active and not b.active
        assert len({t.summary for t in both}) == 1  # one scheduler's executor ran every tick (without the lock: two)

        a.stop()
        assert not a.active
        assert wait_for(lambda: b.active)
        count = len(ticks(session))
        assert wait_for(lambda: len(ticks(session)) >= count + 2)
        after = ticks(session)[count:]
        assert {t.summary for t in after}.isdisjoint({t.summary for t in both})  # now b's executor
    finally:
        a.stop()
        b.stop()


def test_without_the_lock_two_runners_fire_every_job_twice(engine, session, jobstore):
    a, b = runner("a", NoLock()), runner("b", NoLock())
    a.start()
    b.start()
    try:
        assert wait_for(lambda: len({t.summary for t in ticks(session)}) == 2)
    finally:
        a.stop()
        b.stop()


def test_a_run_missed_while_no_scheduler_was_up_fires_once_on_restart(engine, session, jobstore):
    # hourly, half an hour away from now: the next regular run never falls inside the test, whatever the time
    entry = scheduler.Entry("tick", TICK, {"minute": str((datetime.now(SHANGHAI).minute + 30) % 60)}, 6 * 3600,
                            "hourly tick")
    first = scheduler.build_scheduler(TEST_URL)
    first.start(paused=True)
    scheduler.register(first, (entry,))
    missed = datetime.now(SHANGHAI).replace(microsecond=0) - timedelta(hours=3)
    first.modify_job("tick", next_run_time=missed)  # the scheduler was down when the job was due (three times)
    first.shutdown()

    restarted = scheduler.build_scheduler(TEST_URL)
    restarted.start(paused=True)
    scheduler.register(restarted, (entry,))
    assert restarted.get_job("tick").next_run_time == missed  # kept, not recomputed from now
    restarted.resume()
    try:
        assert wait_for(lambda: len(ticks(session)) >= 1)
        assert restarted.get_job("tick").next_run_time > datetime.now(SHANGHAI)  # the missed runs are behind it
        time.sleep(1.0)  # room for wrongly repeated runs to show up (a slow machine can only hide them)
        assert len(ticks(session)) == 1  # coalesced: once, not three times
    finally:
        restarted.shutdown()


def test_a_runner_that_loses_its_lock_stops_firing_and_tries_again(engine, jobstore):
    class Flaky(NoLock):
        def __init__(self) -> None:
            self.ok = True
            self.acquired = 0

        def acquire(self) -> bool:
            if self.ok:
                self.acquired += 1
            return self.ok

        def held(self) -> bool:
            return self.ok

    lock = Flaky()
    r = runner("flaky", lock)
    r.start()
    try:
        assert wait_for(lambda: r.active)
        lock.ok = False
        assert wait_for(lambda: not r.active)
        lock.ok = True
        assert wait_for(lambda: r.active)
        assert lock.acquired == 2
    finally:
        r.stop()


def test_stale_jobs_leave_the_store_and_the_admin_status_reads_it(engine, session, jobstore):
    store = scheduler.build_scheduler(TEST_URL)
    store.start(paused=True)
    scheduler.register(store, (scheduler.Entry("retired", TICK, {"minute": "1"}, 60, "gone"), *scheduler.SCHEDULE))
    scheduler.register(store, scheduler.SCHEDULE)
    assert sorted(job.id for job in store.get_jobs()) == sorted(e.id for e in scheduler.SCHEDULE)
    store.shutdown()
    statuses = {s.id: s for s in scheduler.statuses(session, now=utcnow())}
    assert set(statuses) == set(jobs.JOBS)
    assert all(s.next_run_at and not s.late for s in statuses.values())
    late = scheduler.statuses(session, now=utcnow() + timedelta(days=40))
    assert all(s.late for s in late)  # nothing has run the stored jobs since: is a scheduler up?


# --- catching up after downtime, with a moved clock ------------------------------------------------------------------

def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, clock_time(hour), tzinfo=SHANGHAI)


def everything(session: Session) -> dict[str, int]:
    session.rollback()
    return {name: len(session.exec(select(model)).all())
            for name, model in (("outbox", Outbox), ("tasks", InspectionTask), ("visits", Visit), ("draws", Draw))}


def test_three_days_down_then_one_run_of_each_job_catches_up_without_doubles(engine, session, world):
    u = world.users
    before = date(2026, 3, 30)
    late = before + timedelta(days=3)  # 2026-04-02: a new month began while the scheduler was down
    overdue = Hazard(enterprise_id=world.enterprise_a.id, department_id=world.safety.id, kind="DUST",
                     item_code="DUST-01", level=HazardLevel.MAJOR, deadline_days=7,
                     due_at=end_of_local_day(before + timedelta(days=2)),
                     found_at=at(before - timedelta(days=7)))
    fixed = Hazard(enterprise_id=world.enterprise_b.id, department_id=world.gas.id, kind="GAS", item_code="GAS-01",
                   level=HazardLevel.MAJOR, deadline_days=7, due_at=end_of_local_day(late + timedelta(days=5)),
                   found_at=at(before - timedelta(days=2)))
    session.add_all([overdue, fixed])
    session.commit()
    for job in jobs.JOBS:
        assert jobs.run(job, now=at(before)).ok
    after_first = everything(session)
    assert after_first["draws"] == 2  # March, for the two departments with two certified inspectors

    # while the scheduler is down: evidence on the major hazard, two departments plan the same enterprise
    fixed.status = HazardStatus.SUBMITTED
    session.add(fixed)
    session.add(Evidence(hazard_id=fixed.id, submitted_by=u["enterprise_b"].id, submitted_at=at(before, 15)))
    for department in (world.safety, world.fire):
        session.add(InspectionTask(department_id=department.id, enterprise_id=world.landlord.id, kinds=["FCZ"],
                                   window_start=late, window_end=late + timedelta(days=10), source=TaskSource.ADHOC,
                                   created_at=at(before, 16), updated_at=at(before, 16)))
    session.commit()

    for job in jobs.JOBS:
        run = jobs.run(job, now=at(late, 3))
        assert run.ok, run.summary
    caught_up = everything(session)
    keys = set(session.exec(select(Outbox.dedup_key)).all())
    # three days left before; overdue and escalated now; the 1-day reminder fell in the downtime and is stale
    mine = {k.split(":")[0] for k in keys if not k.startswith("visit.") and k.split(":")[1] == str(overdue.id)}
    # the ladder told the inspectors at the deadline too (the office: it is major, or long enough overdue)
    assert mine == {"remind3", "overdue", "escalate-inspector", "escalate"}
    assert caught_up["draws"] == 4  # April drawn
    reinspection = session.exec(select(InspectionTask).where(InspectionTask.hazard_id == fixed.id)).one()
    assert reinspection.window_end == date(2026, 4, 9)  # 10 days after the application
    # the two departments' plans became one joint trip (March's random draws may have picked the landlord
    # for both departments too, and made a joint visit of their own: the draw's seed is random)
    planned = session.exec(select(InspectionTask).where(InspectionTask.enterprise_id == world.landlord.id,
                                                        InspectionTask.source == TaskSource.ADHOC)).all()
    assert len(planned) == 2 and planned[0].visit_id is not None
    assert planned[0].visit_id == planned[1].visit_id
    assert session.get(Visit, planned[0].visit_id).source == "joint"

    for job in jobs.JOBS:  # a second late run, or a second scheduler: nothing twice
        assert jobs.run(job, now=at(late, 4)).ok
    assert everything(session) == caught_up
    runs = session.exec(select(JobRun).where(JobRun.job_id == "deadline_sweep")).all()
    assert len(runs) == 3 and all(r.ok and r.finished_at for r in runs)


def test_a_job_waits_out_a_busy_database_instead_of_failing(monkeypatch):
    from server.db import DatabaseBusy
    from server.jobs import functions

    monkeypatch.setattr(functions, "BUSY_RETRIES", (0.0, 0.0, 0.0))
    tries: list[int] = []

    def busy_twice() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise DatabaseBusy("no write slot")
        return "done"

    assert functions.with_retries(busy_twice, "test") == "done"
    assert len(tries) == 3


def test_a_job_that_is_wrong_rather_than_busy_fails_at_once(monkeypatch):
    from server.jobs import functions

    tries: list[int] = []

    def wrong() -> str:
        tries.append(1)
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        functions.with_retries(wrong, "test")
    assert tries == [1]
