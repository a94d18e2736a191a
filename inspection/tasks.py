"""Inspection tasks: departments plan them, the merge job turns them into visits (综合查一次), the report counts
the visits saved.

The merge itself is the pure ``inspection.merge``; this module loads its input, writes its output (visits, their
departments and inspectors, task states) and enforces the routine visit budget. Tasks a job creates carry a unique
``origin_key`` and are inserted with ON CONFLICT DO NOTHING, so a job creates each of them once.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from inspection import checklists, merge
from inspection import visits as visit_service
from inspection.access import Actor, require_role
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.models import (
    Department,
    Enterprise,
    InspectionTask,
    PlantSite,
    PlantSiteTenant,
    User,
    Visit,
    VisitDepartment,
    VisitInspector,
)
from schemas.enums import Role, VisitSource, VisitStatus
from schemas.tasks import OPEN_TASK_STATUSES, MergeReport, TaskCreate, TaskSource, TaskStatus

PLANNERS = (Role.INSPECTOR, Role.OFFICE, Role.ADMIN)
MERGE_LOCK_KEY = 7_201_517  # pg advisory lock: one merge at a time
SOURCE_PRECEDENCE = (TaskSource.COMPLAINT, TaskSource.REINSPECTION, TaskSource.ROUTINE, TaskSource.ADHOC)


@dataclass(frozen=True)
class TaskPolicy:
    notice_days: int = 3  # 检查预告: tell the enterprise this many days ahead
    horizon_days: int = 14  # the merge job plans tasks whose window starts within this many days
    routine_per_quarter: int = 3  # routine visits per enterprise per quarter
    routine_per_quarter_green: int = 1  # ... for an enterprise on a valid green list


@dataclass(frozen=True)
class PlanReport:
    considered: int = 0
    trips: int = 0
    new_visits: int = 0
    joined_visits: int = 0
    scheduled: int = 0
    refused: int = 0
    waiting: int = 0
    done: int = 0
    released: int = 0

    def __str__(self) -> str:
        return (f"tasks={self.considered} trips={self.trips} new_visits={self.new_visits} "
                f"joined={self.joined_visits} scheduled={self.scheduled} refused={self.refused} "
                f"waiting={self.waiting} done={self.done} released={self.released}")


def green_valid(enterprise: Enterprise, day: date) -> bool:
    return bool(enterprise.green_listed) and (enterprise.green_valid_from or day) <= day <= (
        enterprise.green_valid_to or day)


def notice_due(task: InspectionTask) -> bool:
    """Whether the enterprise is told ahead: announced and not complaint-driven."""
    return task.announced and task.source != TaskSource.COMPLAINT


# --- who belongs to which plant site ------------------------------------------------------------------------

def memberships(session: Session) -> dict[int, tuple[str, int]]:
    """enterprise -> (plant role, site): landlord of a site, else tenant (the lowest site id when several)."""
    roles: dict[int, tuple[str, int]] = {}
    tenants = select(PlantSiteTenant.site_id, PlantSiteTenant.enterprise_id).order_by(
        col(PlantSiteTenant.site_id).desc())
    for site_id, enterprise_id in session.exec(tenants):
        roles[enterprise_id] = ("tenant", site_id)
    for site_id, landlord_id in session.exec(select(PlantSite.id, PlantSite.landlord_id)
                                             .order_by(col(PlantSite.id).desc())):
        roles[landlord_id] = ("landlord", site_id or 0)
    return roles


def site_of(session: Session) -> dict[int, int]:
    return {enterprise_id: site for enterprise_id, (_, site) in memberships(session).items()}


def applicable_kinds(enterprise: Enterprise, plant_role: str | None) -> list[str]:
    profile = checklists.EnterpriseProfile(
        dust_involved=enterprise.dust_involved, dust_kind=enterprise.dust_kind if enterprise.dust_involved else None,
        gas_user=enterprise.gas_user, gas_supply=enterprise.gas_supply if enterprise.gas_user else None,
        gas_role=enterprise.gas_role or "user", industry=enterprise.industry or "other", plant_role=plant_role)
    return checklists.applicable_kinds(profile)


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


def tasks_of_visit(session: Session, visit_id: int) -> list[InspectionTask]:
    return list(session.exec(select(InspectionTask).where(InspectionTask.visit_id == visit_id)
                             .order_by(col(InspectionTask.id))).all())


# --- planning by people ---------------------------------------------------------------------------------------

def create(session: Session, data: TaskCreate, *, actor: Actor, now: datetime, policy: TaskPolicy) -> InspectionTask:
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
    role, _ = memberships(session).get(enterprise.id or 0, (None, 0))
    kinds = [k.value for k in data.kinds] if data.kinds else applicable_kinds(enterprise, role)
    if not kinds:
        raise InvalidInput("该企业没有适用的检查表 / no checklist applies to this enterprise", code="no_checklist")
    _check_inspectors(session, data.inspector_ids, department_id)
    task = InspectionTask(
        department_id=department_id, enterprise_id=enterprise.id, kinds=sorted(set(kinds)),
        window_start=data.window_start, window_end=data.window_end, source=data.source,
        announced=data.announced and data.source != TaskSource.COMPLAINT, inspector_ids=data.inspector_ids,
        note=data.note, created_by=actor.user_id, created_at=now, updated_at=now,
    )
    session.add(task)
    session.flush()
    if task.source == TaskSource.ROUTINE:
        _within_budget_or_join(session, task, enterprise, now=now, policy=policy)
    return task


def _check_inspectors(session: Session, ids: list[int], department_id: int) -> None:
    if not ids:
        return
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    good = {u.id for u in users if u.role == Role.INSPECTOR and u.is_active and u.department_id == department_id}
    if bad := sorted(set(ids) - good):
        raise InvalidInput("检查人员须为本部门在岗执法人员 / inspectors must be active inspectors of the department",
                           code="unknown_inspector", details={"user_ids": bad})


def _quarters(lo: date, hi: date) -> list[tuple[str, date, date]]:
    """(name, first day, last day) of each quarter overlapping [lo, hi]."""
    out = []
    year, q = lo.year, (lo.month - 1) // 3
    while True:
        first = date(year, 3 * q + 1, 1)
        last = date(year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
        if first > hi:
            return out
        out.append((f"{year}Q{q + 1}", first, last))
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)


def cap_for(enterprise: Enterprise, day: date, policy: TaskPolicy) -> int:
    return policy.routine_per_quarter_green if green_valid(enterprise, day) else policy.routine_per_quarter


def _within_budget_or_join(session: Session, task: InspectionTask, enterprise: Enterprise, *, now: datetime,
                           policy: TaskPolicy) -> None:
    """A routine task over the enterprise's quarterly visit budget joins a planned visit in its window, or is
    refused with the reason."""
    today = local_date(now)
    lo = max(task.window_start, today)
    quarters = _quarters(lo, task.window_end)
    cap = cap_for(enterprise, today, policy)
    used = routine_used(session, [enterprise.id or 0], lo, task.window_end)
    if any(used.get((enterprise.id or 0, name), 0) < cap for name, _, _ in quarters):
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
            details={"cap": cap, "used": {name: used.get((enterprise.id or 0, name), 0) for name, _, _ in quarters},
                     "green_listed": green_valid(enterprise, today)})
    _join(session, visit, [task], now=now)
    _mark_trip(session, [visit], now=now, shared=True)


# --- writing visits ---------------------------------------------------------------------------------------------

def add(session: Session, *, origin_key: str, department_id: int, enterprise_id: int, kinds: list[str],
        window_start: date, window_end: date, source: TaskSource, now: datetime, hazard_id: int | None = None,
        draw_id: int | None = None, inspector_ids: list[int] | None = None, announced: bool = True,
        note: str = "") -> bool:
    """A task made by a job, once per ``origin_key`` however often the job runs. True if it was new."""
    values = {
        "origin_key": origin_key, "department_id": department_id, "enterprise_id": enterprise_id,
        "kinds": sorted(set(kinds)), "window_start": window_start, "window_end": window_end, "source": source,
        "announced": announced and source != TaskSource.COMPLAINT, "status": TaskStatus.PLANNED,
        "status_reason": "", "hazard_id": hazard_id, "draw_id": draw_id, "inspector_ids": inspector_ids or [],
        "note": note, "created_at": now, "updated_at": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(InspectionTask).values(**values).on_conflict_do_nothing(index_elements=["origin_key"])
    return session.connection().execute(statement.returning(InspectionTask.id)).first() is not None


def _visit_source(tasks: list[InspectionTask], departments: int) -> VisitSource:
    if departments > 1:
        return VisitSource.JOINT
    sources = {t.source for t in tasks}
    return VisitSource(next(s for s in SOURCE_PRECEDENCE if s in sources).value)


def _join(session: Session, visit: Visit, tasks: list[InspectionTask], *, now: datetime,
          lead_department_id: int | None = None) -> None:
    """Add the tasks' departments, kinds and inspectors to a visit and point the tasks at it."""
    links = {link.department_id: link for link in session.exec(
        select(VisitDepartment).where(VisitDepartment.visit_id == visit.id)).all()}
    people = set(visit_service.inspector_ids(session, visit.id or 0))
    wanted: dict[int, set[str]] = defaultdict(set)
    for task in tasks:
        wanted[task.department_id].update(task.kinds)
    for department_id, kinds in sorted(wanted.items()):
        link = links.get(department_id)
        if link is None:
            links[department_id] = link = VisitDepartment(visit_id=visit.id, department_id=department_id, kinds=[])
        link.kinds = sorted(set(link.kinds) | kinds)
        session.add(link)
    new_people = sorted({i for t in tasks for i in t.inspector_ids} - people)
    if new_people:
        for user in session.exec(select(User).where(col(User.id).in_(new_people))).all():
            session.add(VisitInspector(visit_id=visit.id, user_id=user.id, department_id=user.department_id))
    if len(links) > 1:
        visit.source = VisitSource.JOINT
    if lead_department_id is not None:
        visit.lead_department_id = lead_department_id
    visit.announced = visit.announced and all(notice_due(t) for t in tasks)
    session.add(visit)
    for task in tasks:
        task.visit_id, task.status, task.status_reason, task.updated_at = visit.id, TaskStatus.SCHEDULED, "", now
        session.add(task)
    session.flush()


def _mark_trip(session: Session, visits: list[Visit], *, now: datetime, shared: bool = False) -> None:
    """Tasks sharing a trip (one visit, or the visits of one plant site on one day) with other tasks, or joining a
    visit planned before them (``shared``), are ``merged``; a task alone on its own visit is ``scheduled``."""
    ids = [v.id for v in visits]
    members = list(session.exec(select(InspectionTask).where(
        col(InspectionTask.visit_id).in_(ids), col(InspectionTask.status).in_(
            [TaskStatus.SCHEDULED, TaskStatus.MERGED]))).all())
    status = TaskStatus.MERGED if shared or len(members) > 1 else TaskStatus.SCHEDULED
    for task in members:
        if task.status != status:
            task.status, task.updated_at = status, now
            session.add(task)


# --- the merge job ----------------------------------------------------------------------------------------------

def sync_with_visits(session: Session, *, now: datetime) -> tuple[int, int]:
    """Derive task states from their visits: submitted -> done; cancelled -> planned again. (done, released)"""
    done = released = 0
    rows = session.exec(select(InspectionTask, Visit).join(Visit, col(Visit.id) == InspectionTask.visit_id).where(
        col(InspectionTask.status).in_([TaskStatus.SCHEDULED, TaskStatus.MERGED]),
        col(Visit.status).in_([VisitStatus.SUBMITTED, VisitStatus.CANCELLED]))).all()
    for task, visit in rows:
        if visit.status == VisitStatus.SUBMITTED:
            task.status, done = TaskStatus.DONE, done + 1
        else:
            task.status, task.visit_id, task.status_reason = TaskStatus.PLANNED, None, "检查已取消 / visit cancelled"
            released += 1
        task.updated_at = now
        session.add(task)
    session.flush()
    return done, released


def routine_used(session: Session, enterprise_ids: list[int], lo: date, hi: date) -> dict[tuple[int, str], int]:
    """Routine visits per (enterprise, quarter) in the quarters overlapping [lo, hi].

    A visit counts when it exists for routine inspections only: its source is ``routine``, or all its tasks are
    routine. A visit that happens anyway (a complaint, a re-inspection) does not count, routine checks or not."""
    if not enterprise_ids:
        return {}
    quarters = _quarters(lo, hi)
    first, last = quarters[0][1], quarters[-1][2]
    visits = session.exec(select(Visit.id, Visit.enterprise_id, Visit.planned_date, Visit.source).where(
        col(Visit.enterprise_id).in_(enterprise_ids), Visit.status != VisitStatus.CANCELLED,
        col(Visit.planned_date) >= first, col(Visit.planned_date) <= last)).all()
    if not visits:
        return {}
    sources: dict[int, set[TaskSource]] = defaultdict(set)
    for visit_id, source in session.exec(select(InspectionTask.visit_id, InspectionTask.source).where(
            col(InspectionTask.visit_id).in_([v[0] for v in visits]),
            InspectionTask.status != TaskStatus.CANCELLED)).all():
        sources[visit_id or 0].add(source)
    used: dict[tuple[int, str], int] = defaultdict(int)
    for visit_id, enterprise_id, planned, source in visits:
        kinds = sources.get(visit_id)
        if (kinds == {TaskSource.ROUTINE}) or (not kinds and source == VisitSource.ROUTINE):
            used[(enterprise_id, merge.quarter(planned))] += 1
    return dict(used)


def lock(session: Session, key: int) -> None:
    """Serialise a job's transaction: a PostgreSQL transaction lock; SQLite write transactions already are."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=key))  # type: ignore[call-overload]


def plan_visits(session: Session, *, now: datetime, policy: TaskPolicy,
                is_working_day: Callable[[date], bool]) -> PlanReport:
    """Turn planned tasks whose window starts within the horizon into visits (joint where windows overlap)."""
    lock(session, MERGE_LOCK_KEY)
    done, released = sync_with_visits(session, now=now)
    today = local_date(now)
    horizon = today + timedelta(days=policy.horizon_days)
    tasks = list(session.exec(select(InspectionTask).where(
        InspectionTask.status == TaskStatus.PLANNED, col(InspectionTask.window_start) <= horizon)
        .order_by(col(InspectionTask.id))).all())
    if not tasks:
        return PlanReport(done=done, released=released)
    sites = site_of(session)
    groups = {sites.get(t.enterprise_id) for t in tasks} - {None}
    members = {e for e, s in sites.items() if s in groups} | {t.enterprise_id for t in tasks}
    existing_visits = list(session.exec(select(Visit).where(
        Visit.status == VisitStatus.PLANNED, col(Visit.planned_date) >= today,
        col(Visit.enterprise_id).in_(members))).all())
    visit_departments: dict[int, list[int]] = defaultdict(list)
    if existing_visits:
        for visit_id, department_id in session.exec(select(VisitDepartment.visit_id, VisitDepartment.department_id)
                                                    .where(col(VisitDepartment.visit_id).in_(
                                                        [v.id for v in existing_visits]))).all():
            visit_departments[visit_id].append(department_id)
    priority = dict(session.exec(select(Department.id, Department.priority)).all())
    budget = _budget(session, tasks, today=today, policy=policy)
    plan = merge.merge(
        [merge.Task(t.id or 0, t.department_id, t.enterprise_id, t.window_start, t.window_end, tuple(t.kinds),
                    sites.get(t.enterprise_id), routine=t.source == TaskSource.ROUTINE, notice=notice_due(t))
         for t in tasks],
        today=today, is_working_day=is_working_day, priority=priority, notice_days=policy.notice_days,
        existing=[merge.ExistingVisit(v.id or 0, v.enterprise_id, v.planned_date or today, sites.get(v.enterprise_id),
                                      tuple(visit_departments[v.id or 0])) for v in existing_visits],
        budget=budget,
    )
    by_id = {t.id: t for t in tasks}
    visits_by_id = {v.id: v for v in existing_visits}
    new_visits = joined = 0
    for trip in plan.trips:
        trip_visits = []
        shared = any(part.visit_id is not None for part in trip.visits)
        for part in trip.visits:
            mine = [by_id[i] for i in part.task_ids]
            if part.visit_id is None:
                visit = Visit(enterprise_id=part.enterprise_id, plant_site_id=sites.get(part.enterprise_id),
                              lead_department_id=part.lead_department_id,
                              source=_visit_source(mine, len(part.departments)), status=VisitStatus.PLANNED,
                              planned_date=trip.day, announced=True, created_at=now)
                session.add(visit)
                session.flush()
                new_visits += 1
            else:
                visit = visits_by_id[part.visit_id]
                joined += 1
            _join(session, visit, mine, now=now, lead_department_id=part.lead_department_id)
            trip_visits.append(visit)
        if trip.site_id is not None:  # the other visits of the plant site that day belong to the trip too
            trip_visits += [v for v in existing_visits if v.planned_date == trip.day
                            and sites.get(v.enterprise_id) == trip.site_id and v not in trip_visits]
        _mark_trip(session, trip_visits, now=now, shared=shared)
    refused = waiting = 0
    for item in plan.unscheduled:
        task = by_id[item.task_id]
        task.updated_at = now
        if item.reason == merge.WINDOW_PASSED and task.source == TaskSource.REINSPECTION:
            task.status_reason = "复查期限已过，请人工安排 / re-inspection window passed: plan it by hand"
            waiting += 1
        else:
            task.status, task.status_reason = TaskStatus.CANCELLED, _REFUSALS[item.reason]
            refused += 1
        session.add(task)
    session.flush()
    return PlanReport(considered=len(tasks), trips=len(plan.trips), new_visits=new_visits, joined_visits=joined,
                      scheduled=plan.scheduled_tasks, refused=refused, waiting=waiting, done=done, released=released)


_REFUSALS = {
    merge.WINDOW_PASSED: "时间窗口已过 / window passed",
    merge.NO_WORKING_DAY: "时间窗口内没有工作日 / no working day in the window",
    merge.VISIT_BUDGET: "超出本季度例行检查次数上限 / over the enterprise's routine visit budget for the quarter",
}


def _budget(session: Session, tasks: list[InspectionTask], *, today: date, policy: TaskPolicy) -> merge.Budget:
    routine = [t for t in tasks if t.source == TaskSource.ROUTINE]
    if not routine:
        return merge.Budget()
    ids = sorted({t.enterprise_id for t in routine})
    enterprises = session.exec(select(Enterprise).where(col(Enterprise.id).in_(ids))).all()
    cap = {e.id or 0: cap_for(e, today, policy) for e in enterprises}
    used = routine_used(session, ids, today, max(t.window_end for t in routine))
    return merge.Budget(cap=cap, used=used)


# --- the report --------------------------------------------------------------------------------------------------

def merge_report(session: Session, *, actor: Actor, date_from: date | None = None,
                 date_to: date | None = None) -> MergeReport:
    """Tasks turned into visits, the trips they made and the visits saved, by planned date."""
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
    return MergeReport(date_from=date_from, date_to=date_to, tasks=len(rows), visits=len(visits), trips=len(trips),
                       joint_trips=sum(1 for d in trips.values() if len(d) > 1), visits_saved=len(rows) - len(trips))
