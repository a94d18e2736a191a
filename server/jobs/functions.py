"""The scheduled jobs: module-level functions, so the persistent job store can name them ("server.jobs.functions:...").

Each job is a door like a route: compute ``now`` once, open a unit of work, call the domain services, log one
line. Every job derives its work from the data and is idempotent, so a late, repeated or concurrent run does no
harm. Each run is recorded in ``job_run`` (GET /admin/jobs); ``POST /admin/jobs/{id}/run`` calls the same
function. ``now`` may be passed to run a job as of another moment (tests move the clock this way).
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from hazards.notify import delivery as notify
from hazards.notify import ladder, sms, sweep, targets
from hazards.rules import holidays
from hazards.stats import tally
from inspection import audit
from inspection.models import JobRun
from inspection.planning import draw, referrals
from inspection.planning import inspect_once as planning
from inspection.types import utcnow
from server.db import DatabaseBusy, get_write_engine, session_scope
from server.jobs import programs
from server.settings import Settings, audit_anchor_key, get_settings

log = logging.getLogger("xuncha.jobs")

T = TypeVar("T")


# --- policies from settings (the domain never reads settings) -------------------------------------------------

def sweep_policy(settings: Settings) -> sweep.SweepPolicy:
    """The reminders from settings, the escalation ladder from its file (``XUNCHA_ESCALATION_FILE``)."""
    steps = ladder.load(Path(settings.escalation_file) if settings.escalation_file else None,
                        leaders=tuple(settings.escalation_leaders),
                        office_fallback_days=settings.escalate_general_after_days)
    return steps.policy(remind_days=tuple(settings.remind_days))


def sms_sender(settings: Settings) -> sms.SmsSender:
    """The HTTP gateway when ``XUNCHA_SMS_GATEWAY_URL`` is set, else the log."""
    if settings.sms_gateway_url:
        return sms.HttpSmsGateway(settings.sms_gateway_url, token=settings.sms_gateway_token)
    return sms.LogSms()


def reinspection_policy(settings: Settings) -> sweep.ReinspectionPolicy:
    return sweep.ReinspectionPolicy(days=settings.reinspection_days, working_days=settings.reinspection_working_days)


def webhook_policy(settings: Settings) -> targets.TargetPolicy:
    return targets.TargetPolicy.parse(settings.webhook_allowed_networks)


def task_policy(settings: Settings) -> planning.TaskPolicy:
    return planning.TaskPolicy(notice_days=settings.visit_notice_days, horizon_days=settings.merge_horizon_days,
                            routine_per_quarter=settings.routine_visits_per_quarter,
                            routine_per_quarter_green=settings.routine_visits_per_quarter_green)


def draw_policy(settings: Settings) -> draw.DrawPolicy:
    return draw.DrawPolicy(frequency_months=settings.draw_frequency_months,
                           open_weight=settings.draw_open_hazard_weight,
                           overdue_weight=settings.draw_overdue_hazard_weight, capacity=settings.draw_capacity)


# --- running and recording ----------------------------------------------------------------------------------------

BUSY_RETRIES = (1.0, 2.0, 4.0, 8.0, 15.0)  # seconds between tries while the API keeps the database busy


def is_busy(exc: BaseException) -> bool:
    """The database was busy (no write slot, no pooled connection, SQLite locked), not wrong: try again later."""
    if isinstance(exc, (DatabaseBusy, PoolTimeout)):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def with_retries(work: Callable[[], T], what: str) -> T:
    """``work()``, tried again after ``BUSY_RETRIES`` while the database is busy; other errors at once."""
    for pause in (*BUSY_RETRIES, None):
        try:
            return work()
        except Exception as exc:
            if pause is None or not is_busy(exc):
                raise
            log.warning("%s: database busy (%s), trying again in %.0f s", what, type(exc).__name__, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")


def _recorded(job_id: str, body: Callable[[Session, datetime], str], now: datetime | None, trigger: str) -> JobRun:
    """Run ``body`` in one unit of work and record the run; a failure is logged and recorded, not raised. A busy
    database (the API under load) is waited out (``with_retries``) rather than failing the run."""
    now = now or utcnow()

    def begin() -> JobRun:
        with session_scope() as session:
            run = JobRun(job_id=job_id, trigger=trigger, started_at=utcnow())
            session.add(run)
        return run

    def work() -> str:
        with session_scope() as session:
            return body(session, now)

    run = with_retries(begin, job_id)
    try:
        summary, ok = with_retries(work, job_id), True
    except Exception as exc:  # a job must not take the scheduler down; the run record says what happened
        log.exception("job %s failed", job_id)
        summary, ok = f"{type(exc).__name__}: {exc}"[:2000], False

    def finish() -> JobRun:
        with session_scope() as session:
            done = session.get(JobRun, run.id)
            assert done is not None
            done.finished_at, done.ok, done.summary = utcnow(), ok, summary
            session.add(done)
        return done

    done = with_retries(finish, job_id)
    log.info("%s %s (%s) %s", job_id, "ok" if ok else "FAILED", trigger, summary)
    return done


def deadline_sweep(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """Reminders, overdue notices, escalations, green lists lost on overdue hazards."""
    def body(session: Session, at: datetime) -> str:
        return str(sweep.sweep_deadlines(session, now=at, policy=sweep_policy(get_settings())))

    return _recorded("deadline_sweep", body, now, trigger)


def reinspections(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """Re-inspection tasks (复查) for major hazards with evidence and rejected hazards past their new deadline."""
    def body(session: Session, at: datetime) -> str:
        return str(sweep.plan_reinspections(session, now=at, policy=reinspection_policy(get_settings())))

    return _recorded("reinspections", body, now, trigger)


def inspect_once(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """综合查一次: planned tasks -> (joint) visits, then the advance notices of announced visits."""
    def body(session: Session, at: datetime) -> str:
        settings = get_settings()
        report = planning.plan_visits(session, now=at, policy=task_policy(settings),
                                   is_working_day=holidays.of(session).is_working_day_or_weekday)
        referred = referrals.sync_done(session, now=at)  # referrals whose task was just done
        notices = sweep.send_visit_notices(session, now=at, days=settings.visit_notice_days)
        return f"{report} referrals_done={referred} notices={notices}"

    return _recorded("inspect_once", body, now, trigger)


def routine_draw(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """双随机: each department's draw for the current month, once (later runs in the month find it drawn)."""
    def body(session: Session, at: datetime) -> str:
        counts = sweep.hazard_counts(session, now=at)
        drawn = draw.run_monthly_draws(session, now=at, policy=draw_policy(get_settings()), hazard_counts=counts)
        picks = sum(len(d.picks) for d in drawn)
        return f"month={draw.month_of(at)} departments={len(drawn)} picks={picks}"

    return _recorded("routine_draw", body, now, trigger)


def deliver_notifications(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """The outbox sender: pending notifications out (log, webhooks) and text messages (SMS gateway or log), with
    retries and backoff."""
    def body(_: Session, at: datetime) -> str:
        def open_session() -> Session:
            return Session(get_write_engine(), expire_on_commit=False)

        report = notify.run_once(open_session, now=at,
                                 transport=notify.webhook_transport(webhook_policy(get_settings())))
        texts = sms.send_pending(open_session, sms_sender(get_settings()), now=at)
        return (f"sent={report['sent']} failed={report['failed']} sms_sent={texts['sent']} "
                f"sms_failed={texts['failed']}")

    return _recorded("deliver_notifications", body, now, trigger)


def sweep_photo_files(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """Photo files with no row (an upload that died between writing the file and committing), after a day; the
    partial files of killed uploads once older than any upload could be (server/media.py)."""
    def body(session: Session, at: datetime) -> str:
        from inspection.photos import service as photo_service
        from server.media import partial_file_age, photo_store

        removed = photo_service.sweep_orphans(session, photo_store(), older_than=timedelta(days=1), now=at,
                                              partial_older_than=partial_file_age(get_settings()))
        return f"removed={removed}"

    return _recorded("sweep_photo_files", body, now, trigger)


def compact_stats_tally(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """The statistics' month tallies: each key's appended rows folded into one (reads stay a few rows a month)."""
    def body(session: Session, at: datetime) -> str:
        before, after = tally.compact(session)
        return f"rows={before} kept={after}"

    return _recorded("compact_stats_tally", body, now, trigger)


def anchor_audit(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """A signed checkpoint of the audit trail, appended to the anchor file outside the database."""
    def body(session: Session, at: datetime) -> str:
        settings = get_settings()
        made = audit.anchor(session, path=settings.audit_anchor_file, key=audit_anchor_key(settings), now=at)
        return f"anchor={made.number} events={made.events}" if made else "nothing new"

    return _recorded("anchor_audit", body, now, trigger)


JOBS: dict[str, Callable[..., JobRun]] = {  # in the order a night's runs go: tasks first, then the merge
    "deadline_sweep": deadline_sweep,
    "reinspections": reinspections,
    "routine_draw": routine_draw,
    "inspect_once": inspect_once,
    "deliver_notifications": deliver_notifications,
    "sweep_photo_files": sweep_photo_files,
    "compact_stats_tally": compact_stats_tally,
    "anchor_audit": anchor_audit,
    "linkage_outcomes": programs.linkage_outcomes,
    "insurance_reminders": programs.insurance_reminders_job,
}


def run(job_id: str, *, now: datetime | None = None, trigger: str = "manual") -> JobRun:
    return JOBS[job_id](now, trigger=trigger)
