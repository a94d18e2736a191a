"""The deadline sweep, re-inspection planning and visit notices, with a moved clock."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session, col, select

from hazards.loop import states
from hazards.models import Evidence, Hazard
from hazards.notify import sweep
from hazards.notify.models import Outbox
from inspection import audit
from inspection.clock import SHANGHAI, end_of_local_day
from inspection.models import Enterprise, Event, InspectionTask, Visit
from inspection.planning import tasks as task_service
from schemas.enums import HazardLevel, HazardStatus, VisitSource
from schemas.tasks import TaskSource, TaskStatus

DUE = date(2026, 3, 10)  # a Tuesday
POLICY = sweep.SweepPolicy(remind_days=(3, 1), escalate_general_after_days=3)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def make_hazard(session: Session, world, *, due: date = DUE, level: str = HazardLevel.GENERAL,
                status: str = HazardStatus.OPEN, enterprise: Enterprise | None = None, **overrides) -> Hazard:
    enterprise = enterprise or world.enterprise_a
    hazard = Hazard(enterprise_id=enterprise.id, department_id=world.safety.id, kind="DUST", item_code="DUST-01",
                    level=level, status=status, deadline_days=7, due_at=end_of_local_day(due),
                    found_at=at(due - timedelta(days=7)), **overrides)
    session.add(hazard)
    session.flush()
    return hazard


def keys(session: Session) -> list[str]:
    return sorted(session.exec(select(Outbox.dedup_key)).all())


def run(session: Session, now: datetime) -> sweep.SweepReport:
    report = sweep.sweep_deadlines(session, now=now, policy=POLICY)
    session.commit()
    return report


def test_each_reminder_once_then_overdue_then_escalation(session, world):
    hazard = make_hazard(session, world)
    session.commit()
    due = sweep.due_key(hazard.due_at)
    assert due == "2026-03-10T15:59:59Z"
    run(session, at(DUE - timedelta(days=5)))
    assert keys(session) == []
    for hour in (0, 10, 23):  # the whole day three days before, hourly sweeps: one reminder
        run(session, at(DUE - timedelta(days=3), hour))
    assert keys(session) == [f"remind3:{hazard.id}:{due}"]
    run(session, at(DUE - timedelta(days=2)))
    run(session, at(DUE - timedelta(days=1), 8))
    run(session, at(DUE, 18))  # the due day itself: still the 1-day reminder, already sent
    assert keys(session) == [f"remind1:{hazard.id}:{due}", f"remind3:{hazard.id}:{due}"]
    run(session, at(DUE + timedelta(days=1), 0))
    run(session, at(DUE + timedelta(days=2)))
    assert f"overdue:{hazard.id}:{due}" in keys(session)
    assert not any(k.startswith("escalate") for k in keys(session))  # general: only 3 days overdue
    report = run(session, at(DUE + timedelta(days=3), 0))
    assert report.queued["escalate"] == 1
    run(session, at(DUE + timedelta(days=4)))
    kinds = ("remind3", "remind1", "overdue", "escalate")
    assert keys(session) == sorted(f"{kind}:{hazard.id}:{due}" for kind in kinds)
    rows = {row.dedup_key.split(":")[0]: row for row in session.exec(select(Outbox)).all()}
    assert rows["remind3"].recipient == f"enterprise:{world.enterprise_a.id}"
    assert rows["escalate"].recipient == "office"
    assert rows["remind1"].event_type == "hazard.reminder"
    assert rows["overdue"].payload == {
        "kind": "overdue", "hazard_id": hazard.id, "enterprise_id": world.enterprise_a.id,
        "department_id": world.safety.id, "level": "general", "item_code": "DUST-01", "due_at": due}
    events = session.exec(select(Event).where(Event.action == "hazard.escalated")).all()
    assert [(e.entity_id, e.after["days_overdue"]) for e in events] == [(hazard.id, 3)]


def test_major_hazards_escalate_at_the_deadline_once_with_an_audit_event(session, world):
    major = make_hazard(session, world, level=HazardLevel.MAJOR)
    general = make_hazard(session, world)
    session.commit()
    for hour in (0, 1, 2):
        run(session, at(DUE + timedelta(days=1), hour))
    escalated = [k for k in keys(session) if k.startswith("escalate")]
    assert escalated == [f"escalate:{major.id}:{sweep.due_key(major.due_at)}"]
    assert f"overdue:{general.id}:{sweep.due_key(general.due_at)}" in keys(session)
    (event,) = session.exec(select(Event).where(Event.action == "hazard.escalated")).all()
    assert event.entity_id == major.id and event.actor_id is None
    assert "重大事故隐患" in event.reason
    for _ in range(40):
        make_hazard(session, world, level=HazardLevel.MAJOR, due=DUE + timedelta(days=1))
    session.commit()
    assert run(session, at(DUE + timedelta(days=2))).queued["escalate"] == 40
    report = audit.verify_chain(session)  # the batch append keeps the hash chain intact, in order
    assert report.ok and report.checked == 41


def test_submitted_and_closed_hazards_are_left_alone(session, world):
    make_hazard(session, world, status=HazardStatus.SUBMITTED, level=HazardLevel.MAJOR)
    make_hazard(session, world, status=HazardStatus.CLOSED, closed_at=at(DUE))
    session.commit()
    for day in range(-3, 6):
        run(session, at(DUE + timedelta(days=day)))
    assert keys(session) == []


def test_a_new_deadline_after_a_rejection_gets_fresh_reminders(session, world):
    hazard = make_hazard(session, world, status=HazardStatus.SUBMITTED)
    session.commit()
    run(session, at(DUE - timedelta(days=3)))  # submitted: nothing yet
    hazard.due_at = end_of_local_day(DUE + timedelta(days=10))
    states.apply(session, hazard, states.Move.REJECT, actor=None, at=at(DUE - timedelta(days=3)), reason="照片不清晰")
    session.commit()
    run(session, at(DUE + timedelta(days=7)))
    run(session, at(DUE + timedelta(days=9)))
    new = sweep.due_key(hazard.due_at)
    assert keys(session) == [f"remind1:{hazard.id}:{new}", f"remind3:{hazard.id}:{new}"]


def test_catch_up_after_three_days_down_sends_what_is_current_once(session, world):
    """Hourly sweeps versus one sweep after three days down: the late sweep sends the current notice of every
    hazard (never a stale "3 days left" after the deadline), nothing an hourly run would have escalated is
    lost, and a second run adds nothing."""
    start = at(DUE - timedelta(days=4), 0)
    hazards = [make_hazard(session, world, due=DUE + timedelta(days=d), level=level)
               for d in (-6, -3, -1, 0, 1, 3, 5) for level in (HazardLevel.GENERAL, HazardLevel.MAJOR)]
    session.commit()
    end = start + timedelta(days=3)

    moment = start
    while moment <= end:
        run(session, moment)
        moment += timedelta(hours=1)
    hourly = set(keys(session))

    session.exec(Outbox.__table__.delete())  # type: ignore[call-overload]
    session.exec(Event.__table__.delete().where(Event.action == "hazard.escalated"))  # type: ignore[call-overload]
    session.commit()
    run(session, start)
    first = run(session, end)  # the scheduler was down between start and end
    late = set(keys(session))
    assert run(session, end).queued == {k: 0 for k in first.queued}
    assert set(keys(session)) == late
    assert late <= hourly
    skipped = hourly - late
    assert skipped  # the scenario does cross deadlines while down
    for key in skipped:  # only reminders superseded while down are not sent
        kind, hazard_id, due = key.split(":", 2)
        newer = {"remind3": ("remind1", "overdue"), "remind1": ("overdue",)}[kind]
        assert any(f"{k}:{hazard_id}:{due}" in late for k in newer)
    assert {k for k in hourly if k.startswith(("overdue", "escalate"))} <= late
    assert audit.verify_chain(session).ok
    assert len(hazards) == 14


def test_green_list_is_lost_on_an_overdue_hazard_with_the_reason(session, world):
    green = world.enterprise_b
    green.green_listed, green.green_valid_from, green.green_valid_to = True, date(2026, 1, 1), date(2027, 12, 31)
    session.add(green)
    hazard = make_hazard(session, world, enterprise=green)
    session.commit()
    assert run(session, at(DUE)).green_revoked == 0
    assert run(session, at(DUE + timedelta(days=1))).green_revoked == 1
    assert run(session, at(DUE + timedelta(days=2))).green_revoked == 0
    session.refresh(green)
    assert green.green_listed is False
    (event,) = session.exec(select(Event).where(Event.action == "green_list_revoked")).all()
    assert event.entity_id == green.id and event.after["hazard_id"] == hazard.id
    assert "逾期" in event.reason


# --- re-inspections ------------------------------------------------------------------------------------------------

REINSPECT = sweep.ReinspectionPolicy(days=10, working_days=False)


def reinspections(session: Session, now: datetime) -> sweep.ReinspectionReport:
    report = sweep.plan_reinspections(session, now=now, policy=REINSPECT)
    session.commit()
    return report


def test_evidence_on_a_major_hazard_plans_one_reinspection_within_ten_days(session, world):
    hazard = make_hazard(session, world, level=HazardLevel.MAJOR, status=HazardStatus.SUBMITTED)
    general = make_hazard(session, world, status=HazardStatus.SUBMITTED)
    for h in (hazard, general):
        session.add(Evidence(hazard_id=h.id, submitted_by=world.users["enterprise_a"].id, note="已整改",
                             submitted_at=at(DUE - timedelta(days=2), 15)))
    session.commit()
    assert reinspections(session, at(DUE - timedelta(days=2), 16)).after_evidence == 1
    assert reinspections(session, at(DUE - timedelta(days=1))).after_evidence == 0
    (task,) = session.exec(select(InspectionTask)).all()
    assert (task.source, task.hazard_id, task.department_id, task.enterprise_id, task.kinds) == (
        TaskSource.REINSPECTION, hazard.id, world.safety.id, world.enterprise_a.id, ["DUST"])
    assert (task.window_start, task.window_end) == (DUE - timedelta(days=2), DUE + timedelta(days=8))
    assert task_service.open_reinspection(session, hazard.id).id == task.id
    assert task_service.tasks_for_hazard(session, hazard.id) == [task]
    assert task_service.tasks_for_hazard(session, general.id) == []
    done = task_service.complete_reinspection(session, hazard.id, now=at(DUE), note="复查意见书 0001")
    session.commit()
    assert done.id == task.id and done.status == TaskStatus.DONE
    assert task_service.open_reinspection(session, hazard.id) is None
    assert task_service.complete_reinspection(session, hazard.id, now=at(DUE)) is None


def test_new_evidence_after_the_reinspection_plans_another(session, world):
    hazard = make_hazard(session, world, level=HazardLevel.MAJOR, status=HazardStatus.SUBMITTED)
    session.add(Evidence(hazard_id=hazard.id, submitted_by=world.users["enterprise_a"].id,
                         submitted_at=at(DUE - timedelta(days=5))))
    session.commit()
    reinspections(session, at(DUE - timedelta(days=5), 12))
    (first,) = task_service.tasks_for_hazard(session, hazard.id)
    first.status = TaskStatus.DONE  # re-inspected; the hazards side rejected it and the enterprise tried again
    session.add(Evidence(hazard_id=hazard.id, submitted_by=world.users["enterprise_a"].id,
                         submitted_at=at(DUE + timedelta(days=3))))
    session.commit()
    assert reinspections(session, at(DUE + timedelta(days=3), 12)).after_evidence == 1
    assert len(task_service.tasks_for_hazard(session, hazard.id)) == 2


def test_a_rejected_hazard_past_its_new_deadline_is_reinspected_in_working_days(session, world):
    hazard = make_hazard(session, world, status=HazardStatus.SUBMITTED)
    never_rejected = make_hazard(session, world)
    session.commit()
    hazard.due_at = end_of_local_day(date(2026, 2, 13))  # Friday before the Spring Festival holiday
    states.apply(session, hazard, states.Move.REJECT, actor=None, at=at(date(2026, 2, 6)), reason="未整改到位")
    session.commit()
    policy = sweep.ReinspectionPolicy(days=10, working_days=True)
    assert sweep.plan_reinspections(session, now=at(date(2026, 2, 13), 20), policy=policy).after_deadline == 0
    report = sweep.plan_reinspections(session, now=at(date(2026, 2, 14), 9), policy=policy)
    session.commit()
    assert report.after_deadline == 1
    (task,) = task_service.tasks_for_hazard(session, hazard.id)
    assert task.window_start == date(2026, 2, 14)
    # 10 working days after 02-13 on the 2026 calendar, skipping the Spring Festival holiday
    assert task.window_end > date(2026, 2, 27)
    assert task_service.tasks_for_hazard(session, never_rejected.id) == []
    assert sweep.plan_reinspections(session, now=at(date(2026, 2, 20)), policy=policy).after_deadline == 0


def test_a_reinspection_that_found_it_not_rectified_is_followed_by_another_after_the_new_deadline(session, world):
    hazard = make_hazard(session, world)
    audit.record(session, entity="hazard", entity_id=hazard.id, action="hazard.reinspected_open", actor=None,
                 at=at(DUE - timedelta(days=1)), after={"due_at": hazard.due_at})
    session.commit()
    assert reinspections(session, at(DUE)).after_deadline == 0
    assert reinspections(session, at(DUE + timedelta(days=1))).after_deadline == 1
    (task,) = task_service.tasks_for_hazard(session, hazard.id)
    assert task.origin_key == f"reinspect:{hazard.id}:deadline:{sweep.due_key(hazard.due_at)}"


# --- visit notices ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "announced", "expected"), [
    (VisitSource.JOINT, True, 1), (VisitSource.COMPLAINT, True, 0), (VisitSource.ROUTINE, False, 0)])
def test_advance_notice_once_for_announced_visits_only(session, world, source, announced, expected):
    visit = Visit(enterprise_id=world.enterprise_a.id, lead_department_id=world.safety.id, source=source,
                  announced=announced, planned_date=DUE)
    session.add(visit)
    session.commit()
    sent = [sweep.send_visit_notices(session, now=at(DUE - timedelta(days=n)), days=3) for n in (5, 4, 3, 2, 0)]
    session.commit()
    assert sent == [expected, 0, 0, 0, 0]  # as soon as it is planned at least 3 days ahead, and once
    if expected:
        (row,) = session.exec(select(Outbox).where(col(Outbox.event_type) == "visit.notice")).all()
        assert row.dedup_key == f"visit.notice:{visit.id}:2026-03-10"
        assert row.recipient == f"enterprise:{world.enterprise_a.id}"
        assert row.payload["planned_date"] == "2026-03-10"


def test_a_visit_planned_sooner_than_the_notice_period_gets_no_notice_at_all(session, world):
    """Not a same-day "advance" notice at 02:10: an announced visit planned two days ahead is simply not told."""
    visit = Visit(enterprise_id=world.enterprise_a.id, lead_department_id=world.safety.id, source=VisitSource.JOINT,
                  announced=True, planned_date=DUE)
    session.add(visit)
    session.commit()
    sent = [sweep.send_visit_notices(session, now=at(DUE - timedelta(days=n)), days=3) for n in (2, 1, 0)]
    assert sent == [0, 0, 0]


def test_hazard_counts_per_enterprise(session, world):
    make_hazard(session, world)
    make_hazard(session, world, due=DUE + timedelta(days=30))
    make_hazard(session, world, status=HazardStatus.CLOSED)
    make_hazard(session, world, enterprise=world.enterprise_b, status=HazardStatus.SUBMITTED)
    session.commit()
    counts = sweep.hazard_counts(session, now=at(DUE + timedelta(days=1)))
    assert counts == {world.enterprise_a.id: (2, 1), world.enterprise_b.id: (1, 1)}


def test_a_reinspection_window_ending_on_a_rest_day_runs_to_the_next_working_day(session, world):
    """Evidence on Thu 2026-09-24: 10 days end Sun 10-04, in the National Day holiday -> Thu 10-08 (REFERENCE
    §G.6), and the task names the procedure rules in force (令第18号 after 2026-02-01), marked unverified."""
    hazard = make_hazard(session, world, level=HazardLevel.MAJOR, status=HazardStatus.SUBMITTED,
                         due=date(2026, 10, 20))
    session.add(Evidence(hazard_id=hazard.id, submitted_by=world.users["enterprise_a"].id,
                         submitted_at=at(date(2026, 9, 24), 15)))
    session.commit()
    assert reinspections(session, at(date(2026, 9, 24), 16)).after_evidence == 1
    (task,) = task_service.tasks_for_hazard(session, hazard.id)
    assert (task.window_start, task.window_end) == (date(2026, 9, 24), date(2026, 10, 8))
    assert "应急管理部令第18号" in task.note and "条款未核实" in task.note
    assert "顺延至 2026-10-08" in task.note
