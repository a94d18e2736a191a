"""The merge job against the database: tasks become (joint) visits, budgets hold, states follow the visits."""

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from hazards.loop.deadlines import is_working_day
from inspection.clock import SHANGHAI
from inspection.identity.access import Actor
from inspection.models import InspectionTask, Visit, VisitDepartment, VisitInspector
from inspection.planning import inspect_once as planning
from inspection.planning import tasks as task_service
from schemas.enums import Role, VisitSource, VisitStatus
from schemas.tasks import TaskSource, TaskStatus

POLICY = planning.TaskPolicy(notice_days=3, horizon_days=14, routine_per_quarter=2, routine_per_quarter_green=1)
TODAY = date(2026, 3, 2)  # Monday
OFFICE = Actor(user_id=0, username="office", full_name="office", role=Role.OFFICE)


def at(day: date = TODAY) -> datetime:
    return datetime.combine(day, time(2, 30), tzinfo=SHANGHAI)


def task(session: Session, department, enterprise, start: int, end: int, kinds: list[str], *,
         source: TaskSource = TaskSource.ADHOC, inspectors: list[int] | None = None, **extra) -> InspectionTask:
    row = InspectionTask(department_id=department.id, enterprise_id=enterprise.id, kinds=kinds,
                         window_start=TODAY + timedelta(days=start), window_end=TODAY + timedelta(days=end),
                         source=source, inspector_ids=inspectors or [], created_at=at(), updated_at=at(), **extra)
    session.add(row)
    session.flush()
    return row


def plan(session: Session, day: date = TODAY) -> planning.PlanReport:
    report = planning.plan_visits(session, now=at(day), policy=POLICY, is_working_day=is_working_day)
    session.commit()
    return report


def departments_of(session: Session, visit_id: int) -> dict[int, list[str]]:
    return {link.department_id: link.kinds for link in session.exec(
        select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).all()}


def test_three_departments_at_a_plant_site_and_a_restaurant(session, world):
    u = world.users
    site_tasks = [
        task(session, world.fire, world.landlord, 0, 10, ["FCZ"], inspectors=[u["fire_inspector"].id]),
        task(session, world.safety, world.tenants[0], 2, 12, ["FCZ", "DUST"], inspectors=[u["inspector"].id]),
        task(session, world.gas, world.tenants[1], 4, 9, ["GAS"]),
    ]
    restaurant = [
        task(session, world.gas, world.enterprise_b, 3, 8, ["GAS"]),
        task(session, world.fire, world.enterprise_b, 0, 6, ["GAS", "FCZ"], inspectors=[u["fire_inspector2"].id]),
        task(session, world.safety, world.enterprise_b, 4, 20, ["GAS"], source=TaskSource.COMPLAINT),
    ]
    later = task(session, world.safety, world.enterprise_a, 30, 40, ["DUST"])  # beyond the horizon: waits
    session.commit()
    report = plan(session)
    assert (report.considered, report.trips, report.new_visits, report.scheduled) == (6, 2, 4, 6)
    for row in site_tasks + restaurant:
        session.refresh(row)
        assert row.status == TaskStatus.MERGED and row.visit_id is not None
    session.refresh(later)
    assert later.status == TaskStatus.PLANNED

    site_visits = {t.enterprise_id: session.get(Visit, t.visit_id) for t in site_tasks}
    days = {v.planned_date for v in site_visits.values()}
    assert days == {date(2026, 3, 6)}  # common window 03-06..03-11; Friday 03-06 is the first working day
    assert {v.plant_site_id for v in site_visits.values()} == {world.site.id}
    landlord_visit = site_visits[world.landlord.id]
    assert departments_of(session, landlord_visit.id) == {world.fire.id: ["FCZ"]}
    assert departments_of(session, site_visits[world.tenants[0].id].id) == {world.safety.id: ["DUST", "FCZ"]}
    assert landlord_visit.source == VisitSource.ADHOC and landlord_visit.announced

    (visit_b_id,) = {t.visit_id for t in restaurant}
    visit_b = session.get(Visit, visit_b_id)
    assert visit_b.planned_date == date(2026, 3, 6)  # the common window 03-06..03-08 has one working day
    assert visit_b.source == VisitSource.JOINT and visit_b.lead_department_id == world.safety.id
    assert not visit_b.announced  # a complaint rides along: no advance notice
    assert departments_of(session, visit_b.id) == {world.safety.id: ["GAS"], world.fire.id: ["FCZ", "GAS"],
                                                   world.gas.id: ["GAS"]}
    people = session.exec(select(VisitInspector.user_id).where(VisitInspector.visit_id == visit_b.id)).all()
    assert people == [u["fire_inspector2"].id]

    again = plan(session)
    assert (again.considered, again.new_visits) == (0, 0)
    assert len(session.exec(select(Visit)).all()) == 4

    report = task_service.merge_report(session, actor=OFFICE)
    assert (report.tasks, report.visits, report.trips, report.joint_trips) == (6, 4, 2, 2)
    # visits saved (inspection.planning.saved): none made yet; the restaurant's three-department visit will save 2
    assert (report.visits_saved, report.visits_saved_planned) == (0, 2)


def test_a_task_planned_later_joins_the_planned_visit(session, world):
    first = task(session, world.fire, world.enterprise_a, 0, 10, ["DUST"])
    session.commit()
    plan(session)
    session.refresh(first)
    assert first.status == TaskStatus.SCHEDULED
    late = task(session, world.safety, world.enterprise_a, 1, 20, ["DUST"], inspectors=[world.users["inspector"].id])
    session.commit()
    report = plan(session, TODAY + timedelta(days=1))
    assert (report.new_visits, report.joined_visits) == (0, 1)
    session.refresh(first)
    session.refresh(late)
    assert late.visit_id == first.visit_id
    assert first.status == late.status == TaskStatus.MERGED
    visit = session.get(Visit, first.visit_id)
    assert visit.lead_department_id == world.safety.id and visit.source == VisitSource.JOINT
    assert departments_of(session, visit.id) == {world.fire.id: ["DUST"], world.safety.id: ["DUST"]}


def test_routine_visit_budget_refuses_with_the_reason_and_is_lower_on_the_green_list(session, world):
    green = world.enterprise_b
    green.green_listed, green.green_valid_from, green.green_valid_to = True, date(2026, 1, 1), date(2026, 12, 31)
    session.add(green)
    for n, department in enumerate((world.safety, world.fire, world.gas)):
        # three departments, disjoint windows within the quarter: three separate routine visits wanted
        task(session, department, world.enterprise_a, 4 * n, 4 * n + 1, ["DUST"], source=TaskSource.ROUTINE)
        task(session, department, green, 4 * n, 4 * n + 1, ["GAS"], source=TaskSource.ROUTINE)
    session.commit()
    report = plan(session)
    assert (report.new_visits, report.refused) == (3, 3)  # 2 for enterprise A, 1 for the green-listed one
    refused = session.exec(select(InspectionTask).where(InspectionTask.status == TaskStatus.CANCELLED)).all()
    assert sorted(t.enterprise_id for t in refused) == [world.enterprise_a.id, green.id, green.id]
    assert all("例行检查次数上限" in t.status_reason for t in refused)
    assert planning.routine_used(session, [world.enterprise_a.id, green.id], TODAY, TODAY) == {
        (world.enterprise_a.id, "2026Q1"): 2, (green.id, "2026Q1"): 1}


def test_task_states_follow_their_visits(session, world):
    submitted = task(session, world.safety, world.enterprise_a, 0, 5, ["DUST"])
    cancelled = task(session, world.gas, world.enterprise_b, 0, 5, ["GAS"])
    session.commit()
    plan(session)
    for row, status in ((submitted, VisitStatus.SUBMITTED), (cancelled, VisitStatus.CANCELLED)):
        session.refresh(row)
        visit = session.get(Visit, row.visit_id)
        visit.status = status
        session.add(visit)
    session.commit()
    report = plan(session, TODAY + timedelta(days=1))
    assert (report.done, report.released, report.new_visits) == (1, 1, 1)
    session.refresh(submitted)
    session.refresh(cancelled)
    assert submitted.status == TaskStatus.DONE
    assert cancelled.status == TaskStatus.SCHEDULED and cancelled.visit_id is not None  # planned again, new visit


def test_a_reinspection_past_its_window_waits_for_a_person_others_are_cancelled(session, world):
    holiday = InspectionTask(department_id=world.fire.id, enterprise_id=world.enterprise_b.id, kinds=["GAS"],
                             window_start=date(2026, 2, 15), window_end=date(2026, 2, 23), created_at=at(),
                             updated_at=at())  # inside the 2026 Spring Festival holiday
    session.add(holiday)
    session.commit()
    assert plan(session, date(2026, 2, 14)).refused == 1
    session.refresh(holiday)
    assert holiday.status == TaskStatus.CANCELLED and "没有工作日" in holiday.status_reason

    reinspection = task(session, world.safety, world.enterprise_a, -12, -2, ["DUST"], source=TaskSource.REINSPECTION)
    routine = task(session, world.safety, world.enterprise_b, -12, -2, ["GAS"], source=TaskSource.ROUTINE)
    session.commit()
    report = plan(session)  # the scheduler was down while their windows were open
    assert (report.waiting, report.refused) == (1, 1)
    session.refresh(reinspection)
    session.refresh(routine)
    assert reinspection.status == TaskStatus.PLANNED and "复查期限已过" in reinspection.status_reason
    assert routine.status == TaskStatus.CANCELLED and "窗口已过" in routine.status_reason


def test_memberships_name_the_site_of_landlord_and_tenants(session, world):
    roles = planning.memberships(session)
    assert roles[world.landlord.id] == ("landlord", world.site.id)
    assert all(roles[t.id] == ("tenant", world.site.id) for t in world.tenants)
    assert world.enterprise_a.id not in roles
    assert session.exec(select(InspectionTask).where(col(InspectionTask.id) > 0)).all() == []
