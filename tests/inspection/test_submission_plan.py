"""A submission is checked before the write transaction and stored in it only if what the check saw still
holds: another writer in between (a replay of the same UUID, a second submission, a cancelled visit) is met
by the full rules, inside the transaction."""

import uuid

import pytest
from sqlmodel import Session, select

from hazards.loop import deadlines, intake
from inspection.errors import Conflict
from inspection.field import submissions
from inspection.field import visits as visit_service
from inspection.identity.accounts import actor_for
from inspection.models import Result, Submission, Visit
from inspection.types import utcnow
from schemas.enums import VisitStatus
from schemas.visits import SubmissionIn, VisitCreate
from server import db


@pytest.fixture()
def planned(world, session):
    actor = actor_for(world.users["inspector"])
    visit = visit_service.create(session, VisitCreate(enterprise_id=world.enterprise_a.id,
                                                      inspector_ids=[world.users["inspector2"].id]),
                                 actor=actor, now=utcnow())
    session.commit()
    asked = visit_service.asked_items(session, visit)
    return actor, visit.id, [a.item.code for a in asked]


def body(codes: list[str], client_uuid: str | None = None) -> SubmissionIn:
    return SubmissionIn.model_validate({"client_uuid": client_uuid or str(uuid.uuid4()),
                                        "results": [{"item_code": c, "result": "pass"} for c in codes]})


def checked(actor, visit_id: int, data: SubmissionIn) -> submissions.Plan:
    with db.reading() as reads:
        plan = submissions.check(reads, visit_id, data, actor=actor, now=utcnow())
    assert isinstance(plan, submissions.Plan)
    return plan


def store(actor, visit_id: int, data: SubmissionIn, plan: submissions.Plan | None) -> intake.Outcome:
    with db.writing() as session:
        outcome = intake.submit_visit(session, visit_id, data, actor=actor, now=utcnow(),
                                      policy=deadlines.DeadlinePolicy(), plan=plan)
        session.commit()
        return outcome


def test_a_plan_that_still_holds_stores_the_results_once(planned, session):
    actor, visit_id, codes = planned
    data = body(codes)
    outcome = store(actor, visit_id, data, checked(actor, visit_id, data))
    assert not outcome.replayed
    session.rollback()  # a fresh snapshot: the fixture's read transaction predates the write
    stored = session.exec(select(Result.item_code).where(Result.submission_id == outcome.submission.id)).all()
    assert sorted(stored) == sorted(codes)
    visit = session.get(Visit, visit_id)
    assert visit.status == VisitStatus.SUBMITTED and visit.submitted_at is not None


def test_the_same_uuid_stored_meanwhile_makes_this_a_replay(planned, session):
    actor, visit_id, codes = planned
    data = body(codes)
    first, second = checked(actor, visit_id, data), checked(actor, visit_id, data)  # two deliveries at once
    original = store(actor, visit_id, data, first)
    again = store(actor, visit_id, data, second)
    assert again.replayed and again.submission.id == original.submission.id
    session.rollback()
    assert len(session.exec(select(Submission).where(Submission.visit_id == visit_id)).all()) == 1


def test_another_submission_stored_meanwhile_is_a_conflict(planned, session):
    actor, visit_id, codes = planned
    mine, theirs = body(codes), body(codes)
    my_plan = checked(actor, visit_id, mine)
    store(actor, visit_id, theirs, checked(actor, visit_id, theirs))
    with pytest.raises(Conflict) as refused:
        store(actor, visit_id, mine, my_plan)
    assert refused.value.code == "already_submitted"


def test_a_visit_cancelled_meanwhile_takes_no_results(planned, session):
    actor, visit_id, codes = planned
    data = body(codes)
    plan = checked(actor, visit_id, data)
    with Session(db.get_write_engine()) as other:
        visit = other.get(Visit, visit_id)
        visit.status = VisitStatus.CANCELLED
        other.add(visit)
        other.commit()
    with pytest.raises(Conflict) as refused:
        store(actor, visit_id, data, plan)
    assert refused.value.code == "visit_not_open"
    session.rollback()
    assert session.exec(select(Submission).where(Submission.visit_id == visit_id)).all() == []
