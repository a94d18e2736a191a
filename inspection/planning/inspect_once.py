"""综合查一次, the merge job: planned tasks become (joint) visits; task states follow their visits; the routine
visit budget.

The merge itself is the pure ``inspection.planning.merge``; this module loads its input, writes its output (visits,
their departments and inspectors, task states) and counts the routine visits each enterprise had this quarter.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from inspection.clock import local_date
from inspection.field import visits as visit_service
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
from inspection.planning import merge
from inspection.registry import tenancies
from inspection.types import utcnow
from schemas.enums import VisitSource, VisitStatus
from schemas.tasks import TaskSource, TaskStatus

MERGE_LOCK_KEY = 7_201_517  # pg advisory lock: one merge at a time
SOURCE_PRECEDENCE = (TaskSource.COMPLAINT, TaskSource.REFERRAL, TaskSource.REINSPECTION, TaskSource.CAMPAIGN,
                     TaskSource.ROUTINE, TaskSource.ADHOC)


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
    tenants = select(PlantSiteTenant.site_id, PlantSiteTenant.enterprise_id).where(
        tenancies.not_over(local_date(utcnow()))).order_by(col(PlantSiteTenant.site_id).desc())  # not ended
    for site_id, enterprise_id in session.exec(tenants):
        roles[enterprise_id] = ("tenant", site_id)
    for site_id, landlord_id in session.exec(select(PlantSite.id, PlantSite.landlord_id)
                                             .order_by(col(PlantSite.id).desc())):
        roles[landlord_id] = ("landlord", site_id or 0)
    return roles


def site_of(session: Session) -> dict[int, int]:
    return {enterprise_id: site for enterprise_id, (_, site) in memberships(session).items()}


def quarters(lo: date, hi: date) -> list[tuple[str, date, date]]:
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


# --- writing visits ---------------------------------------------------------------------------------------------

def _visit_source(tasks: list[InspectionTask], departments: int) -> VisitSource:
    if departments > 1:
        return VisitSource.JOINT
    sources = {t.source for t in tasks}
    return VisitSource(next(s for s in SOURCE_PRECEDENCE if s in sources).value)


def join_visit(session: Session, visit: Visit, tasks: list[InspectionTask], *, now: datetime,
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
        visit_service.pin_versions(session, link)  # a link from before pinning keeps what it asked
        link.kinds = sorted(set(link.kinds) | kinds)
        visit_service.pin_versions(session, link)
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


def mark_trip(session: Session, visits: list[Visit], *, now: datetime, shared: bool = False) -> None:
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
    """Derive task states from their visits: the task's department submitted its part (or the visit is complete)
    -> done; cancelled -> planned again. (done, released)"""
    done = released = 0
    rows = session.exec(select(InspectionTask, Visit, VisitDepartment.submitted_at)
                        .join(Visit, col(Visit.id) == InspectionTask.visit_id)
                        .join(VisitDepartment, (col(VisitDepartment.visit_id) == Visit.id)
                              & (col(VisitDepartment.department_id) == InspectionTask.department_id), isouter=True)
                        .where(col(InspectionTask.status).in_([TaskStatus.SCHEDULED, TaskStatus.MERGED]),
                               col(Visit.status).in_([VisitStatus.SUBMITTED, VisitStatus.CANCELLED])
                               | col(VisitDepartment.submitted_at).is_not(None))).all()
    for task, visit, part_submitted in rows:
        if visit.status == VisitStatus.SUBMITTED or part_submitted is not None:
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
    spans = quarters(lo, hi)
    if not spans:  # every window already past (the merge refuses those tasks): no quarter to count
        return {}
    first, last = spans[0][1], spans[-1][2]
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
                                      tuple(visit_departments[v.id or 0]), v.announced) for v in existing_visits],
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
            join_visit(session, visit, mine, now=now, lead_department_id=part.lead_department_id)
            trip_visits.append(visit)
        if trip.site_id is not None:  # the other visits of the plant site that day belong to the trip too
            trip_visits += [v for v in existing_visits if v.planned_date == trip.day
                            and sites.get(v.enterprise_id) == trip.site_id and v not in trip_visits]
        mark_trip(session, trip_visits, now=now, shared=shared)
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
