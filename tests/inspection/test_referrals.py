"""Referrals (移送): a finding goes to the department that enforces it, as an unannounced task of that department."""

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from inspection.clock import SHANGHAI
from inspection.errors import InvalidInput
from inspection.identity.access import Actor
from inspection.models import Event, InspectionTask, Referral
from inspection.planning import referrals
from schemas.enums import Role
from schemas.tasks import ReferralOrigin, ReferralStatus, TaskSource, TaskStatus

NOW = datetime.combine(date(2026, 3, 2), time(10, 0), tzinfo=SHANGHAI)


def test_a_finding_becomes_a_task_of_the_enforcing_department(session, world):
    inspector = world.users["inspector"]
    actor = Actor(user_id=inspector.id, username=inspector.username, full_name=inspector.full_name,
                  role=Role.INSPECTOR, department_id=world.safety.id)
    referral = referrals.refer(session, actor=actor, enterprise_id=world.enterprise_b.id, item_code="FIRE-03",
                               kind="FCZ", to_department_id=world.fire.id, origin=ReferralOrigin.JOINT_VISIT,
                               now=NOW, note="消防通道堵塞")
    session.commit()
    task = referrals.task_of(session, referral)
    assert task is not None and task.department_id == world.fire.id and task.source == TaskSource.REFERRAL
    assert (task.status, task.announced, task.kinds) == (TaskStatus.UNASSIGNED, False, ["FCZ"])
    assert (task.window_start, task.window_end) == (date(2026, 3, 2), date(2026, 3, 17))
    assert referral.status == ReferralStatus.OPEN and referral.from_department_id == world.safety.id
    events = session.exec(select(Event).where(Event.entity == "referral", Event.entity_id == referral.id)).all()
    assert [e.action for e in events] == ["referral.create"]


def test_a_grid_workers_referral_has_no_sending_department(session, world):
    referral = referrals.refer(session, actor=None, enterprise_id=world.enterprise_b.id, item_code="FIRE-03",
                               kind="FCZ", to_department_id=world.fire.id, origin=ReferralOrigin.GRID_CHECK, now=NOW)
    assert referral.from_department_id is None and referral.task_id is not None


def test_an_unknown_department_is_refused_and_nothing_is_written(session, world):
    with pytest.raises(InvalidInput):
        referrals.refer(session, actor=None, enterprise_id=world.enterprise_b.id, item_code="FIRE-03", kind="FCZ",
                        to_department_id=99_999, origin=ReferralOrigin.VISIT, now=NOW)
    assert session.exec(select(Referral)).all() == []
    assert session.exec(select(InspectionTask).where(InspectionTask.source == TaskSource.REFERRAL)).all() == []
