"""Inspection tasks: departments plan them (within the routine visit budget), jobs add theirs, the report counts
the visits saved. The merge job that turns tasks into visits (综合查一次) is ``inspection.planning.inspect_once``.

Tasks a job creates carry a unique ``origin_key`` and are inserted with ON CONFLICT DO NOTHING, so a job creates
each of them once however often it runs.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.field import checklists
from inspection.identity import officers
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, InspectionTask, User, Visit
from inspection.planning import inspect_once as planning
from inspection.planning import notice
from inspection.planning.saved import visits_saved
from schemas.enums import Role, VisitStatus
from schemas.tasks import OPEN_TASK_STATUSES, MergeReport, TaskCreate, TaskSource, TaskStatus

PLANNERS = (Role.INSPECTOR, Role.OFFICE, Role.ADMIN)


def profile_of(enterprise: Enterprise, plant_role: str | None) -> checklists.EnterpriseProfile:
    return checklists.EnterpriseProfile(
        dust_involved=enterprise.dust_involved, dust_kind=enterprise.dust_kind if enterprise.dust_involved else None,
        gas_user=enterprise.gas_user, gas_supply=enterprise.gas_supply if enterprise.gas_user else None,
        gas_role=enterprise.gas_role or "user", industry=enterprise.industry or "other", plant_role=plant_role)


def applicable_kinds(enterprise: Enterprise, plant_role: str | None) -> list[str]:
    return checklists.applicable_kinds(profile_of(enterprise, plant_role))


# --- reading --------------------------------------------------------------------------------------------------

def get_visible(session: Session, task_id: int, actor: Actor) -> InspectionTask:
    require_role(actor, *PLANNERS, action="see inspection tasks")
    task = session.get(InspectionTask, task_id)
    if task is None or (actor.role == Role.INSPECTOR and task.department_id != actor.department_id):
        raise NotFound("检查任务不存在 / task not found")
    return task


def search(session: Session, *, actor: Actor, status: TaskStatus | None = None, department_id: int | None = None,
           enterprise_id: int | None = None, source: TaskSource | None = None, hazard_id: int | None = None,
           limit: int = 50, offset: int = 0) -> tuple[list[InspectionTask], int]:
    """Inspectors see their department's tasks, the office and admins every task; enterprises none (a complaint
    check must not leak)."""
    require_role(actor, *PLANNERS, action="see inspection tasks")
    conditions: list[Any] = []
    if actor.role == Role.INSPECTOR:
        conditions.append(InspectionTask.department_id == (actor.department_id or -1))
    for column, value in ((InspectionTask.status, status), (InspectionTask.department_id, department_id),
                          (InspectionTask.enterprise_id, enterprise_id), (InspectionTask.source, source),
                          (InspectionTask.hazard_id, hazard_id)):
        if value is not None:
            conditions.append(column == value)
    total = session.exec(select(func.count()).select_from(InspectionTask).where(*conditions)).one()
    rows = session.exec(select(InspectionTask).where(*conditions)
                        .order_by(col(InspectionTask.window_start), col(InspectionTask.id)).limit(limit).offset(offset))
    return list(rows.all()), int(total)


def planned_dates(session: Session, tasks: Iterable[InspectionTask]) -> dict[int, date | None]:
    visit_ids = {t.visit_id for t in tasks if t.visit_id is not None}
    if not visit_ids:
        return {}
    return dict(session.exec(select(Visit.id, Visit.planned_date).where(col(Visit.id).in_(visit_ids))).all())


def tasks_for_hazard(session: Session, hazard_id: int) -> list[InspectionTask]:
    """Every task planned for a hazard (its re-inspections), oldest first."""
    return list(session.exec(select(InspectionTask).where(InspectionTask.hazard_id == hazard_id)
                             .order_by(col(InspectionTask.id))).all())


def open_reinspection(session: Session, hazard_id: int) -> InspectionTask | None:
    """The re-inspection still to be made for a hazard (planned, scheduled or merged), if any."""
    return session.exec(select(InspectionTask).where(
        InspectionTask.hazard_id == hazard_id, InspectionTask.source == TaskSource.REINSPECTION,
        col(InspectionTask.status).in_(OPEN_TASK_STATUSES)).order_by(col(InspectionTask.id).desc())).first()


def complete_reinspection(session: Session, hazard_id: int, *, now: datetime, note: str = "") -> InspectionTask | None:
    """Mark the hazard's open re-inspection task done (for the on-site re-inspection that decides the hazard's
    fate, which may be recorded without going through the task's visit). None when no task was open."""
    task = open_reinspection(session, hazard_id)
    if task is None:
        return None
    task.status, task.status_reason, task.updated_at = TaskStatus.DONE, note, now
    session.add(task)
    session.flush()
    return task


def assign(session: Session, task_id: int, inspector_ids: list[int], *, actor: Actor, now: datetime
           ) -> InspectionTask:
    """Name the inspectors of an open task that has no visit yet (the office; a department's own inspectors for
    their department's tasks). A task awaiting inspectors becomes planned, for the merge job. Audited."""
    task = get_visible(session, task_id, actor)
    if actor.role == Role.INSPECTOR and actor.department_id != task.department_id:
        raise NotPermitted("只能指派本部门的任务 / only your department's tasks", code="not_your_department")
    require_role(actor, Role.OFFICE, Role.ADMIN, Role.INSPECTOR, action="assign inspectors")
    if task.status not in (TaskStatus.UNASSIGNED, TaskStatus.PLANNED) or task.visit_id is not None:
        raise Conflict("任务已排入检查，请在检查上调整人员 / the task has a visit: change the visit's inspectors",
                       code="task_scheduled")
    people = list(dict.fromkeys(inspector_ids))
    officers.check_team(session, people, department_id=task.department_id, enterprise_id=task.enterprise_id,
                        day=max(task.window_start, local_date(now)))
    if len(people) < 2:
        raise InvalidInput("须指派两名持证执法人员 / name two certified inspectors", code="two_inspectors_required")
    before = {"inspector_ids": task.inspector_ids, "status": task.status}
    task.inspector_ids, task.status, task.status_reason, task.updated_at = people, TaskStatus.PLANNED, "", now
    session.add(task)
    session.flush()
    audit.record(session, entity="task", entity_id=task.id or 0, action="task.assign", actor=actor, at=now,
                 before=before, after={"inspector_ids": people, "status": task.status})
    return task


def tasks_of_visit(session: Session, visit_id: int) -> list[InspectionTask]:
    return list(session.exec(select(InspectionTask).where(InspectionTask.visit_id == visit_id)
                             .order_by(col(InspectionTask.id))).all())


# --- planning by people ---------------------------------------------------------------------------------------

def create(session: Session, data: TaskCreate, *, actor: Actor, now: datetime,
           policy: planning.TaskPolicy) -> InspectionTask:
    require_role(actor, *PLANNERS, action="plan inspection tasks")
    department_id = data.department_id
    if actor.role == Role.INSPECTOR:
        if department_id not in (None, actor.department_id):
            raise NotPermitted("检查人员只能为本部门安排任务 / inspectors plan for their own department",
                               code="other_department")
        department_id = actor.department_id
    if department_id is None or session.get(Department, department_id) is None:
        raise InvalidInput("请指定有效的检查部门 / name a valid department", code="department_required")
    enterprise = session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    today = local_date(now)
    if data.window_end < today:
        raise InvalidInput("检查时间窗口已过 / the window is in the past", code="window_passed")
    role, _ = planning.memberships(session).get(enterprise.id or 0, (None, 0))
    profile = profile_of(enterprise, role)
    applicable = checklists.applicable_kinds(profile)
    kinds = [k.value for k in data.kinds] if data.kinds else applicable
    if not checklists.asks_anything(kinds, profile):  # the visit it becomes could never be submitted
        raise InvalidInput("所选检查表对该企业没有适用的检查项 / no checklist item applies to this enterprise",
                           code="no_checklist", details={"applicable_kinds": applicable})
    _check_inspectors(session, data.inspector_ids, department_id)
    task = InspectionTask(
        department_id=department_id, enterprise_id=enterprise.id, kinds=sorted(set(kinds)),
        window_start=data.window_start, window_end=data.window_end, source=data.source,
        announced=_announced(session, data, department_id), inspector_ids=data.inspector_ids,
        note=data.note, created_by=actor.user_id, created_at=now, updated_at=now,
    )
    session.add(task)
    session.flush()
    if task.source == TaskSource.ROUTINE:
        _within_budget_or_join(session, task, enterprise, now=now, policy=policy)
    return task


def _announced(session: Session, data: TaskCreate, department_id: int) -> bool:
    if data.source == TaskSource.COMPLAINT:
        return False
    if data.announced is not None:
        return data.announced
    department = session.get(Department, department_id)
    return notice.announced(department.code if department else None, data.source)


def _check_inspectors(session: Session, ids: list[int], department_id: int) -> None:
    if not ids:
        return
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    good = {u.id for u in users if u.role == Role.INSPECTOR and u.is_active and u.department_id == department_id}
    if bad := sorted(set(ids) - good):
        raise InvalidInput("检查人员须为本部门在岗执法人员 / inspectors must be active inspectors of the department",
                           code="unknown_inspector", details={"user_ids": bad})


def _within_budget_or_join(session: Session, task: InspectionTask, enterprise: Enterprise, *, now: datetime,
                           policy: planning.TaskPolicy) -> None:
    """A routine task over the enterprise's quarterly visit budget joins a planned visit in its window, or is
    refused with the reason."""
    today = local_date(now)
    lo = max(task.window_start, today)
    spans = planning.quarters(lo, task.window_end)
    cap = planning.cap_for(enterprise, today, policy)
    used = planning.routine_used(session, [enterprise.id or 0], lo, task.window_end)
    if any(used.get((enterprise.id or 0, name), 0) < cap for name, _, _ in spans):
        return
    visit = session.exec(select(Visit).where(
        Visit.enterprise_id == enterprise.id, Visit.status == VisitStatus.PLANNED,
        col(Visit.planned_date) >= lo, col(Visit.planned_date) <= task.window_end,
    ).order_by(col(Visit.planned_date), col(Visit.id))).first()
    if visit is None:
        raise Conflict(
            f"该企业本季度例行检查已达上限（{cap}次），且时间窗口内没有可合并的检查 / the enterprise's routine visit "
            f"budget ({cap} per quarter) is used up and no planned visit in the window can take this task",
            code="visit_budget_exhausted",
            details={"cap": cap, "used": {name: used.get((enterprise.id or 0, name), 0) for name, _, _ in spans},
                     "green_listed": planning.green_valid(enterprise, today)})
    planning.join_visit(session, visit, [task], now=now)
    planning.mark_trip(session, [visit], now=now, shared=True)


# --- writing visits ---------------------------------------------------------------------------------------------

AWAITING_INSPECTORS = "待指派检查人员 / awaiting inspectors"


def add(session: Session, *, origin_key: str, department_id: int, enterprise_id: int, kinds: list[str],
        window_start: date, window_end: date, source: TaskSource, now: datetime, hazard_id: int | None = None,
        draw_id: int | None = None, inspector_ids: list[int] | None = None, announced: bool = True,
        note: str = "", status: TaskStatus = TaskStatus.PLANNED) -> bool:
    """A task made by a job, once per ``origin_key`` however often the job runs. True if it was new."""
    values = {
        "origin_key": origin_key, "department_id": department_id, "enterprise_id": enterprise_id,
        "kinds": sorted(set(kinds)), "window_start": window_start, "window_end": window_end, "source": source,
        "announced": announced and source != TaskSource.COMPLAINT, "status": status,
        "status_reason": AWAITING_INSPECTORS if status == TaskStatus.UNASSIGNED else "", "hazard_id": hazard_id,
        "draw_id": draw_id, "inspector_ids": inspector_ids or [],
        "note": note, "created_at": now, "updated_at": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(InspectionTask).values(**values).on_conflict_do_nothing(index_elements=["origin_key"])
    return session.connection().execute(statement.returning(InspectionTask.id)).first() is not None


# --- the report --------------------------------------------------------------------------------------------------

def merge_report(session: Session, *, actor: Actor, date_from: date | None = None,
                 date_to: date | None = None) -> MergeReport:
    """Tasks turned into visits and the trips they made, by planned date; the visits saved as
    ``inspection.planning.saved`` defines them (the dashboard's figure)."""
    require_role(actor, *PLANNERS, action="see the merge report")
    query = select(InspectionTask.id, InspectionTask.department_id, Visit.id, Visit.enterprise_id,
                   Visit.plant_site_id, Visit.planned_date).join(Visit, col(Visit.id) == InspectionTask.visit_id).where(
        col(InspectionTask.status).in_([TaskStatus.SCHEDULED, TaskStatus.MERGED, TaskStatus.DONE]),
        Visit.status != VisitStatus.CANCELLED)
    if date_from is not None:
        query = query.where(col(Visit.planned_date) >= date_from)
    if date_to is not None:
        query = query.where(col(Visit.planned_date) <= date_to)
    if actor.role == Role.INSPECTOR:
        query = query.where(InspectionTask.department_id == actor.department_id)
    rows = session.exec(query).all()
    visits = {row[2] for row in rows}
    trips: dict[tuple[str, int, date | None], set[int]] = defaultdict(set)
    for _, department_id, _, enterprise_id, site_id, planned in rows:
        key = ("site", site_id, planned) if site_id is not None else ("enterprise", enterprise_id, planned)
        trips[key].add(department_id)
    saved = visits_saved(session, date_from=date_from, date_to=date_to,
                         department_id=actor.department_id if actor.role == Role.INSPECTOR else None)
    return MergeReport(date_from=date_from, date_to=date_to, tasks=len(rows), visits=len(visits), trips=len(trips),
                       joint_trips=sum(1 for d in trips.values() if len(d) > 1), visits_saved=saved.made,
                       visits_saved_planned=saved.planned)
