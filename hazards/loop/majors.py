"""Major hazards (重大事故隐患) by the law (REFERENCE §D.1, §G.4): never closed on the spot; withdrawal, suspension or
stopped equipment by a 现场处理措施决定书 of its own; the enterprise's 治理方案 approved or returned by the department;
挂牌督办 by the office; closed by re-inspection only, whose 复查意见书 records the 恢复生产 decision.

Services flush, never commit; the route that calls them owns the transaction. Every write is audited.
"""

from datetime import date, datetime

from sqlmodel import Session, col, select

from hazards.loop import orders
from hazards.loop.service import ensure_reviewer, get_visible
from hazards.models import Hazard, OnSiteDecision, RectificationOrder
from hazards.notify import outbox
from hazards.rules import instruments
from inspection import audit
from inspection.clock import local, local_date
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.identity.access import Actor, require_role
from inspection.models import Department, User
from schemas.enums import HazardLevel, HazardStatus, Role

ACTIVE = (HazardStatus.OPEN, HazardStatus.SUBMITTED)
PLAN_SUBMITTED, PLAN_APPROVED, PLAN_RETURNED = "submitted", "approved", "returned"


def _second_inspector(session: Session, actor: Actor, co_inspector_id: int, department_id: int) -> User:
    if not (actor.is_certified_inspector and actor.department_id == department_id):
        raise NotPermitted("须由该隐患所属部门的持证执法人员作出 / certified inspectors of the hazard's "
                           "department only",
                           code="not_reviewer")
    partner = session.get(User, co_inspector_id)
    if partner is None or partner.id == actor.user_id or partner.department_id != department_id or \
            not partner.cert_no:
        raise InvalidInput("须另一名同部门持证执法人员 / a second certified inspector of the department is needed",
                           code="two_certified_inspectors_required")
    return partner


# --- 现场处理措施决定书 ----------------------------------------------------------------------------------------

def issue_measures(session: Session, hazard_ids: list[int], measures: list[str], *, co_inspector_id: int,
                   note: str, actor: Actor, now: datetime) -> OnSiteDecision:
    """Withdrawal, suspension or stopped equipment for major hazards of one enterprise and department: a
    现场处理措施决定书 numbered in the orders' sequence (doc code from the instrument's data)."""
    labels = instruments.measure_labels()
    unknown = sorted(set(measures) - set(labels))
    if not measures or unknown:
        raise InvalidInput(f"处理措施须为 {'/'.join(labels)} / measures must be among {', '.join(labels)}",
                           code="unknown_measure", details={"unknown": unknown})
    hazards = [get_visible(session, hazard_id, actor) for hazard_id in dict.fromkeys(hazard_ids)]
    if not hazards:
        raise InvalidInput("须指定隐患 / name the hazards", code="no_hazards")
    problems = [{"hazard_id": h.id, "problem": "not_major", "message": "仅重大事故隐患可作出现场处理措施决定"}
                for h in hazards if h.level != HazardLevel.MAJOR]
    problems += [{"hazard_id": h.id, "problem": "not_active", "message": "隐患已销号或作废"}
                 for h in hazards if h.status not in ACTIVE]
    if len({(h.enterprise_id, h.department_id) for h in hazards}) > 1:
        problems.append({"problem": "mixed", "message": "一份决定书只涉及一个单位、一个部门的隐患"})
    if problems:
        raise InvalidInput("现场处理措施决定有误 / invalid on-site measures", code="invalid_measures",
                           details=problems)
    first = hazards[0]
    partner = _second_inspector(session, actor, co_inspector_id, first.department_id)
    department = session.get(Department, first.department_id)
    assert department is not None and department.id is not None
    instrument = instruments.onsite_measures()
    if department.code not in instrument.extra.get("departments", []):
        raise InvalidInput(f"{instrument.title}不是本部门的执法文书 / this department does not issue the instrument",
                           code="instrument_not_for_department", details={"department": department.code})
    year = local(now).year
    serial = orders.next_serial(session, department.id, instrument.doc_code, year)
    decision = OnSiteDecision(
        number=orders.format_number(department, instrument.doc_code, year, serial), department_id=department.id,
        enterprise_id=first.enterprise_id, visit_id=first.visit_id, year=year, serial=serial, issued_at=now,
        inspector_ids=[actor.user_id, partner.id or 0], hazard_ids=[h.id or 0 for h in hazards],
        measures=list(dict.fromkeys(measures)), note=note,
        production_stopped=instruments.stops_production(measures))
    session.add(decision)
    session.flush()
    audit.record(session, entity="onsite_decision", entity_id=decision.id or 0, action="onsite_decision.issued",
                 actor=actor, at=now, after={"number": decision.number, "hazard_ids": decision.hazard_ids,
                                             "measures": decision.measures}, reason=note)
    for hazard in hazards:
        audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.onsite_measures",
                     actor=actor, at=now, after={"decision": decision.number, "measures": decision.measures})
    outbox.add(session, event_type="onsite_decision.issued", dedup_key=f"onsite_decision.issued:{decision.id}",
               recipient=f"enterprise:{decision.enterprise_id}", now=now,
               payload={"decision_id": decision.id, "number": decision.number})
    return decision


def get_decision(session: Session, decision_id: int, actor: Actor) -> OnSiteDecision:
    decision = session.get(OnSiteDecision, decision_id)
    if decision is None or (actor.role == Role.ENTERPRISE and decision.enterprise_id != actor.enterprise_id):
        raise NotFound("现场处理措施决定书不存在 / on-site decision not found")
    return decision


def decisions_of(session: Session, hazard_id: int) -> list[OnSiteDecision]:
    rows = session.exec(select(OnSiteDecision).where(
        OnSiteDecision.enterprise_id == select(Hazard.enterprise_id).where(Hazard.id == hazard_id)
        .scalar_subquery()).order_by(col(OnSiteDecision.id))).all()
    return [d for d in rows if hazard_id in d.hazard_ids]


def stopped_decisions(session: Session, enterprise_id: int, hazard_ids: set[int]) -> list[OnSiteDecision]:
    """Decisions that stopped production or equipment for any of ``hazard_ids`` and were not yet lifted."""
    rows = session.exec(select(OnSiteDecision).where(
        OnSiteDecision.enterprise_id == enterprise_id, col(OnSiteDecision.production_stopped).is_(True),
        col(OnSiteDecision.resumed_at).is_(None)).order_by(col(OnSiteDecision.id))).all()
    return [d for d in rows if hazard_ids & set(d.hazard_ids)]


def decide_resumption(session: Session, record: RectificationOrder, hazards: dict[int, Hazard],
                      resume: bool | None, note: str, *, actor: Actor, now: datetime) -> None:
    """The 恢复生产 decision of a 复查意见书 (``record``) where production had stopped for its hazards: required;
    approval only when every hazard of the decision is closed. Recorded on the record and the decision."""
    stopped = stopped_decisions(session, record.enterprise_id, set(hazards))
    if not stopped:
        if resume is not None:
            raise InvalidInput("本次复查的隐患未责令停产停业或停止使用，无需作出恢复生产决定 / nothing was stopped",
                               code="nothing_stopped")
        return
    if resume is None:
        raise InvalidInput("该单位已责令停产停业或停止使用，复查须作出是否同意恢复生产的决定 / the re-inspection must "
                           "decide on resuming production", code="resumption_decision_required",
                           details={"decisions": [d.number for d in stopped]})
    if resume:
        def done(hazard_id: int) -> bool:
            hazard = hazards.get(hazard_id) or session.get(Hazard, hazard_id)
            return hazard is None or hazard.status in (HazardStatus.CLOSED, HazardStatus.VOIDED)

        open_ids = sorted({hid for d in stopped for hid in d.hazard_ids if not done(hid)})
        if open_ids:
            raise InvalidInput("重大事故隐患未全部整改销号，不能同意恢复生产 / production resumes only when every "
                               "hazard of the decision is rectified", code="not_all_rectified",
                               details={"hazard_ids": open_ids})
    record.resumption = {"approved": bool(resume), "note": note, "decisions": [d.number for d in stopped],
                         "decision_ids": [d.id for d in stopped]}
    session.add(record)
    for decision in stopped if resume else []:
        decision.resumed_at, decision.resumption_record_id = now, record.id
        session.add(decision)
    for decision in stopped:
        audit.record(session, entity="onsite_decision", entity_id=decision.id or 0,
                     action="onsite_decision.resumed" if resume else "onsite_decision.resumption_refused",
                     actor=actor, at=now, after={"record": record.number, "approved": bool(resume)}, reason=note)


# --- 治理方案: the department approves or returns it --------------------------------------------------------

def review_plan(session: Session, hazard_id: int, *, approve: bool, note: str, actor: Actor,
                now: datetime) -> Hazard:
    hazard = get_visible(session, hazard_id, actor)
    ensure_reviewer(actor, hazard)
    if not hazard.plan_required:
        raise Conflict("该隐患无需治理方案 / no plan is required for this hazard", code="plan_not_required")
    if hazard.plan_status != PLAN_SUBMITTED:
        raise Conflict("没有待审查的治理方案 / no plan awaits review", code="no_plan_to_review",
                       details={"plan_status": hazard.plan_status})
    if not approve and len(note.strip()) < 2:
        raise InvalidInput("退回治理方案须说明理由 / returning a plan needs the reasons", code="reason_required")
    before = hazard.plan_status
    hazard.plan_status = PLAN_APPROVED if approve else PLAN_RETURNED
    hazard.plan_reviewed_by, hazard.plan_reviewed_at, hazard.plan_review_note = actor.user_id, now, note
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0,
                 action="hazard.plan_approved" if approve else "hazard.plan_returned", actor=actor, at=now,
                 before={"plan_status": before}, after={"plan_status": hazard.plan_status}, reason=note)
    outbox.add(session, event_type="plan.reviewed", dedup_key=f"plan.reviewed:{hazard.id}:{now.isoformat()}",
               recipient=f"enterprise:{hazard.enterprise_id}", now=now,
               payload={"hazard_id": hazard.id, "plan_status": hazard.plan_status, "note": note})
    return hazard


# --- 挂牌督办 ------------------------------------------------------------------------------------------------

def supervise(session: Session, hazard_id: int, *, supervisor: str, due_date: date, note: str, actor: Actor,
              now: datetime) -> Hazard:
    """The office lists a major hazard for supervision (安全生产法 Art.41(3)): who supervises, by when."""
    require_role(actor, Role.OFFICE, Role.ADMIN, action="list a hazard for supervision (挂牌督办)")
    hazard = get_visible(session, hazard_id, actor)
    if hazard.level != HazardLevel.MAJOR:
        raise Conflict("仅重大事故隐患可挂牌督办 / only major hazards are listed for supervision", code="not_major")
    if hazard.status not in ACTIVE:
        raise Conflict("隐患已销号或作废 / the hazard is closed or voided", code="not_active")
    if due_date <= local_date(now):
        raise InvalidInput("督办期限须晚于今天 / the supervision deadline must be in the future", code="deadline_past")
    if not supervisor.strip():
        raise InvalidInput("须填写督办单位或督办人 / name the supervisor", code="supervisor_required")
    before = {"supervised": hazard.supervised, "supervisor": hazard.supervisor,
              "supervision_due": hazard.supervision_due.isoformat() if hazard.supervision_due else None}
    hazard.supervised, hazard.supervisor, hazard.supervision_due = True, supervisor.strip(), due_date
    hazard.supervised_at = hazard.supervised_at or now
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.supervised", actor=actor, at=now,
                 before=before, after={"supervised": True, "supervisor": hazard.supervisor,
                                       "supervision_due": due_date.isoformat()}, reason=note)
    outbox.add(session, event_type="hazard.supervised", dedup_key=f"hazard.supervised:{hazard.id}:{now.isoformat()}",
               recipient=f"enterprise:{hazard.enterprise_id}", now=now,
               payload={"hazard_id": hazard.id, "supervisor": hazard.supervisor,
                        "supervision_due": due_date.isoformat()})
    return hazard
