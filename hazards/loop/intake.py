"""From a submitted visit to hazards and orders, in the same transaction as the submission.

A submission is one department's part of a visit. Each failed item of that part opens one hazard (two linked
ones when a 厂中厂 item is attributed to both landlord and tenant); items fixed on the spot are created already
closed. The department then issues one order per enterprise for its open hazards, signed by two certified
inspectors of that department who made the visit. Two kinds of failure make no hazard: an advisory item
(提示项) is advice on the visit record, and an item the department does not enforce is referred (移送) to the
department that does (``inspection.planning.referrals``), never ordered by the one that found it. A check
several departments on the visit enforce gives each of them its own hazard, at its own part's submission
(``hazards.loop.shared``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import or_
from sqlmodel import Session, col, select

from hazards.loop import deadlines, findings, orders, parties, records, shared, states
from hazards.models import Hazard, RectificationOrder
from hazards.rules import department_law, greenlist, holidays
from inspection import audit
from inspection.clock import local_date
from inspection.errors import InvalidInput
from inspection.field import checklists, submissions
from inspection.field import visits as visit_service
from inspection.field.submissions import ResultView
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise, Referral, Submission, User, Visit
from schemas.enums import HazardLevel, HazardStatus, ItemResult
from schemas.visits import SubmissionIn

MAJOR_PLAN_DAYS = deadlines.MAJOR_PLAN_DAYS
MAJOR_ON_SPOT = ("重大事故隐患不得当场整改销号，须报送治理方案并经现场复查 / a major hazard is never closed on the "
                 "spot: it needs a rectification plan and an on-site re-inspection")
REPEAT_WINDOW = timedelta(days=365)


@dataclass
class Outcome:
    submission: Submission
    replayed: bool
    hazards: list[Hazard] = field(default_factory=list)
    orders: list[RectificationOrder] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)  # item codes failed as 提示项: advice, not hazards
    referrals: list[Referral] = field(default_factory=list)


def submit_visit(session: Session, visit_id: int, data: SubmissionIn, *, actor: Actor, now: datetime,
                 policy: deadlines.DeadlinePolicy, correction_hours: int | None = None,
                 plan: submissions.Plan | None = None) -> Outcome:
    """Store the submission, then open hazards and issue orders. A replay returns what the original made.
    ``plan``: the submission as checked before this transaction (``inspection.field.submissions.check``)."""
    submission, replayed = submissions.submit(session, visit_id, data, actor=actor, now=now,
                                                correction_hours=correction_hours, plan=plan,
                                                numbering=partial(records.new_number, now=now))
    if replayed:
        return outcome_of(session, submission, replayed=True)
    assert submission.id is not None
    records.number_part(session, visit_id, submission.department_id, now=now)  # its own 现场检查记录
    results = submissions.results_of(session, submission.id)
    _check_choices(results, submission.checklists, policy)
    plan = submissions.plan_of(session, submission.id)
    own = results  # shared checks another department's part failed: the same finding, this department's hazards
    results = own + (shared.settled_failures(session, submission, plan) if plan is not None else [])
    if submission.supersedes_id is None and all(r.outcome != ItemResult.FAIL for r in results):
        return Outcome(submission, False)  # all clear: nothing to open, carry over or void
    visit = session.get(Visit, visit_id)
    assert visit is not None
    routes = findings.route(session, submission, results)
    signers = _signers_by_department(session, visit, [r for r in results if routes.get(r.item_code) is None])
    previous = _previous_hazards(session, submission)
    created: list[Hazard] = []
    referred: list[Referral] = []
    for result in results:
        if result.outcome != ItemResult.FAIL:
            continue
        if (route := routes.get(result.item_code)) is not None:  # advice or a referral: no hazard, no order
            if route.refer_to is not None and submission.supersedes_id is None:
                referred.append(findings.refer(session, visit, submission, result, route.refer_to, actor=actor,
                                               now=now))
            continue
        carried = previous.pop(result.item_code, None)
        if carried:  # a correction that still fails the item keeps its hazards
            for hazard in carried:
                hazard.submission_id = submission.id
                session.add(hazard)
            continue
        created.extend(_open_hazards(session, visit, submission, result, actor=actor, now=now, policy=policy))
    for leftover in previous.values():  # a correction turned these items into passes
        for hazard in leftover:
            if hazard.status in states.ACTIVE:
                states.apply(session, hazard, states.Move.VOID, actor=actor, at=now,
                             reason=f"检查结果更正（第{submission.version}版）/ corrected visit")
    if plan is not None:  # the other enforcing departments' hazards of the shared checks this part answered
        changes, also_referred = shared.follow_answers(session, visit, submission, plan, own, actor=actor,
                                                       now=now)
        referred.extend(also_referred)
        if changes:
            audit.record(session, entity="visit", entity_id=visit_id, action="visit.shared_followed", actor=actor,
                         at=now, after={"submission_id": submission.id, "changes": changes})
    issued = _issue_orders(session, visit, submission, created, signers, now=now)
    advice = [r.item_code for r in results if r.outcome == ItemResult.FAIL and (route := routes.get(r.item_code))
              and route.advisory]
    return Outcome(submission, False, created, issued, advice, referred)


def outcome_of(session: Session, submission: Submission, *, replayed: bool) -> Outcome:
    hazards = list(session.exec(select(Hazard).where(Hazard.submission_id == submission.id)
                                .order_by(col(Hazard.id))).all())
    results = submissions.results_of(session, submission.id or 0)
    routes = findings.route(session, submission, results)
    advice = [r.item_code for r in results if r.outcome == ItemResult.FAIL and (route := routes.get(r.item_code))
              and route.advisory]
    return Outcome(submission, replayed, hazards, orders.orders_of_submission(session, submission.id or 0),
                   advice, findings.referrals_of(session, submission))


def _check_choices(results: list[ResultView], versions: dict[str, int], policy: deadlines.DeadlinePolicy) -> None:
    problems = []
    for result in results:
        if result.outcome == ItemResult.FAIL and result.deadline_days is not None:
            item = checklists.get(result.kind, versions.get(result.kind)).item(result.item_code)
            assert item is not None
            try:
                deadlines.choose_days(item.deadline_days, result.deadline_days, policy)
            except InvalidInput as exc:
                problems.append({"item_code": result.item_code, "problem": exc.code, "message": exc.message})
    if problems:
        raise InvalidInput("整改期限超出范围 / deadline out of bounds", code="invalid_submission", details=problems)


def _signers_by_department(session: Session, visit: Visit, results: list[ResultView]) -> dict[int, list[User]]:
    """Two certified inspectors per department that has open failures: an order needs two (§E.2)."""
    needing = {r.department_id for r in results if r.outcome == ItemResult.FAIL and not r.fixed_on_spot}
    if not needing:
        return {}
    people = session.exec(select(User).where(col(User.id).in_(visit_service.inspector_ids(session, visit.id or 0)))
                          .order_by(col(User.id))).all()
    signers: dict[int, list[User]] = {}
    problems = []
    for department_id in sorted(needing):
        certified = [u for u in people if u.department_id == department_id and u.cert_no]
        if len(certified) < 2:
            problems.append({"department_id": department_id, "problem": "two_certified_inspectors_required",
                             "message": "责令整改须由两名持执法证的检查人员作出"})
        signers[department_id] = certified[:2]
    if problems:
        raise InvalidInput("整改指令书须两名持证执法人员 / an order needs two certified inspectors of the department",
                           code="invalid_submission", details=problems)
    return signers


def _previous_hazards(session: Session, submission: Submission) -> dict[str, list[Hazard]]:
    if submission.supersedes_id is None:
        return {}
    grouped: dict[str, list[Hazard]] = defaultdict(list)
    for hazard in session.exec(select(Hazard).where(Hazard.submission_id == submission.supersedes_id,
                                                    Hazard.status != HazardStatus.VOIDED)  # voided: done with
                               .order_by(col(Hazard.id))).all():
        grouped[hazard.item_code].append(hazard)
    return grouped


def _profile(session: Session, visit: Visit) -> checklists.EnterpriseProfile:
    """The visited enterprise's profile, for items graded major only under a condition (``major_if``)."""
    enterprise = session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    return visit_service.profile_of(session, enterprise, visit=visit)


def _open_hazards(session: Session, visit: Visit, submission: Submission, result: ResultView, *, actor: Actor,
                  now: datetime, policy: deadlines.DeadlinePolicy) -> list[Hazard]:
    item = checklists.get(result.kind, submission.checklists.get(result.kind)).item(result.item_code)
    assert item is not None
    department = session.get(Department, result.department_id)
    assert department is not None
    graded = item.is_major or (item.major_if is not None and item.major_for(_profile(session, visit)))
    major = graded or result.raise_to_major
    if major and result.fixed_on_spot:  # refused by ``submissions.check`` already; kept as a guard
        raise InvalidInput(MAJOR_ON_SPOT, code="major_not_closable_on_spot", details={"item_code": item.code})
    days = deadlines.hazard_days(deadlines.choose_days(item.deadline_days, result.deadline_days, policy),
                                 major=major)
    basis = department_law.basis_for(item, department.code, major=graded)  # its own law only (REFERENCE §G.2)
    # a working-day department's deadline on the official calendar; a year without one is refused (422)
    due = deadlines.due_at(now, days, working_days=department.working_days,
                           calendar=holidays.of(session) if department.working_days and days else None)
    hazards: list[Hazard] = []
    day = local_date(visit.started_at or now)  # the tenancies current on the visit's day decide (厂中厂)
    for enterprise_id, party in parties.charged(session, visit, item, result, day=day):
        enterprise = session.get(Enterprise, enterprise_id)
        assert enterprise is not None
        hazard = Hazard(
            enterprise_id=enterprise_id, visit_id=visit.id, submission_id=submission.id,
            department_id=department.id, kind=result.kind, item_code=item.code,
            checklist_version=submission.checklists.get(result.kind, 1),
            level=HazardLevel.MAJOR if major else HazardLevel.GENERAL,
            description=result.note or item.text, legal_basis=basis, party=party,
            deadline_days=days,
            working_days=department.working_days, due_at=due, found_at=now, fixed_on_spot=result.fixed_on_spot,
            plan_required=major, before_photo_ids=result.photo_ids,
            after_photo_ids=result.after_photo_ids, street=enterprise.street, industry=enterprise.industry,
            risk_class=str(enterprise.risk_class),
        )
        session.add(hazard)
        session.flush()
        _flag_repeat(session, hazard, now=now)
        audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.created", actor=actor, at=now,
                     after=audit.snapshot(hazard, ["enterprise_id", "item_code", "level", "party", "due_at", "status",
                                                   "department_id", "visit_id"]))
        if result.fixed_on_spot:
            states.apply(session, hazard, states.Move.CLOSE_ON_SPOT, actor=actor, at=now, reason="当场整改")
        elif major:
            greenlist.revoke(session, enterprise, reason=f"查出重大事故隐患（{item.code}）", now=now, actor=actor,
                             hazard_id=hazard.id)
        hazards.append(hazard)
    if len(hazards) > 1:  # 厂中厂: the landlord's hazard and each tenant's point at each other
        landlord, *others = hazards
        landlord.linked_hazard_id = others[0].id
        for other in others:
            other.linked_hazard_id = landlord.id
        session.add_all(hazards)
    return hazards


def _flag_repeat(session: Session, hazard: Hazard, *, now: datetime) -> None:
    """Failing again within 12 months of a closed hazard: both flagged as suspected false rectification. Not
    another hazard of the same finding (the same visit and item: another department's, of a shared check)."""
    earlier = session.exec(
        select(Hazard).where(Hazard.enterprise_id == hazard.enterprise_id, Hazard.item_code == hazard.item_code,
                             Hazard.status == HazardStatus.CLOSED, col(Hazard.closed_at) >= now - REPEAT_WINDOW,
                             Hazard.id != hazard.id, col(Hazard.fixed_on_spot).is_(False),
                             or_(col(Hazard.visit_id).is_(None), col(Hazard.visit_id) != hazard.visit_id))
        .order_by(col(Hazard.closed_at).desc())
    ).first()
    if earlier is None:
        return
    hazard.repeat_of_id = earlier.id
    hazard.suspected_false_rectification = True
    earlier.suspected_false_rectification = True
    session.add_all([hazard, earlier])
    audit.record(session, entity="hazard", entity_id=earlier.id or 0, action="hazard.suspected_false_rectification",
                 actor=None, at=now, after={"repeat_hazard_id": hazard.id})


def _issue_orders(session: Session, visit: Visit, submission: Submission, created: list[Hazard],
                  signers: dict[int, list[User]], *, now: datetime) -> list[RectificationOrder]:
    groups: dict[tuple[int, int], list[Hazard]] = defaultdict(list)
    for hazard in created:
        if hazard.status != HazardStatus.CLOSED:
            groups[(hazard.enterprise_id, hazard.department_id)].append(hazard)
    issued: dict[tuple[int, int], RectificationOrder] = {}
    for (enterprise_id, department_id), group in sorted(groups.items()):
        department = session.get(Department, department_id)
        assert department is not None
        issued[(enterprise_id, department_id)] = orders.issue(
            session, department=department, enterprise_id=enterprise_id, hazards=group,
            inspector_ids=[u.id for u in signers.get(department_id, []) if u.id is not None], now=now,
            visit_id=visit.id, submission_id=submission.id,
        )
    _link_shared_orders(session, created, issued)
    for order in issued.values():
        audit.record(session, entity="order", entity_id=order.id or 0, action="order.issued", actor=None, at=now,
                     after={"number": order.number, "enterprise_id": order.enterprise_id,
                            "hazard_ids": [h.id for h in groups[(order.enterprise_id, order.department_id)]]})
    return list(issued.values())


def _link_shared_orders(session: Session, created: list[Hazard],
                        issued: dict[tuple[int, int], RectificationOrder]) -> None:
    by_id = {h.id: h for h in created}
    for hazard in created:
        partner = by_id.get(hazard.linked_hazard_id)
        if partner is None:
            continue
        mine = issued.get((hazard.enterprise_id, hazard.department_id))
        theirs = issued.get((partner.enterprise_id, partner.department_id))
        if mine and theirs and mine.id != theirs.id:
            mine.linked_order_id = theirs.id
            session.add(mine)
