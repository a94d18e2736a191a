"""The whole schedule in one table, the single-runner lock, and the runner that drives APScheduler.

Several processes may run a ``Runner`` (every uvicorn worker with ``make run``, or ``xuncha scheduler``); only
the one holding the lock starts APScheduler, the others stand by and retry every ``retry_seconds``:

* PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a dedicated connection. The lock lives as long
  as that connection; a heartbeat (``SELECT 1``) every ``heartbeat_seconds`` notices a lost connection, and the
  runner then stops its scheduler and goes back to standby.
* SQLite: an exclusive ``flock`` on a file next to the database. The kernel drops it when the process dies.

The job store is APScheduler's ``SQLAlchemyJobStore`` in the application database (table ``apscheduler_jobs``,
outside our migrations). Jobs are added with fixed ids and ``replace_existing=True``; a job whose trigger did not
change keeps its stored next run time, so a run missed while no scheduler was up fires once (``coalesce``) when
one comes back, within a generous ``misfire_grace_time``. The jobs themselves derive their work from the data,
so even a run skipped altogether is made good by the next one.
"""

import contextlib
import fcntl
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, create_engine, func, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from inspection.models import JobRun
from schemas.tasks import JobRunPublic, JobStatus
from server.db import make_engine
from server.settings import Settings, get_settings

log = logging.getLogger("xuncha.scheduler")

SHANGHAI = ZoneInfo("Asia/Shanghai")
JOBSTORE_TABLE = "apscheduler_jobs"
HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class Entry:
    id: str
    func: str  # "module:function", as the job store keeps it
    fields: Mapping[str, Any]  # trigger arguments
    grace_seconds: int
    description: str
    kind: str = "cron"  # cron | interval

    def trigger(self, timezone: tzinfo) -> BaseTrigger:
        if self.kind == "interval":
            return IntervalTrigger(timezone=timezone, **self.fields)
        return CronTrigger(timezone=timezone, **self.fields)

    @property
    def schedule(self) -> str:
        return f"{self.kind} " + " ".join(f"{k}={v}" for k, v in self.fields.items()) + " (Asia/Shanghai)"


SCHEDULE: tuple[Entry, ...] = (
    Entry("deadline_sweep", "server.jobs.functions:deadline_sweep", {"minute": "5"}, 6 * HOUR,
          "每小时：整改期限提醒、逾期通知、逾期升级、绿名单取消 / hourly: reminders, overdue notices, escalations, "
          "green lists"),
    Entry("reinspections", "server.jobs.functions:reinspections", {"minute": "20"}, 6 * HOUR,
          "每小时：复查任务 / hourly: re-inspection tasks for major hazards with evidence and rejected overdue ones"),
    Entry("routine_draw", "server.jobs.functions:routine_draw", {"hour": "2", "minute": "10"}, 7 * DAY,
          "每月双随机抽查（每天检查本月是否已抽）/ the month's random draw per department, once: on the 1st, or the "
          "first day a scheduler runs"),
    Entry("inspect_once", "server.jobs.functions:inspect_once", {"hour": "2", "minute": "30"}, 3 * DAY,
          "每天：综合查一次合并、检查预告 / daily: merge planned tasks (the night's draw included) into joint "
          "visits, advance notices"),
    Entry("deliver_notifications", "server.jobs.functions:deliver_notifications", {"minutes": 1}, 6 * HOUR,
          "每分钟：发送通知（日志、Webhook），失败重试 / every minute: deliver the outbox with retries",
          kind="interval"),
    Entry("sweep_photo_files", "server.jobs.functions:sweep_photo_files", {"hour": "3", "minute": "40"}, 3 * DAY,
          "每天：清理无记录的照片文件 / daily: remove photo files left without a row by a failed upload"),
    Entry("compact_stats_tally", "server.jobs.functions:compact_stats_tally", {"hour": "3", "minute": "50"}, 3 * DAY,
          "每天：合并统计月度计数表的增量行 / daily: fold the statistics month tally's appended rows"),
    Entry("anchor_audit", "server.jobs.functions:anchor_audit", {"minute": "55"}, 6 * HOUR,
          "每小时：审计链锚点写入库外文件 / hourly: a signed audit checkpoint to the file outside the database"),
    Entry("linkage_outcomes", "server.jobs.programs:linkage_outcomes", {"minute": "*/10"}, 6 * HOUR,
          "每10分钟：审管联动检查结果回传审批端 / every 10 minutes: gas linkage outcomes back to their sources"),
    Entry("insurance_reminders", "server.jobs.programs:insurance_reminders_job", {"hour": "8", "minute": "15"},
          3 * DAY, "每天：安责险到期提醒 / daily: liability-insurance expiry reminders"),
)


# --- the single-runner lock ---------------------------------------------------------------------------------------

class RunnerLock(Protocol):
    def acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on its own connection (not the pool's)."""

    def __init__(self, url: str, key: int) -> None:
        self.key = key
        self.engine = create_engine(url, poolclass=NullPool, connect_args={
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
            "application_name": "xuncha-scheduler"})
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        if self.connection is not None:
            return True
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:
            log.warning("scheduler lock: cannot connect (%s)", exc)
            return False
        try:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except Exception as exc:
            log.warning("scheduler lock: %s", exc)
            got = False
        if not got:
            connection.close()
            return False
        self.connection = connection
        return True

    def held(self) -> bool:
        """The lock lives as long as its connection: a query that succeeds proves both."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.error("scheduler lock lost with its connection: %s", exc)
            self._drop()
            return False

    def release(self) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(Exception):  # a lost connection took the lock with it
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


class FileLock:
    """An exclusive ``flock`` (SQLite deployments: one machine). Two opens conflict even within one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def lock_for(url: str, key: int) -> RunnerLock:
    if url.startswith("postgresql"):
        return AdvisoryLock(url, key)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if not path or path.startswith(":memory:"):
            return FileLock(Path(tempfile.gettempdir()) / f"xuncha-scheduler-{key}.lock")
        return FileLock(Path(path + ".scheduler-lock"))
    raise ValueError(f"no scheduler lock for {url.split(':', 1)[0]}")


# --- APScheduler ---------------------------------------------------------------------------------------------------

class _Scheduler(BackgroundScheduler):
    """APScheduler 3.11 runs one more round of ``_process_jobs`` after ``shutdown()`` has closed the executors
    (agronholm/apscheduler#985): a job due at that moment fails to submit and its stored next run time moves on,
    so the run is lost for the next scheduler. A stopped scheduler processes nothing."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()  # type: ignore[no-any-return]


def build_scheduler(url: str, *, timezone: tzinfo = SHANGHAI, table: str = JOBSTORE_TABLE) -> BackgroundScheduler:
    """A scheduler on its own small engine: the job store disposes of its engine at shutdown."""
    store = SQLAlchemyJobStore(engine=make_engine(url, pool_size=2), tablename=table)
    return _Scheduler(jobstores={"default": store}, executors={"default": ThreadPoolExecutor(1)},
                               job_defaults={"coalesce": True, "max_instances": 1}, timezone=timezone)


def register(scheduler: BackgroundScheduler, schedule: tuple[Entry, ...], *, timezone: tzinfo = SHANGHAI) -> None:
    """Add every entry with its fixed id (replace_existing); drop stored jobs no longer in the schedule.

    APScheduler recomputes the next run time of a replaced job from now, which would silently skip a run missed
    while no scheduler was up; a job whose trigger is unchanged therefore keeps its stored next run time."""
    known = {job.id: job for job in scheduler.get_jobs()}
    for entry in schedule:
        trigger = entry.trigger(timezone)
        extra: dict[str, Any] = {}
        old = known.get(entry.id)
        if old is not None and old.next_run_time is not None and repr(old.trigger) == repr(trigger):
            extra["next_run_time"] = old.next_run_time
        scheduler.add_job(entry.func, trigger=trigger, id=entry.id, name=entry.id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=entry.grace_seconds, **extra)
    for job_id in sorted(set(known) - {entry.id for entry in schedule}):
        scheduler.remove_job(job_id)


@dataclass
class Runner:
    """Waits for the lock, then runs APScheduler until stopped or the lock is lost."""

    url: str
    lock: RunnerLock
    schedule: tuple[Entry, ...] = SCHEDULE
    retry_seconds: float = 30.0
    heartbeat_seconds: float = 10.0
    name: str = field(default_factory=lambda: f"runner-{os.getpid()}")
    table: str = JOBSTORE_TABLE
    timezone: tzinfo = SHANGHAI
    _scheduler: BackgroundScheduler | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    @property
    def active(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"xuncha-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        """For ``xuncha scheduler``: run until SIGINT or SIGTERM."""
        done = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        self.start()
        log.info("%s started: waiting for the scheduler lock", self.name)
        while not done.wait(1.0):
            pass
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self._scheduler is None:
                    if self.lock.acquire():
                        self._activate()
                elif not self.lock.held():
                    log.error("%s lost the scheduler lock: standing by", self.name)
                    self._deactivate()
            except Exception:
                log.exception("%s: scheduler runner error", self.name)
                self._deactivate()
                self.lock.release()
            self._stop.wait(self.heartbeat_seconds if self._scheduler is not None else self.retry_seconds)
        self._deactivate()
        self.lock.release()

    def _activate(self) -> None:
        scheduler = build_scheduler(self.url, timezone=self.timezone, table=self.table)
        scheduler.start(paused=True)
        try:
            register(scheduler, self.schedule, timezone=self.timezone)
        except Exception:
            scheduler.shutdown(wait=False)
            raise
        scheduler.resume()
        self._scheduler = scheduler
        log.info("%s holds the scheduler lock: running %d jobs", self.name, len(self.schedule))

    def _deactivate(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)


def runner_from_settings(settings: Settings | None = None) -> Runner:
    settings = settings or get_settings()
    return Runner(settings.database_url, lock_for(settings.database_url, settings.scheduler_lock_key),
                  retry_seconds=settings.scheduler_retry_seconds,
                  heartbeat_seconds=settings.scheduler_heartbeat_seconds)


# --- what the admin page shows ----------------------------------------------------------------------------------

def stored_next_runs(session: Session, table: str = JOBSTORE_TABLE) -> dict[str, datetime | None]:
    bind = session.get_bind()
    if not inspect(bind).has_table(table):
        return {}
    rows = session.execute(text(f"SELECT id, next_run_time FROM {table}")).all()  # type: ignore[call-overload]
    return {job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None for job_id, ts in rows}


def last_runs(session: Session) -> dict[str, JobRun]:
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    return {run.job_id: run for run in session.exec(select(JobRun).where(col(JobRun.id).in_(latest))).all()}


def statuses(session: Session, *, now: datetime, schedule: tuple[Entry, ...] = SCHEDULE) -> list[JobStatus]:
    """Each job's next run (as stored by the running scheduler, else from its trigger), last run and result.

    ``late`` means the stored next run is well past: no scheduler is running, or it is stuck."""
    stored = stored_next_runs(session)
    runs = last_runs(session)
    out = []
    for entry in schedule:
        if entry.id in stored:
            next_run = stored[entry.id]
        else:
            fire = entry.trigger(SHANGHAI).get_next_fire_time(None, now.astimezone(SHANGHAI))
            next_run = fire.astimezone(UTC) if fire else None
        last = runs.get(entry.id)
        out.append(JobStatus(
            id=entry.id, description=entry.description, schedule=entry.schedule, next_run_at=next_run,
            late=next_run is not None and entry.id in stored and next_run < now - timedelta(minutes=5),
            last_run=JobRunPublic.model_validate(last) if last else None))
    return out
