"""Time-driven work on hazards, derived from the data each run, so a late or repeated run is harmless.

* ``sweep_deadlines``: reminders to the enterprise 3 and 1 days before a deadline, the overdue notice at the
  deadline, escalation to the office (major hazards at once, general ones N days overdue), and the green list
  lost on an overdue hazard. Each notice is one outbox row with a unique key naming the hazard *and its
  deadline* (``remind3:{hazard}:{due_at}``), written by set-based ``INSERT ... SELECT ... ON CONFLICT DO
  NOTHING``: once per hazard and deadline however often the sweep runs, and a new deadline after a rejection
  gets its own reminders. A late sweep sends what is current: after three days down it sends the overdue notice,
  not a stale "three days left".
* ``plan_reinspections``: 复查 tasks for the issuing department (evidence on a major hazard; a rejected hazard
  whose new deadline passed), due within the re-inspection window (REFERENCE §D.1).
* ``send_visit_notices``: 检查预告 to the enterprise at least N days before an announced visit.
* ``hazard_counts``: open and overdue hazards per enterprise, a weight of the 双随机 draw.

Only hazards ``open`` are reminded, reported overdue or escalated: a ``submitted`` hazard waits for the reviewer,
not the enterprise.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from hazards.loop import deadlines
from hazards.models import Evidence, Hazard
from hazards.notify import inbox
from hazards.notify.models import Outbox
from hazards.rules import greenlist, holidays
from inspection import audit
from inspection.clock import end_of_local_day, local_date
from inspection.models import Enterprise, Event, InspectionTask, Visit
from inspection.planning import tasks as task_service
from schemas.enums import HazardLevel, HazardStatus, VisitSource, VisitStatus
from schemas.tasks import OPEN_TASK_STATUSES, TaskSource

OFFICE = "office"
# a reviewer or a re-inspection refused the rectification and set a new deadline: re-inspect after it
REOPENING_ACTIONS = ("hazard.reject", "hazard.reinspected_open")


@dataclass(frozen=True)
class LadderStep:
    """A rung of the escalation ladder beyond the enterprise's overdue notice and the office's escalation: tell
    ``notify`` (``inspector``, ``head`` or ``leader``) when a hazard is ``after_days`` days overdue (0: at once)."""

    notify: str
    after_days: int


LADDER_RECIPIENTS = ("inspector", "head", "leader")


@dataclass(frozen=True)
class SweepPolicy:
    remind_days: tuple[int, ...] = (3, 1)  # days before the due day, each a separate reminder
    escalate_general_after_days: int = 3  # general hazards go to the office this many days overdue
    steps: tuple[LadderStep, ...] = ()  # the rest of the ladder (``hazards.notify.ladder``)
    leaders: tuple[str, ...] = ()  # usernames of the district's leaders; none: the office's accounts


@dataclass
class SweepReport:
    queued: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    green_revoked: int = 0

    def __str__(self) -> str:
        parts = [f"{kind}={n}" for kind, n in self.queued.items()]
        return " ".join([*parts, f"green_revoked={self.green_revoked}"])


def iso_utc(column: Any, dialect: str) -> ColumnElement[str]:
    """A UTC datetime column as ``2026-03-05T15:59:59Z``, the same text on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return func.strftime("%Y-%m-%dT%H:%M:%SZ", column)


def due_key(due_at: datetime) -> str:
    """The Python twin of ``iso_utc``."""
    return due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(dialect: str, **pairs: Any) -> Any:
    flat = [part for key, value in pairs.items() for part in (literal(key), value)]
    return func.json_build_object(*flat) if dialect == "postgresql" else func.json_object(*flat)


def _text(value: str) -> Any:
    return literal(value, String)


def _queue(session: Session, *, kind: str, event_type: str, recipient: Any, where: Sequence[Any],
           now: datetime, leaders: Sequence[str] = ()) -> list[tuple[str, dict[str, Any]]]:
    """INSERT one outbox row per matching hazard, keyed ``{kind}:{hazard}:{due_at}``; existing keys are skipped.
    The new rows reach their recipients' inboxes (``inbox.fan_out``)."""
    dialect = session.get_bind().dialect.name
    due = iso_utc(Hazard.due_at, dialect)
    key = _text(f"{kind}:") + cast(Hazard.id, String) + _text(":") + due
    payload = _json(dialect, kind=_text(kind), hazard_id=Hazard.id, enterprise_id=Hazard.enterprise_id,
                    department_id=Hazard.department_id, level=Hazard.level, item_code=Hazard.item_code, due_at=due)
    rows = select(key, _text(event_type), recipient, _text("log"), payload, _text("pending"), literal(0),
                  literal(now, Outbox.__table__.c.next_attempt_at.type), _text(""),
                  literal(now, Outbox.__table__.c.created_at.type)).where(*where)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Outbox).from_select(
        ["dedup_key", "event_type", "recipient", "channel", "payload", "status", "attempts", "next_attempt_at",
         "last_error", "created_at"], rows).on_conflict_do_nothing(index_elements=["dedup_key"])
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... SELECT with bound parameters
    added = session.connection().execute(statement.returning(Outbox.dedup_key, Outbox.payload, Outbox.id,
                                                             Outbox.recipient)).all()
    inbox.fan_out(session, [inbox.Queued(outbox_id, event_type, to, payload) for _, payload, outbox_id, to in added],
                  now=now, leaders=leaders)
    return [(key, payload) for key, payload, _, _ in added]


def sweep_deadlines(session: Session, *, now: datetime, policy: SweepPolicy) -> SweepReport:
    """Queue the reminders, overdue notices and escalations due at ``now``; revoke green lists on overdue hazards."""
    today = local_date(now)
    report = SweepReport()
    is_open = col(Hazard.status) == HazardStatus.OPEN
    enterprise = _text("enterprise:") + cast(Hazard.enterprise_id, String)
    days = sorted(set(policy.remind_days), reverse=True)  # (3, 1)
    for i, n in enumerate(days):
        # the reminder for n days is current from the start of the day n days before the due day until the next
        # (shorter) reminder's day begins, or the deadline
        upper = end_of_local_day(today + timedelta(days=n))
        lower = end_of_local_day(today + timedelta(days=days[i + 1])) if i + 1 < len(days) else now
        where = [is_open, col(Hazard.due_at) > lower, col(Hazard.due_at) <= upper]
        report.queued[f"remind{n}"] = len(_queue(session, kind=f"remind{n}", event_type="hazard.reminder",
                                                 recipient=enterprise, where=where, now=now))
    overdue = [is_open, col(Hazard.due_at) < now]
    report.queued["overdue"] = len(_queue(session, kind="overdue", event_type="hazard.overdue", recipient=enterprise,
                                          where=overdue, now=now))
    general_limit = end_of_local_day(today - timedelta(days=policy.escalate_general_after_days))
    escalate = [is_open, col(Hazard.due_at) < now,
                (col(Hazard.level) == HazardLevel.MAJOR) | (col(Hazard.due_at) <= general_limit)]
    keys = _queue(session, kind="escalate", event_type="hazard.escalated", recipient=_text(OFFICE), where=escalate,
                  now=now)
    report.queued["escalate"] = len(keys)
    # every step's audit events in one batch (each hazard's chain head read once), in the ladder's order
    escalations = [(policy.escalate_general_after_days, _escalation_events(keys, now=now))]
    for step in policy.steps:
        limit = end_of_local_day(today - timedelta(days=step.after_days))
        where = [is_open, col(Hazard.due_at) < now, col(Hazard.due_at) <= limit]
        kind = f"escalate-{step.notify}"
        if step.notify == "inspector":  # the overdue notice, to the inspectors who found it
            recipient: Any = _text("department:") + cast(Hazard.department_id, String)
        elif step.notify == "head":
            recipient = _text("head:") + cast(Hazard.department_id, String)
        else:
            recipient = _text("leader")
        rows = _queue(session, kind=kind, event_type="hazard.overdue" if step.notify == "inspector"
                      else "hazard.escalated", recipient=recipient, where=where, now=now, leaders=policy.leaders)
        report.queued[kind] = len(rows)
        escalations.append((step.after_days, _escalation_events(rows, now=now, step=step.notify)))
    audit.record_many(session, [event for _, events in sorted(escalations, key=lambda pair: pair[0])
                                for event in events])
    report.green_revoked = _revoke_green_lists(session, now=now)
    session.flush()
    return report


STEP_WORDS = {OFFICE: "安委办", "inspector": "执法人员", "head": "部门负责人", "leader": "区分管领导"}


def _escalation_events(rows: list[tuple[str, dict[str, Any]]], *, now: datetime, step: str = OFFICE
                       ) -> list[dict[str, Any]]:
    """One ``hazard.escalated`` audit event per new escalation (each step of the ladder: ``after.recipient``
    names it), for ``audit.record_many`` (the chain head is read once per hazard, not once per event). The
    hazard's history shows them."""
    today = local_date(now)
    events = []
    for _, payload in sorted(rows, key=lambda row: row[1]["hazard_id"]):
        due = datetime.fromisoformat(payload["due_at"].replace("Z", "+00:00"))
        late = (today - local_date(due)).days
        reason = ("重大事故隐患逾期未整改 / major hazard overdue" if payload["level"] == HazardLevel.MAJOR
                  and step == OFFICE else f"隐患逾期{late}天未整改 / hazard {late} days overdue")
        events.append({"entity": "hazard", "entity_id": payload["hazard_id"], "action": "hazard.escalated",
                       "at": now, "reason": f"{reason}，告知{STEP_WORDS.get(step, step)}",
                       "after": {"level": payload["level"], "due_at": payload["due_at"], "days_overdue": late,
                                 "recipient": step}})
    return events


def _revoke_green_lists(session: Session, *, now: datetime) -> int:
    # per green-listed enterprise (few), its first overdue open hazard (through the enterprise_id index)
    first_overdue = (select(func.min(Hazard.id)).where(
        col(Hazard.enterprise_id) == Enterprise.id, col(Hazard.status) == HazardStatus.OPEN, col(Hazard.due_at) < now)
        .scalar_subquery())
    rows = session.execute(select(Enterprise.id, first_overdue).where(col(Enterprise.green_listed).is_(True))
                           .order_by(Enterprise.id)).all()
    revoked = 0
    for enterprise_id, hazard_id in rows:
        if hazard_id is None:
            continue
        enterprise = session.get(Enterprise, enterprise_id)
        hazard = session.get(Hazard, hazard_id)
        assert enterprise is not None and hazard is not None
        revoked += greenlist.revoke(session, enterprise, now=now, hazard_id=hazard_id,
                                    reason=f"隐患逾期未整改（{hazard.item_code}，期限 {local_date(hazard.due_at)}）"
                                           f" / hazard {hazard_id} overdue")
    return revoked


# --- re-inspections (复查) ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReinspectionPolicy:
    days: int = 10  # REFERENCE §D.1: within 10 days after the application or the deadline
    working_days: bool = False


@dataclass(frozen=True)
class ReinspectionReport:
    after_evidence: int = 0
    after_deadline: int = 0

    def __str__(self) -> str:
        return f"after_evidence={self.after_evidence} after_deadline={self.after_deadline}"


def _no_open_reinspection() -> Any:
    return ~exists().where(InspectionTask.hazard_id == Hazard.id, InspectionTask.source == TaskSource.REINSPECTION,
                           col(InspectionTask.status).in_(OPEN_TASK_STATUSES))


def plan_reinspections(session: Session, *, now: datetime, policy: ReinspectionPolicy) -> ReinspectionReport:
    """A re-inspection task per hazard needing one, once per trigger (``origin_key``), none while one is open.

    * evidence on a major hazard (``submitted``): the application; due ``days`` after the latest evidence;
    * a rejected hazard (``hazard.reject``, or ``hazard.reinspected_open`` from an on-site re-inspection) open
      past its new deadline: due ``days`` after the deadline.
    """
    dialect = session.get_bind().dialect.name
    calendar = holidays.of(session)
    latest = (select(Evidence.hazard_id, func.max(Evidence.id).label("evidence_id"))
              .group_by(Evidence.hazard_id).subquery())
    evidence_key = _text("reinspect:") + cast(Hazard.id, String) + _text(":evidence:") + cast(
        latest.c.evidence_id, String)
    applied = session.execute(
        select(Hazard, Evidence).join(latest, latest.c.hazard_id == Hazard.id)
        .join(Evidence, col(Evidence.id) == latest.c.evidence_id)
        .where(col(Hazard.status) == HazardStatus.SUBMITTED, col(Hazard.level) == HazardLevel.MAJOR,
               _no_open_reinspection(), ~exists().where(InspectionTask.origin_key == evidence_key))
        .order_by(Hazard.id)).all()
    after_evidence = 0
    for hazard, evidence in applied:
        after_evidence += _add_task(session, hazard, key=f"reinspect:{hazard.id}:evidence:{evidence.id}",
                                    start=evidence.submitted_at, first_day=local_date(evidence.submitted_at),
                                    reason=f"重大事故隐患整改复查申请 / evidence {evidence.id} on a major hazard",
                                    now=now, policy=policy, calendar=calendar)
    deadline_key = _text("reinspect:") + cast(Hazard.id, String) + _text(":deadline:") + iso_utc(Hazard.due_at, dialect)
    rejected = session.execute(
        select(Hazard).where(
            col(Hazard.status) == HazardStatus.OPEN, col(Hazard.due_at) < now,
            exists().where(Event.entity == "hazard", Event.entity_id == Hazard.id,
                           col(Event.action).in_(REOPENING_ACTIONS)),
            _no_open_reinspection(), ~exists().where(InspectionTask.origin_key == deadline_key))
        .order_by(Hazard.id)).scalars().all()
    after_deadline = 0
    for hazard in rejected:
        after_deadline += _add_task(session, hazard, key=f"reinspect:{hazard.id}:deadline:{due_key(hazard.due_at)}",
                                    start=hazard.due_at, first_day=local_date(hazard.due_at) + timedelta(days=1),
                                    reason="驳回后整改期限已过 / rejected, and the new deadline passed",
                                    now=now, policy=policy, calendar=calendar)
    session.flush()
    return ReinspectionReport(after_evidence, after_deadline)


def _add_task(session: Session, hazard: Hazard, *, key: str, start: datetime, first_day: date, reason: str,
              now: datetime, policy: ReinspectionPolicy, calendar: holidays.Calendar) -> bool:
    window = deadlines.reinspection_window(start, days=policy.days, working_days=policy.working_days,
                                           calendar=calendar)
    last_day = window.last_day
    return task_service.add(
        session, origin_key=key, department_id=hazard.department_id, enterprise_id=hazard.enterprise_id,
        kinds=[hazard.kind], window_start=min(first_day, last_day), window_end=last_day,
        source=TaskSource.REINSPECTION, hazard_id=hazard.id, now=now, note=f"{reason}；{window.note}")


# --- advance notice of visits (检查预告) --------------------------------------------------------------------------

def send_visit_notices(session: Session, *, now: datetime, days: int) -> int:
    """Tell each enterprise of an announced visit planned at least ``days`` ahead (none for complaint-driven
    visits). A visit planned sooner gets no advance notice at all rather than a same-day one.

    One outbox row per visit and planned date: a visit moved to another day is announced again."""
    dialect = session.get_bind().dialect.name
    today = local_date(now)
    planned = cast(Visit.planned_date, String)
    payload = _json(dialect, visit_id=Visit.id, enterprise_id=Visit.enterprise_id, planned_date=planned,
                    lead_department_id=Visit.lead_department_id, source=Visit.source)
    rows = select(_text("visit.notice:") + cast(Visit.id, String) + _text(":") + planned, _text("visit.notice"),
                  _text("enterprise:") + cast(Visit.enterprise_id, String), _text("log"), payload, _text("pending"),
                  literal(0), literal(now, Outbox.__table__.c.next_attempt_at.type), _text(""),
                  literal(now, Outbox.__table__.c.created_at.type)).where(
        col(Visit.status) == VisitStatus.PLANNED, col(Visit.announced).is_(True),
        col(Visit.source) != VisitSource.COMPLAINT, col(Visit.planned_date) >= today + timedelta(days=days))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Outbox).from_select(
        ["dedup_key", "event_type", "recipient", "channel", "payload", "status", "attempts", "next_attempt_at",
         "last_error", "created_at"], rows).on_conflict_do_nothing(index_elements=["dedup_key"])
    added = session.connection().execute(statement.returning(Outbox.id, Outbox.recipient, Outbox.payload)).all()
    inbox.fan_out(session, [inbox.Queued(i, "visit.notice", to, payload) for i, to, payload in added], now=now)
    return len(added)


# --- the draw's hazard weights -------------------------------------------------------------------------------------

def hazard_counts(session: Session, *, now: datetime) -> dict[int, tuple[int, int]]:
    """enterprise -> (open hazards, overdue hazards); closed and voided ones do not count."""
    overdue = func.sum(case((col(Hazard.due_at) < now, 1), else_=0))
    rows = session.execute(select(Hazard.enterprise_id, func.count(), overdue)
                           .where(col(Hazard.status).in_([HazardStatus.OPEN, HazardStatus.SUBMITTED]))
                           .group_by(Hazard.enterprise_id)).all()
    return {enterprise_id: (int(total), int(late or 0)) for enterprise_id, total, late in rows}
