"""Inspection tasks (综合查一次 planning) and the report of visits saved."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from hazards.notify.assignments import notify_assigned
from inspection.models import InspectionTask
from inspection.planning import tasks as task_service
from inspection.types import utcnow
from schemas.common import Day, Id, Offset, Page
from schemas.tasks import MergeReport, TaskAssignIn, TaskCreate, TaskPublic, TaskSource, TaskStatus
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.jobs.functions import task_policy
from server.settings import get_settings

router = APIRouter(tags=["tasks"])


def tasks_out(session: Session, rows: list[InspectionTask]) -> list[TaskPublic]:
    dates = task_service.planned_dates(session, rows)
    return [TaskPublic.model_validate({**t.model_dump(), "planned_date": dates.get(t.visit_id or 0)}) for t in rows]


@router.post("/tasks", response_model=TaskPublic, status_code=201)
def create_task(body: TaskCreate, session: WriteSessionDep, actor: CurrentActor) -> TaskPublic:
    """Plan an inspection: inspectors for their own department, the office for any. A routine task over the
    enterprise's quarterly visit budget joins a planned visit in its window or is refused (409)."""
    task = task_service.create(session, body, actor=actor, now=utcnow(), policy=task_policy(get_settings()))
    session.commit()
    return tasks_out(session, [task])[0]


@router.get("/tasks", response_model=Page[TaskPublic])
def list_tasks(
    session: SessionDep,
    actor: CurrentActor,
    status: TaskStatus | None = None,
    department_id: Id | None = None,
    enterprise_id: Id | None = None,
    source: TaskSource | None = None,
    hazard_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[TaskPublic]:
    rows, total = task_service.search(session, actor=actor, status=status, department_id=department_id,
                                      enterprise_id=enterprise_id, source=source, hazard_id=hazard_id, limit=limit,
                                      offset=offset)
    return Page(items=tasks_out(session, rows), total=total, limit=limit, offset=offset)


@router.get("/tasks/merge-report", response_model=MergeReport)
def merge_report(
    session: SessionDep,
    actor: CurrentActor,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
) -> MergeReport:
    """综合查一次: tasks turned into visits, the trips they made, and the visits saved (tasks - trips)."""
    return task_service.merge_report(session, actor=actor, date_from=date_from, date_to=date_to)


@router.get("/tasks/{task_id}", response_model=TaskPublic)
def get_task(task_id: Id, session: SessionDep, actor: CurrentActor) -> TaskPublic:
    return tasks_out(session, [task_service.get_visible(session, task_id, actor)])[0]


@router.post("/tasks/{task_id}/assign", response_model=TaskPublic)
def assign_task(task_id: Id, body: TaskAssignIn, session: WriteSessionDep, actor: CurrentActor) -> TaskPublic:
    """Name the inspectors of a task that has no visit yet (one awaiting inspectors after a draw, say): the office,
    or an inspector for their own department. Each must hold a valid 执法证 and not be recused (回避)."""
    now = utcnow()
    task = task_service.assign(session, task_id, body.inspector_ids, actor=actor, now=now)
    notify_assigned(session, task, now=now)
    session.commit()
    return tasks_out(session, [task])[0]
