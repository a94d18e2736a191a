"""Verbs of the hazard loop: evidence, review, deadlines, extensions, re-inspection, penalty decisions.

Services flush, never commit; the route or job that calls them owns the transaction. Status changes go
through ``hazards.states`` only.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, func, select

from hazards import deadlines, orders, states
from hazards.models import Evidence, Extension, Hazard, OrderHazard, PenaltyDecision, RectificationOrder
from hazards.notify import outbox
from hazards.rules import leniency
from inspection import audit
from inspection.clock import end_of_local_day
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Photo, User
from inspection.planning import tasks
from schemas.enums import HazardLevel, HazardStatus, Role
from schemas.hazards import DeadlineIn, EvidenceIn, ExtensionDecisionIn, ExtensionIn, PlanIn, ReinspectionIn

# --- visibility ---------------------------------------------------------------------------------------------


def scope(actor: Actor) -> list[ColumnElement[bool]]:
    """Conditions limiting hazards to what the actor may see (enterprise users: their own)."""
    if actor.is_staff:
        return []
    return [col(Hazard.enterprise_id) == (actor.enterprise_id if actor.enterprise_id is not None else -1)]


def get_visible(session: Session, hazard_id: int, actor: Actor) -> Hazard:
    hazard = session.exec(select(Hazard).where(Hazard.id == hazard_id, *scope(actor))).first()
    if hazard is None:
        raise NotFound("隐患不存在 / hazard not found")
    return hazard


@dataclass(frozen=True)
class HazardFilters:
    status: HazardStatus | None = None
    enterprise_id: int | None = None
    department_id: int | None = None
    level: HazardLevel | None = None
    overdue: bool | None = None


def search(session: Session, filters: HazardFilters, *, actor: Actor, now: datetime, limit: int,
           offset: int) -> tuple[list[Hazard], int]:
    conditions = scope(actor)
    if filters.status:
        conditions.append(col(Hazard.status) == filters.status)
    if filters.enterprise_id:
        conditions.append(col(Hazard.enterprise_id) == filters.enterprise_id)
    if filters.department_id:
        conditions.append(col(Hazard.department_id) == filters.department_id)
    if filters.level:
        conditions.append(col(Hazard.level) == filters.level)
    if filters.overdue is not None:
        overdue = (col(Hazard.status) != HazardStatus.CLOSED) & (col(Hazard.due_at) < now)
        conditions.append(overdue if filters.overdue else ~overdue)
    total = session.exec(select(func.count()).select_from(Hazard).where(*conditions)).one()
    rows = session.exec(select(Hazard).where(*conditions).order_by(col(Hazard.due_at), col(Hazard.id))
                        .limit(limit).offset(offset)).all()
    return list(rows), total


def search_orders(session: Session, *, actor: Actor, enterprise_id: int | None, limit: int,
                  offset: int) -> tuple[list[RectificationOrder], int]:
    conditions: list[ColumnElement[bool]] = []
    if not actor.is_staff:
        conditions.append(col(RectificationOrder.enterprise_id) == (actor.enterprise_id or -1))
    if enterprise_id:
        conditions.append(col(RectificationOrder.enterprise_id) == enterprise_id)
    total = session.exec(select(func.count()).select_from(RectificationOrder).where(*conditions)).one()
    rows = session.exec(select(RectificationOrder).where(*conditions)
                        .order_by(col(RectificationOrder.issued_at).desc(), col(RectificationOrder.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), total


def order_ids_of(session: Session, hazard_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {h: [] for h in hazard_ids}
    if hazard_ids:
        rows = session.exec(select(OrderHazard).where(col(OrderHazard.hazard_id).in_(hazard_ids))
                            .order_by(col(OrderHazard.order_id))).all()
        for row in rows:
            out[row.hazard_id].append(row.order_id)
    return out


# --- who may act --------------------------------------------------------------------------------------------

def ensure_owner(actor: Actor, hazard: Hazard) -> None:
    require_role(actor, Role.ENTERPRISE, action="submit rectification evidence")
    if actor.enterprise_id != hazard.enterprise_id:  # unreachable through get_visible; kept as a guard
        raise NotFound("隐患不存在 / hazard not found")


def ensure_reviewer(actor: Actor, hazard: Hazard) -> None:
    """Inspectors of the issuing department, or the office."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return
    if actor.role == Role.INSPECTOR and actor.department_id == hazard.department_id:
        return
    raise NotPermitted("仅发出指令的部门或安委办可审核 / only the issuing department or the office may review",
                       code="not_reviewer")


def _check_photos(session: Session, ids: list[int], *, actor: Actor, enterprise_id: int) -> None:
    if not ids:
        return
    photos = {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(ids))).all()}
    bad = [pid for pid in ids if pid not in photos or (
        photos[pid].enterprise_id not in (None, enterprise_id) or
        (photos[pid].enterprise_id is None and photos[pid].uploaded_by != actor.user_id))]
    if bad:
        raise InvalidInput("照片不存在或不属于本企业 / unknown photos", code="unknown_photo",
                           details={"photo_ids": bad})
    for pid in ids:
        photos[pid].enterprise_id = enterprise_id
        session.add(photos[pid])


# --- enterprise side ----------------------------------------------------------------------------------------

def upload_plan(session: Session, hazard_id: int, data: PlanIn, *, actor: Actor, now: datetime) -> Hazard:
    """治理方案 for a major hazard (before or together with the evidence)."""
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    if not hazard.plan_required:
        raise Conflict("该隐患无需治理方案 / no plan is required for this hazard", code="plan_not_required")
    _check_photos(session, data.plan_photo_ids, actor=actor, enterprise_id=hazard.enterprise_id)
    hazard.plan_photo_ids = data.plan_photo_ids
    hazard.plan_uploaded_at = now
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.plan_uploaded", actor=actor,
                 at=now, after={"plan_photo_ids": data.plan_photo_ids}, reason=data.note)
    outbox.add(session, event_type="plan.uploaded", dedup_key=f"plan.uploaded:{hazard.id}:{now.isoformat()}",
               recipient=f"department:{hazard.department_id}", payload={"hazard_id": hazard.id}, now=now)
    return hazard


def submit_evidence(session: Session, hazard_id: int, data: EvidenceIn, *, actor: Actor, now: datetime) -> Evidence:
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    _check_photos(session, [*data.photo_ids, *data.plan_photo_ids], actor=actor, enterprise_id=hazard.enterprise_id)
    if data.plan_photo_ids:
        hazard.plan_photo_ids, hazard.plan_uploaded_at = data.plan_photo_ids, now
    if hazard.plan_required and not hazard.plan_photo_ids:
        raise InvalidInput("重大事故隐患须上传治理方案 / a major hazard needs its rectification plan",
                           code="plan_required")
    states.apply(session, hazard, states.Move.SUBMIT, actor=actor, at=now, reason=data.note)
    hazard.after_photo_ids = data.photo_ids
    session.add(hazard)
    evidence = Evidence(hazard_id=hazard.id or 0, submitted_by=actor.user_id, note=data.note,
                        photo_ids=data.photo_ids, plan_photo_ids=data.plan_photo_ids, submitted_at=now)
    session.add(evidence)
    session.flush()
    audit.record(session, entity="evidence", entity_id=evidence.id or 0, action="evidence.submitted", actor=actor,
                 at=now, after={"hazard_id": hazard.id, "photo_ids": data.photo_ids, "note": data.note})
    outbox.add(session, event_type="evidence.submitted", dedup_key=f"evidence.submitted:{evidence.id}",
               recipient=f"department:{hazard.department_id}", payload={"hazard_id": hazard.id,
                                                                        "evidence_id": evidence.id}, now=now)
    return evidence


def latest_evidence(session: Session, hazard_id: int) -> Evidence | None:
    return session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)
                        .order_by(col(Evidence.id).desc())).first()


def evidence_of(session: Session, hazard_id: int) -> list[Evidence]:
    return list(session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id).order_by(col(Evidence.id))).all())


def pending_extensions(session: Session, *, actor: Actor, department_id: int | None = None
                       ) -> list[tuple[Extension, Hazard]]:
    """Extension requests awaiting a decision, oldest first, on the hazards the actor may see; an inspector's
    app asks for its own department's (the department that decides them)."""
    query = (select(Extension, Hazard).join(Hazard, col(Hazard.id) == Extension.hazard_id)
             .where(Extension.status == "pending", *scope(actor)))
    if department_id is not None:
        query = query.where(Hazard.department_id == department_id)
    return [(extension, hazard) for extension, hazard in
            session.exec(query.order_by(col(Extension.requested_at), col(Extension.id))).all()]


def extensions_of(session: Session, hazard_id: int) -> list[Extension]:
    return list(session.exec(select(Extension).where(Extension.hazard_id == hazard_id)
                             .order_by(col(Extension.id))).all())


# --- review -------------------------------------------------------------------------------------------------

def accept(session: Session, hazard_id: int, *, note: str, actor: Actor, now: datetime) -> Hazard:
    hazard = get_visible(session, hazard_id, actor)
    ensure_reviewer(actor, hazard)
    if hazard.level == HazardLevel.MAJOR:
        raise Conflict("重大事故隐患须经现场复查后销号 / a major hazard closes only after an on-site re-inspection",
                       code="reinspection_required")
    _close(session, hazard, note=note, actor=actor, now=now)
    return hazard


def _close(session: Session, hazard: Hazard, *, note: str, actor: Actor, now: datetime) -> None:
    states.apply(session, hazard, states.Move.ACCEPT, actor=actor, at=now, reason=note)
    _mark_evidence(session, hazard, accepted=True, reason=note, actor=actor, now=now)
    leniency.recommend(session, hazard, now=now)
    outbox.add(session, event_type="hazard.closed", dedup_key=f"hazard.closed:{hazard.id}:{now.isoformat()}",
               recipient=f"enterprise:{hazard.enterprise_id}", payload={"hazard_id": hazard.id}, now=now)


def reject(session: Session, hazard_id: int, *, reason: str, new_due_date: date | None, actor: Actor,
           now: datetime) -> Hazard:
    hazard = get_visible(session, hazard_id, actor)
    ensure_reviewer(actor, hazard)
    _reopen(session, hazard, reason=reason, new_due_date=new_due_date, actor=actor, now=now)
    return hazard


def _reopen(session: Session, hazard: Hazard, *, reason: str, new_due_date: date | None, actor: Actor,
            now: datetime) -> None:
    extra = {}
    if new_due_date is not None:
        due = end_of_local_day(new_due_date)
        if due <= now:
            raise InvalidInput("新的整改期限须晚于今天 / the new deadline must be in the future", code="deadline_past")
        hazard.due_at = due
        extra["due_at"] = due.isoformat()
    states.apply(session, hazard, states.Move.REJECT, actor=actor, at=now, reason=reason, extra=extra)
    _mark_evidence(session, hazard, accepted=False, reason=reason, actor=actor, now=now)
    outbox.add(session, event_type="evidence.rejected", dedup_key=f"evidence.rejected:{hazard.id}:{now.isoformat()}",
               recipient=f"enterprise:{hazard.enterprise_id}",
               payload={"hazard_id": hazard.id, "reason": reason, "due_at": hazard.due_at.isoformat()}, now=now)


def _mark_evidence(session: Session, hazard: Hazard, *, accepted: bool, reason: str, actor: Actor,
                   now: datetime) -> None:
    evidence = latest_evidence(session, hazard.id or 0)
    if evidence is None or evidence.accepted is not None:
        return
    evidence.accepted, evidence.review_reason = accepted, reason
    evidence.reviewed_by, evidence.reviewed_at = actor.user_id, now
    session.add(evidence)
    audit.record(session, entity="evidence", entity_id=evidence.id or 0,
                 action="evidence.accepted" if accepted else "evidence.rejected", actor=actor, at=now,
                 after={"hazard_id": hazard.id, "accepted": accepted}, reason=reason)


def set_deadline(session: Session, hazard_id: int, data: DeadlineIn, *, actor: Actor, now: datetime) -> Hazard:
    """The office sets a major hazard's deadline together with its rectification plan."""
    hazard = get_visible(session, hazard_id, actor)
    require_role(actor, Role.OFFICE, Role.ADMIN, action="set major-hazard deadlines")
    if hazard.level != HazardLevel.MAJOR:
        raise Conflict("仅重大事故隐患由安委办定期限 / only major hazards get an office deadline",
                       code="not_major")
    if hazard.status == HazardStatus.CLOSED:
        raise Conflict("隐患已销号 / hazard is closed", code="hazard_closed")
    due = end_of_local_day(data.due_date)
    if due <= now:
        raise InvalidInput("期限须晚于今天 / the deadline must be in the future", code="deadline_past")
    before = hazard.due_at
    hazard.due_at, hazard.deadline_set_by_office = due, True
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.deadline_set", actor=actor, at=now,
                 before={"due_at": before}, after={"due_at": due}, reason=data.note)
    return hazard


# --- extensions (延期申请) -------------------------------------------------------------------------------------

def request_extension(session: Session, hazard_id: int, data: ExtensionIn, *, actor: Actor,
                      now: datetime) -> Extension:
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    if hazard.status == HazardStatus.CLOSED:
        raise Conflict("隐患已销号 / hazard is closed", code="hazard_closed")
    if now > hazard.due_at:
        raise Conflict("已超过整改期限，不能申请延期 / extensions must be requested before the deadline",
                       code="deadline_passed")
    if end_of_local_day(data.requested_due_date) <= hazard.due_at:
        raise InvalidInput("申请的期限须晚于原期限 / the requested date must be after the current deadline",
                           code="not_later")
    if hazard.level == HazardLevel.MAJOR and (not data.plan_photo_ids or not data.interim_measures.strip()):
        raise InvalidInput("重大事故隐患延期须上传治理方案并说明临时安全措施 / a major hazard needs a plan and "
                           "interim safety measures to be extended", code="plan_required")
    pending = session.exec(select(exists().where(Extension.hazard_id == hazard.id,
                                                 Extension.status == "pending"))).one()
    if pending:
        raise Conflict("已有待审批的延期申请 / an extension request is already pending", code="extension_pending")
    _check_photos(session, data.plan_photo_ids, actor=actor, enterprise_id=hazard.enterprise_id)
    extension = Extension(hazard_id=hazard.id or 0, requested_by=actor.user_id, reason=data.reason,
                          requested_due_date=data.requested_due_date, plan_photo_ids=data.plan_photo_ids,
                          interim_measures=data.interim_measures, requested_at=now)
    session.add(extension)
    session.flush()
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.extension_requested",
                 actor=actor, at=now, after={"extension_id": extension.id,
                                             "requested_due_date": data.requested_due_date}, reason=data.reason)
    outbox.add(session, event_type="extension.requested", dedup_key=f"extension.requested:{extension.id}",
               recipient=f"department:{hazard.department_id}", payload={"extension_id": extension.id}, now=now)
    return extension


def decide_extension(session: Session, extension_id: int, data: ExtensionDecisionIn, *, approve: bool,
                     actor: Actor, now: datetime) -> Extension:
    extension = session.get(Extension, extension_id)
    if extension is None:
        raise NotFound("延期申请不存在 / extension not found")
    hazard = get_visible(session, extension.hazard_id, actor)
    ensure_reviewer(actor, hazard)
    if extension.status != "pending":
        raise Conflict(f"该申请已{extension.status} / already decided", code="already_decided")
    extension.status = "approved" if approve else "refused"
    extension.decided_by, extension.decided_at, extension.decision_note = actor.user_id, now, data.note
    if approve:
        new_due = end_of_local_day(data.due_date or extension.requested_due_date)
        extension.previous_due_at, extension.new_due_at = hazard.due_at, new_due
        hazard.due_at = new_due
        session.add(hazard)
    session.add(extension)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0,
                 action="hazard.extension_approved" if approve else "hazard.extension_refused", actor=actor, at=now,
                 before={"due_at": extension.previous_due_at} if approve else None,
                 after={"due_at": hazard.due_at, "extension_id": extension.id}, reason=data.note)
    outbox.add(session, event_type="extension.decided", dedup_key=f"extension.decided:{extension.id}",
               recipient=f"enterprise:{hazard.enterprise_id}",
               payload={"extension_id": extension.id, "status": extension.status}, now=now)
    return extension


# --- re-inspection (复查) --------------------------------------------------------------------------------------

def reinspect(session: Session, order_id: int, data: ReinspectionIn, *, actor: Actor,
              now: datetime) -> RectificationOrder:
    """On-site re-inspection of an order's hazards: each gets its final state, and a 整改复查意见书 is issued.

    已整改 closes the hazard (major hazards close only this way); 未整改 / 整改不合格 reopen it with a new
    deadline. Needs two certified inspectors of the issuing department.
    """
    order = orders.get_visible(session, order_id, actor)
    if not (actor.is_certified_inspector and actor.department_id == order.department_id):
        raise NotPermitted("复查须由发出指令部门的持证执法人员进行 / re-inspection needs certified inspectors of the "
                           "issuing department", code="not_reviewer")
    partner = session.get(User, data.co_inspector_id)
    if partner is None or partner.id == actor.user_id or partner.department_id != order.department_id or \
            not partner.cert_no:
        raise InvalidInput("须另一名同部门持证执法人员 / a second certified inspector of the department is needed",
                           code="two_certified_inspectors_required")
    in_order = {h.id: h for h in orders.hazards_of(session, order_id)}
    problems = [{"hazard_id": i.hazard_id, "problem": "not_in_order"}
                for i in data.items if i.hazard_id not in in_order]
    problems += [{"hazard_id": i.hazard_id, "problem": "already_closed"} for i in data.items
                 if i.hazard_id in in_order and in_order[i.hazard_id].status == HazardStatus.CLOSED]
    if problems:
        raise InvalidInput("复查项目有误 / invalid re-inspection items", code="invalid_reinspection", details=problems)
    outcomes: dict[str, dict[str, object]] = {}
    for item in data.items:
        hazard = in_order[item.hazard_id]
        next_step = "write_off" if item.outcome == "rectified" else ("extend" if item.new_due_date else "penalty")
        outcomes[str(hazard.id)] = {"state": item.outcome, "next_step": next_step, "note": item.note,
                                    "photo_ids": item.photo_ids}
        if item.outcome == "rectified":
            if hazard.status == HazardStatus.OPEN:
                states.apply(session, hazard, states.Move.SUBMIT, actor=actor, at=now, reason="现场复查确认已整改")
            if item.photo_ids:
                hazard.after_photo_ids = item.photo_ids
            _close(session, hazard, note=item.note or "现场复查：已整改", actor=actor, now=now)
        elif hazard.status == HazardStatus.SUBMITTED:
            _reopen(session, hazard, reason=item.note or "现场复查：未整改到位", new_due_date=item.new_due_date,
                    actor=actor, now=now)
        elif item.new_due_date is not None:
            before = hazard.due_at
            hazard.due_at = end_of_local_day(item.new_due_date)
            audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.reinspected_open",
                         actor=actor, at=now, before={"due_at": before}, after={"due_at": hazard.due_at},
                         reason=item.note)
        session.add(hazard)
        tasks.complete_reinspection(session, hazard.id or 0, now=now, note=f"现场复查：{item.outcome}")
    department = session.get(Department, order.department_id)
    assert department is not None
    document = orders.issue(session, department=department, enterprise_id=order.enterprise_id,
                            hazards=[in_order[i.hazard_id] for i in data.items],
                            inspector_ids=[actor.user_id, partner.id or 0], now=now, visit_id=order.visit_id,
                            doc_code=orders.REINSPECTION, based_on=order.id)
    document.outcomes = outcomes
    session.add(document)
    audit.record(session, entity="order", entity_id=document.id or 0, action="order.reinspection_issued", actor=actor,
                 at=now, after={"number": document.number, "based_on": order.number, "outcomes": outcomes})
    return document


# --- 首违免罚 ---------------------------------------------------------------------------------------------------

def penalty_decision(session: Session, hazard_id: int, *, actor: Actor) -> PenaltyDecision:
    hazard = get_visible(session, hazard_id, actor)
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    if decision is None:
        raise NotFound("暂无免罚建议（隐患未销号）/ no recommendation yet", code="no_recommendation")
    return decision


def decide_penalty(session: Session, hazard_id: int, *, confirm: bool, note: str, actor: Actor,
                   now: datetime) -> PenaltyDecision:
    hazard = get_visible(session, hazard_id, actor)
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="decide on penalties")
    ensure_reviewer(actor, hazard)
    return leniency.decide(session, hazard, confirm=confirm, note=note, actor=actor, now=now)


def overdue(hazard: Hazard, now: datetime) -> bool:
    return states.is_overdue(hazard, now)


def days_left(hazard: Hazard, now: datetime) -> int:
    return deadlines.days_left(hazard.due_at, now)
