"""One definition of visits saved (联合检查减少入企次数): the dashboard and the planner's merge report agree."""

from datetime import UTC, date, datetime

from hazards.stats import closure, inputs
from inspection.identity.access import Actor
from inspection.models import Visit, VisitDepartment
from inspection.planning import saved
from inspection.planning import tasks as task_service
from schemas.enums import Role, VisitStatus

OFFICE = Actor(user_id=0, username="office", full_name="安委办", role=Role.OFFICE)
NOW = datetime(2026, 6, 30, 8, tzinfo=UTC)


def visit(session, world, day, departments, *, status=VisitStatus.SUBMITTED, withdrawn=(), unsubmitted=()):
    v = Visit(enterprise_id=world.enterprise_a.id, lead_department_id=departments[0].id, planned_date=day,
              status=status)
    session.add(v)
    session.flush()
    for d in departments:
        session.add(VisitDepartment(
            visit_id=v.id, department_id=d.id, kinds=["DUST"],
            submitted_at=None if d in withdrawn or d in unsubmitted or status != VisitStatus.SUBMITTED else NOW,
            withdrawn_at=NOW if d in withdrawn else None, withdrawn_reason="改期" if d in withdrawn else ""))
    session.flush()
    return v


def test_made_and_planned_trips_saved(session, world):
    safety, fire, gas = world.safety, world.fire, world.gas
    visit(session, world, date(2026, 6, 3), [safety, fire, gas])  # made by three: saved 2
    visit(session, world, date(2026, 6, 4), [safety, fire], withdrawn=[fire])  # 消防 withdrew: saved nothing
    visit(session, world, date(2026, 6, 5), [safety])  # one department: nothing to save
    visit(session, world, date(2026, 6, 6), [safety, gas], status=VisitStatus.CANCELLED)
    visit(session, world, date(2026, 7, 2), [safety, fire], status=VisitStatus.PLANNED)  # will save 1
    visit(session, world, date(2026, 6, 29), [safety, fire, gas], status=VisitStatus.STARTED, unsubmitted=[gas])
    session.commit()
    june = saved.visits_saved(session, date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
    assert (june.made, june.planned, june.joint_made, june.joint_planned) == (2, 2, 1, 1)
    assert saved.visits_saved(session).planned == 3
    assert saved.visits_saved(session, department_id=gas.id) == saved.VisitsSaved(2, 2, 1, 1)
    assert saved.visits_saved(session, date_from=date(2026, 7, 1)) == saved.VisitsSaved(0, 1, 0, 1)


def test_the_dashboard_and_the_planner_show_the_same_number(session, world):
    visit(session, world, date(2026, 6, 3), [world.safety, world.fire, world.gas])
    visit(session, world, date(2026, 7, 2), [world.safety, world.fire], status=VisitStatus.PLANNED)
    session.commit()
    june = inputs.Period(date(2026, 6, 1), date(2026, 6, 30))
    dashboard = closure.closure(session, actor=OFFICE, period=june, now=NOW).visits_saved
    planner = task_service.merge_report(session, actor=OFFICE, date_from=june.start)  # from a day, open-ended
    assert dashboard == planner.visits_saved == 2
    assert planner.visits_saved_planned == 1  # shown apart, as 计划减少入企


def test_an_unplanned_visit_counts_on_the_local_day_it_started(session, world):
    """Its day is the Shanghai day of its first instant (started, else submitted, else created): a visit started
    at 23:30 on 30 June UTC is a 1 July visit; one created in May and started on 1 June is a June visit."""
    def unplanned(created, started):
        v = visit(session, world, None, [world.safety, world.fire])
        v.created_at, v.started_at = created, started
        session.add(v)

    unplanned(datetime(2026, 6, 30, 15, 30, tzinfo=UTC), datetime(2026, 6, 30, 16, 30, tzinfo=UTC))  # 7月1日 00:30
    unplanned(datetime(2026, 5, 20, 2, tzinfo=UTC), datetime(2026, 5, 31, 16, 0, tzinfo=UTC))  # 6月1日 00:00
    unplanned(datetime(2026, 5, 31, 15, 59, tzinfo=UTC), None)  # created 5月31日 23:59, never started
    session.commit()
    june = saved.visits_saved(session, date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
    assert june.made == 1
    assert saved.visits_saved(session, date_from=date(2026, 7, 1), date_to=date(2026, 7, 1)).made == 1
    assert saved.visits_saved(session, date_to=date(2026, 5, 31)).made == 1
