"""What the office sees of the linkage: lead time from registration to first inspection, the backlog, the overdue.

An event is *inspected* once its task's visit is submitted (the first inspection of that registration), *cancelled*
when its task was withdrawn, *overdue* when neither and its due day has passed (Asia/Shanghai), *backlog* otherwise.
Lead time is whole hours from the registration to the submission, shown in days with one decimal.
"""

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hazards.linkage.models import GasEvent
from inspection.clock import local_date
from inspection.errors import NotFound
from inspection.identity.access import Actor, require_role
from inspection.models import Enterprise, InspectionTask, Visit
from schemas.enums import Role, VisitStatus
from schemas.linkage import GasEventRow, LinkageBoard
from schemas.tasks import TaskStatus

READERS = (Role.OFFICE, Role.ADMIN, Role.INSPECTOR)
STATES = ("inspected", "backlog", "overdue", "cancelled")


def _rows(session: Session, actor: Actor) -> list[GasEventRow]:
    require_role(actor, *READERS, action="see the gas linkage")
    query = (select(GasEvent, Enterprise.name, Enterprise.street, InspectionTask.status, Visit.status,
                    Visit.submitted_at)
             .join(Enterprise, col(Enterprise.id) == GasEvent.enterprise_id)
             .outerjoin(InspectionTask, col(InspectionTask.id) == GasEvent.task_id)
             .outerjoin(Visit, col(Visit.id) == InspectionTask.visit_id)
             .order_by(col(GasEvent.registered_at).desc(), col(GasEvent.id).desc()))
    if actor.role == Role.INSPECTOR:
        query = query.where(GasEvent.department_id == (actor.department_id or -1))
    return [_row(*values) for values in session.exec(query).all()]


def _row(event: GasEvent, name: str, street: str, task_status: Any, visit_status: Any,
         submitted_at: datetime | None) -> GasEventRow:
    inspected = visit_status == VisitStatus.SUBMITTED and submitted_at is not None
    return GasEventRow(
        id=event.id or 0, source=event.source, event_id=event.event_id, kind=event.kind, via=event.via,
        enterprise_id=event.enterprise_id, enterprise_name=name, street=street, department_id=event.department_id,
        task_id=event.task_id, task_status=str(task_status) if task_status is not None else None,
        registered_at=event.registered_at, due_date=event.due_date,
        inspected_at=submitted_at if inspected else None,
        lead_days=round((submitted_at - event.registered_at).total_seconds() / 86400, 1)
        if inspected and submitted_at else None,
        state="inspected" if inspected else "cancelled" if task_status == TaskStatus.CANCELLED else "backlog",
        outcome=event.outcome)


def _dated(rows: Iterable[GasEventRow], now: datetime) -> list[GasEventRow]:
    today = local_date(now)
    out = []
    for row in rows:
        if row.state == "backlog" and today > row.due_date:
            row = row.model_copy(update={"state": "overdue", "days_overdue": (today - row.due_date).days})
        out.append(row)
    return out


def listing(session: Session, *, actor: Actor, now: datetime, state: str | None = None, limit: int = 50,
            offset: int = 0) -> tuple[list[GasEventRow], int]:
    rows = _dated(_rows(session, actor), now)
    if state is not None:
        rows = [r for r in rows if r.state == state]
    return rows[offset:offset + limit], len(rows)


def get(session: Session, event_row_id: int, *, actor: Actor, now: datetime) -> GasEventRow:
    for row in _dated(_rows(session, actor), now):
        if row.id == event_row_id:
            return row
    raise NotFound("审管联动事件不存在 / linkage event not found")


def board(session: Session, *, actor: Actor, now: datetime, limit: int = 20) -> LinkageBoard:
    rows = _dated(_rows(session, actor), now)
    leads = [r.lead_days for r in rows if r.lead_days is not None]
    overdue = sorted((r for r in rows if r.state == "overdue"), key=lambda r: (-r.days_overdue, r.id))
    inspected = [r for r in rows if r.state == "inspected"]
    on_time = sum(1 for r in inspected if r.inspected_at and local_date(r.inspected_at) <= r.due_date)
    return LinkageBoard(
        as_of=now, events=len(rows), inspected=len(inspected),
        backlog=sum(1 for r in rows if r.state in ("backlog", "overdue")), overdue=len(overdue),
        lead_days_mean=round(statistics.fmean(leads), 1) if leads else None,
        lead_days_median=round(statistics.median(leads), 1) if leads else None,
        lead_days_max=max(leads) if leads else None, inspected_on_time=on_time,
        overdue_items=overdue[:limit], recent=rows[:limit])
