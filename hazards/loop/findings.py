"""Failures that open no hazard: advisory items (提示项) and items the submitting department does not enforce.

An advisory item's only basis is a campaign list or a local rule without an article (REFERENCE §G.1): its
failure stays on the visit record as advice to the enterprise, with no deadline, reminder or order. An item
the catalogue gives to another department (执法主体, §G.2) is not the finder's to order: its failure is referred
(移送) to the enforcing department, which gets a task (``inspection.planning.referrals.refer``).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from hazards.rules import department_law
from inspection.field import checklists
from inspection.field.submissions import ResultView
from inspection.identity.access import Actor
from inspection.models import Department, Referral, Result, Submission, Visit, VisitDepartment
from inspection.planning import referrals
from schemas.enums import ItemResult
from schemas.tasks import ReferralOrigin


@dataclass(frozen=True)
class Route:
    """Where a failure goes instead of a hazard."""

    advisory: bool = False
    refer_to: str | None = None  # the enforcing department's code


def route(session: Session, submission: Submission, results: list[ResultView]) -> dict[str, Route]:
    """item code -> Route, for the failed results that open no hazard (pure data but one lookup per department).
    An item the department enforces but whose basis cites no law of the department's (an old version's item
    citing a repealed standard) is advice: recorded and advised, never on an order (REFERENCE §G.1)."""
    out: dict[str, Route] = {}
    for result in results:
        if result.outcome != ItemResult.FAIL:
            continue
        try:
            item = checklists.get(result.kind, submission.checklists.get(result.kind)).item(result.item_code)
        except checklists.UnknownChecklist:
            continue
        if item is None:
            continue
        where = checklists.jurisdiction(item)
        if where.advisory:
            out[result.item_code] = Route(advisory=True)
            continue
        department = session.get(Department, result.department_id)
        if where.departments and department is not None and department.code not in where.departments:
            out[result.item_code] = Route(refer_to=where.departments[0])
        elif department is not None and not department_law.own_citations(item, department.code):
            out[result.item_code] = Route(advisory=True)  # no law of the department's to order it (v1's GAS-24)
    return out


def refer(session: Session, visit: Visit, submission: Submission, result: ResultView, to_code: str, *,
          actor: Actor, now: datetime) -> Referral | None:
    """Refer a failure to the department with code ``to_code``, once per visit, item and receiving department
    (a correction that still fails it keeps the first referral). None if no such department is set up."""
    to = session.exec(select(Department).where(Department.code == to_code)).first()
    if to is None or to.id is None:
        return None
    earlier = session.exec(select(Referral).where(Referral.visit_id == visit.id, Referral.item_code == result.item_code,
                                                  Referral.to_department_id == to.id)).first()
    if earlier is not None:
        return earlier
    result_id = session.exec(select(Result.id).where(Result.submission_id == submission.id,
                                                     Result.item_code == result.item_code)).first()
    parts = session.exec(select(VisitDepartment.id).where(VisitDepartment.visit_id == visit.id)).all()
    return referrals.refer(
        session, actor=actor, enterprise_id=visit.enterprise_id, item_code=result.item_code, kind=result.kind,
        to_department_id=to.id, origin=ReferralOrigin.JOINT_VISIT if len(parts) > 1 else ReferralOrigin.VISIT,
        now=now, visit_id=visit.id, result_id=result_id, plant_site_id=visit.plant_site_id, note=result.note,
        photo_ids=result.photo_ids, from_department_id=submission.department_id)


def referrals_of(session: Session, submission: Submission) -> list[Referral]:
    """The referrals a department's part of a visit made."""
    query = select(Referral).where(Referral.visit_id == submission.visit_id)
    if submission.department_id is not None:
        query = query.where(Referral.from_department_id == submission.department_id)
    return list(session.exec(query.order_by(col(Referral.id))).all())
