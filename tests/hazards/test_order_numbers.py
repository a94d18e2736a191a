"""Order numbers are sequential per department and year, without gaps or duplicates under concurrency."""

import re
import threading
import uuid

from sqlmodel import Session, select

from hazards.loop import deadlines, intake
from hazards.models import RectificationOrder
from inspection.field import visits as visit_service
from inspection.identity.accounts import actor_for
from inspection.types import utcnow
from schemas.visits import SubmissionIn, VisitCreate
from server import db
from tests import factories

PARALLEL = 12


def _failing_submission(session: Session, visit_id: int, actor, photo_id: int) -> SubmissionIn:
    visit = visit_service.get_visible(session, visit_id, actor)
    asked = visit_service.asked_items(session, visit)
    results = [{"item_code": a.item.code, "result": "fail" if a.item.code == "DUST-12" else "pass",
                "photo_ids": [photo_id] if a.item.code == "DUST-12" else []} for a in asked]
    return SubmissionIn.model_validate({"client_uuid": str(uuid.uuid4()), "results": results})


def test_parallel_submissions_get_gapless_unique_numbers(world, session):
    actor = actor_for(world.users["inspector"])
    visit_ids = []
    for _ in range(PARALLEL):
        visit = visit_service.create(session, VisitCreate(enterprise_id=world.enterprise_a.id,
                                                          inspector_ids=[world.users["inspector2"].id]),
                                     actor=actor, now=utcnow())
        visit_ids.append(visit.id)
    session.commit()
    photos = {vid: factories.make_photo(session, world.users["inspector"]).id for vid in visit_ids}
    session.commit()
    payloads = {vid: _failing_submission(session, vid, actor, photos[vid]) for vid in visit_ids}
    session.rollback()
    barrier = threading.Barrier(PARALLEL)
    errors: list[BaseException] = []

    def submit(visit_id: int) -> None:
        try:
            with Session(db.get_write_engine(), expire_on_commit=False) as s:
                barrier.wait(timeout=300)
                intake.submit_visit(s, visit_id, payloads[visit_id], actor=actor, now=utcnow(),
                                    policy=deadlines.DeadlinePolicy())
                s.commit()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(vid,)) for vid in visit_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)  # only to end a hung test: a loaded machine may be slow, never wrong
    assert not any(t.is_alive() for t in threads), "submissions still running after 10 minutes"
    assert errors == []
    numbers = session.exec(select(RectificationOrder.number)).all()
    serials = sorted(int(re.search(r"〕(\d{4})号$", n).group(1)) for n in numbers)
    assert serials == list(range(1, PARALLEL + 1))
    assert all(n.startswith("（新北）应急责改〔") for n in numbers)
