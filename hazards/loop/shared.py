"""Shared checks of a joint visit: one finding, one hazard per enforcing department present (issue 16).

A check several departments on the visit enforce (fire exits: 应急 and 消防) is answered once, by the part
submitted first; a correction by any of them replaces the answer (``inspection.field.submissions``). A failure is
one finding, kept as one hazard per enforcing department (and per party, 厂中厂), each on its own department's
order signed by its own officers:

- the answering department's hazard opens when its part is submitted, from its own result;
- every other enforcing department's hazard opens when *its* part is submitted (``settled_failures``: its own
  copy of the standing answer), so its order is issued then, by its two officers, never by another's;
- a correction that passes the check voids every department's hazard of it; a correction that fails it again
  leaves a department whose part is already in to confirm it by correcting its own part (it is told), because
  only its own officers may sign its order;
- a department that withdrew its part gets no hazard: the failure is referred (移送, 安全生产法 Art.66) to it.

The hazards of one finding share the visit and the item code: ``finding_key`` is what statistics count once.
"""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from hazards.loop import findings, states
from hazards.models import Hazard
from hazards.notify import outbox
from inspection import audit
from inspection.field import submissions
from inspection.field.submissions import Plan, ResultView
from inspection.field.visits import part_items
from inspection.identity.access import Actor
from inspection.models import Department, Referral, Result, Submission, Visit, VisitDepartment
from schemas.enums import ItemResult

EVENT_CHANGED = "finding.shared_changed"


def finding_key(hazard: Hazard) -> tuple[int, str] | tuple[str, int]:
    """One finding's hazards share it: the visit and the item (every department's, every party's); a hazard
    made outside a visit is its own finding."""
    return (hazard.visit_id, hazard.item_code) if hazard.visit_id is not None else ("hazard", hazard.id or 0)


_STANDING_ROWS = (
    select(Result, Submission.department_id)
    .join(Submission, col(Submission.id) == Result.submission_id)
    .where(col(Submission.visit_id) == bindparam("visit_id"), col(Submission.is_current).is_(True),
           col(Submission.department_id).is_not(None), col(Result.item_code).in_(bindparam("codes", expanding=True)))
    .order_by(col(Submission.id))
)


def standing_results(session: Session, visit_id: int, codes: list[str]) -> dict[str, ResultView]:
    """The result that stands for each shared check among ``codes`` (the latest current part's answer)."""
    if not codes:
        return {}
    out: dict[str, ResultView] = {}
    for result, _ in session.execute(_STANDING_ROWS, {"visit_id": visit_id, "codes": codes}).all():
        out[result.item_code] = ResultView(**{name: getattr(result, name) for name in ResultView.__dataclass_fields__})
    return out


def settled_failures(session: Session, submission: Submission, plan: Plan) -> list[ResultView]:
    """This part's own results for the shared checks another department's standing answer failed: the same
    finding, for this department's hazards. The answering inspector's choices of deadline and of raising the
    grade were theirs for their department: this department's hazard takes the item's own period and grade."""
    failed = [code for code, (_, outcome) in plan.settled.items() if outcome == ItemResult.FAIL]
    standing = standing_results(session, plan.visit_id, failed)
    return [replace(standing[code], submission_id=submission.id or 0, department_id=plan.department_id,
                    deadline_days=None, raise_to_major=False) for code in failed if code in standing]


_LIVE = select(Hazard).where(col(Hazard.visit_id) == bindparam("visit_id"), col(Hazard.item_code) == bindparam("code"),
                             col(Hazard.department_id) == bindparam("department_id"),
                             col(Hazard.status) != states.VOIDED).order_by(col(Hazard.id))
_PARTS = select(VisitDepartment).where(col(VisitDepartment.visit_id) == bindparam("visit_id"))


def follow_answers(session: Session, visit: Visit, submission: Submission, plan: Plan, results: list[ResultView], *,
                   actor: Actor, now: datetime) -> tuple[list[dict[str, object]], list[Referral]]:
    """The other enforcing departments' side of the shared checks this part answered: their hazards voided when
    the answer is now a pass; a failure referred to a department that withdrew, and told to one whose part is
    in without a hazard for it (its own correction opens it). Returns the changes (for the audit) and referrals.
    """
    answered = [r for r in results if (asked := plan.asked.get(r.item_code)) is not None and asked.shared]
    if not answered:
        return [], []
    parts = {p.department_id: p for p in session.execute(_PARTS, {"visit_id": visit.id}).scalars().all()}
    changes: list[dict[str, object]] = []
    referred: list[Referral] = []
    for result in answered:
        failed = result.outcome == ItemResult.FAIL
        for department_id in plan.asked[result.item_code].answering:
            part = parts.get(department_id)
            if department_id == plan.department_id or part is None:
                continue
            live = list(session.execute(_LIVE, {"visit_id": visit.id, "code": result.item_code,
                                                "department_id": department_id}).scalars().all())
            change: dict[str, object] = {"item_code": result.item_code, "department_id": department_id}
            if not failed:
                voided = [h for h in live if h.status in states.ACTIVE]
                for hazard in voided:
                    states.apply(session, hazard, states.Move.VOID, actor=actor, at=now,
                                 reason=f"共同检查项经其他部门更正为{_ZH.get(result.outcome, '合格')}"
                                        f"（第{submission.version}版）/ shared check corrected")
                if voided:
                    changes.append(change | {"voided_hazard_ids": [h.id for h in voided]})
            elif live:
                continue  # its hazards follow the same failure
            elif part.withdrawn_at is not None:
                department = session.get(Department, department_id)
                assert department is not None
                referral = findings.refer(session, visit, submission, result, department.code, actor=actor, now=now)
                if referral is not None:
                    referred.append(referral)
                    changes.append(change | {"referral_id": referral.id})
            elif submissions.current_submission(session, visit.id or 0, department_id) is not None:
                _tell(session, visit, result, submission, department_id, now=now)
                changes.append(change | {"to_confirm": True})
    return changes, referred


_ZH = {ItemResult.PASS: "合格", ItemResult.NOT_APPLICABLE: "不适用"}


def _tell(session: Session, visit: Visit, result: ResultView, submission: Submission, department_id: int, *,
          now: datetime) -> None:
    """A department whose part is in learns that a shared check it enforces now fails: its own correction of
    its part opens its hazard and its order (signed by its own officers)."""
    outbox.add(session, event_type=EVENT_CHANGED, recipient=f"department:{department_id}", now=now,
               dedup_key=f"{EVENT_CHANGED}:{visit.id}:{result.item_code}:{department_id}:{submission.id}",
               payload={"visit_id": visit.id, "item_code": result.item_code, "outcome": str(result.outcome),
                        "by_department_id": submission.department_id,
                        "message": "联合检查共同检查项已更正为不合格，请更正本部门检查结果以作出本部门的整改文书"})


def refer_withdrawn(session: Session, visit_id: int, department_id: int, *, actor: Actor, now: datetime
                    ) -> list[Referral]:
    """A department withdrew its part: the shared checks it enforces that another part failed are referred to
    it (移送, with a record), never made its hazards. Called after ``inspection.field.visits.withdraw_part``."""
    # the visit's row, locked (PostgreSQL) as a submission locks it: a part submitted meanwhile is seen here, or
    # sees this part withdrawn, so the referral is never missed between the two
    session.execute(select(Visit.id).where(col(Visit.id) == visit_id).with_for_update())
    visit = session.get(Visit, visit_id)
    assert visit is not None
    codes = [a.item.code for a in part_items(session, visit, department_id) if a.shared]
    standing = standing_results(session, visit_id, codes)
    department = session.get(Department, department_id)
    assert department is not None
    referred = []
    for result in standing.values():
        if result.outcome != ItemResult.FAIL:
            continue
        submission = session.get(Submission, result.submission_id)
        assert submission is not None
        referral = findings.refer(session, visit, submission, result, department.code, actor=actor, now=now)
        if referral is not None:
            referred.append(referral)
    if referred:
        audit.record(session, entity="visit", entity_id=visit_id, action="visit.shared_referred", actor=actor,
                     at=now, after={"department_id": department_id, "referral_ids": [r.id for r in referred]})
    return referred
