"""Evidence and review: the enterprise's plan and after-photos, the reviewer's accept or reject, re-inspection.

Services flush, never commit; the route or job that calls them owns the transaction. Status changes go
through ``hazards.loop.states`` only.
"""

from datetime import date, datetime

from sqlmodel import Session, col, select

from hazards.loop import forgery, majors, orders, states
from hazards.loop.service import check_deadline_day, ensure_owner, ensure_reviewer, get_visible
from hazards.models import Evidence, Hazard, RectificationOrder
from hazards.notify import outbox
from hazards.rules import leniency
from inspection import audit
from inspection.clock import end_of_local_day
from inspection.errors import Conflict, InvalidInput, NotPermitted
from inspection.identity.access import Actor
from inspection.models import Department, Photo, User
from inspection.planning import tasks
from schemas.enums import HazardLevel, HazardStatus, Role
from schemas.hazards import EvidenceIn, PlanIn, ReinspectionIn


def check_photos(session: Session, ids: list[int], *, actor: Actor, enterprise_id: int,
                 hazard_id: int | None = None) -> None:
    """The enterprise's own photos only: uploaded by this enterprise's users for this enterprise, never an
    inspector's photo (a before-photo is no proof of a repair), and, as rectification evidence (``hazard_id``),
    never a photo already given as evidence for another hazard."""
    if not ids:
        return
    photos = {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(ids))).all()}
    uploaders = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({p.uploaded_by for p in photos.values()}))).all()}

    def enterprises(photo: Photo) -> bool:
        uploader = uploaders.get(photo.uploaded_by)
        return (uploader is not None and uploader.role == Role.ENTERPRISE and uploader.enterprise_id == enterprise_id
                and photo.enterprise_id in (None, enterprise_id))

    bad = [pid for pid in ids if pid not in photos or not enterprises(photos[pid])
           or photos[pid].purpose is not None]  # a signature capture is never evidence
    if bad:
        raise InvalidInput("照片不存在或不是本企业上传的照片 / unknown photos, or not uploaded by this enterprise",
                           code="unknown_photo", details={"photo_ids": bad})
    if hazard_id is not None and (used := _used_for_other_hazards(session, set(ids), hazard_id, enterprise_id)):
        raise InvalidInput("照片已作为其他隐患的整改证据，不能重复使用 / photos already given as evidence for "
                           "another hazard", code="photo_reused", details=used)
    for pid in ids:
        photos[pid].enterprise_id = enterprise_id
        session.add(photos[pid])


def _used_for_other_hazards(session: Session, ids: set[int], hazard_id: int, enterprise_id: int
                            ) -> dict[str, list[int]]:
    rows = session.exec(select(Evidence.hazard_id, Evidence.photo_ids).join(Hazard, col(Hazard.id) ==
                                                                            Evidence.hazard_id)
                        .where(Hazard.enterprise_id == enterprise_id, Evidence.hazard_id != hazard_id)).all()
    used = {pid: other for other, photo_ids in rows for pid in photo_ids if pid in ids}
    return {"photo_ids": sorted(used), "hazard_ids": sorted(set(used.values()))} if used else {}



def upload_plan(session: Session, hazard_id: int, data: PlanIn, *, actor: Actor, now: datetime) -> Hazard:
    """治理方案 for a major hazard (before or together with the evidence)."""
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    if not hazard.plan_required:
        raise Conflict("该隐患无需治理方案 / no plan is required for this hazard", code="plan_not_required")
    _check_plan_open(hazard)
    check_photos(session, data.plan_photo_ids, actor=actor, enterprise_id=hazard.enterprise_id)
    hazard.plan_photo_ids = data.plan_photo_ids
    hazard.plan_uploaded_at = now
    hazard.plan_status = majors.PLAN_SUBMITTED  # awaits the department's review (approve or return)
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.plan_uploaded", actor=actor,
                 at=now, after={"plan_photo_ids": data.plan_photo_ids}, reason=data.note)
    outbox.add(session, event_type="plan.uploaded", dedup_key=f"plan.uploaded:{hazard.id}:{now.isoformat()}",
               recipient=f"department:{hazard.department_id}", payload={"hazard_id": hazard.id}, now=now)
    return hazard



def _check_plan_open(hazard: Hazard) -> None:
    if hazard.plan_status == majors.PLAN_APPROVED:
        raise Conflict("治理方案已审查同意，不能更换 / the plan was approved and cannot be replaced",
                       code="plan_already_approved")


def submit_evidence(session: Session, hazard_id: int, data: EvidenceIn, *, actor: Actor, now: datetime) -> Evidence:
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    check_photos(session, [*data.photo_ids, *data.plan_photo_ids], actor=actor, enterprise_id=hazard.enterprise_id,
                 hazard_id=hazard.id)
    if data.plan_photo_ids and hazard.plan_photo_ids != data.plan_photo_ids:
        _check_plan_open(hazard)
        hazard.plan_photo_ids, hazard.plan_uploaded_at = data.plan_photo_ids, now
        hazard.plan_status = majors.PLAN_SUBMITTED
    if hazard.plan_required and not hazard.plan_photo_ids:
        raise InvalidInput("重大事故隐患须上传治理方案 / a major hazard needs its rectification plan",
                           code="plan_required")
    flags = forgery.screen(session, hazard, data.photo_ids, now=now)
    states.apply(session, hazard, states.Move.SUBMIT, actor=actor, at=now, reason=data.note)
    hazard.after_photo_ids = data.photo_ids
    session.add(hazard)
    evidence = Evidence(hazard_id=hazard.id or 0, submitted_by=actor.user_id, note=data.note,
                        photo_ids=data.photo_ids, plan_photo_ids=data.plan_photo_ids, submitted_at=now, flags=flags)
    session.add(evidence)
    session.flush()
    audit.record(session, entity="evidence", entity_id=evidence.id or 0, action="evidence.submitted", actor=actor,
                 at=now, after={"hazard_id": hazard.id, "photo_ids": data.photo_ids, "note": data.note,
                        "flags": [f["kind"] for f in flags]})
    outbox.add(session, event_type="evidence.submitted", dedup_key=f"evidence.submitted:{evidence.id}",
               recipient=f"department:{hazard.department_id}", payload={"hazard_id": hazard.id,
                                                                        "evidence_id": evidence.id}, now=now)
    return evidence



def latest_evidence(session: Session, hazard_id: int) -> Evidence | None:
    return session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)
                        .order_by(col(Evidence.id).desc())).first()



def evidence_of(session: Session, hazard_id: int) -> list[Evidence]:
    return list(session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id).order_by(col(Evidence.id))).all())



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
        check_deadline_day(session, hazard, new_due_date)
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
    problems = [{"hazard_id": i.hazard_id, "problem": "not_in_order", "message": "该隐患不在原指令书中"}
                for i in data.items if i.hazard_id not in in_order]
    problems += [{"hazard_id": i.hazard_id, **({"problem": "voided", "message": "该隐患已作废"}
                                               if in_order[i.hazard_id].status == HazardStatus.VOIDED
                                               else {"problem": "already_closed", "message": "该隐患已销号"})}
                 for i in data.items if i.hazard_id in in_order and in_order[i.hazard_id].status not in states.ACTIVE]
    problems += [{"hazard_id": i.hazard_id, "problem": "plan_not_approved",
                  "message": "重大事故隐患的治理方案未经审查同意，不能核销"}
                 for i in data.items if i.hazard_id in in_order and i.outcome == "rectified"
                 and in_order[i.hazard_id].plan_required and in_order[i.hazard_id].plan_status != majors.PLAN_APPROVED]
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
            check_deadline_day(session, hazard, item.new_due_date)
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
    session.flush()
    majors.decide_resumption(session, document, {i.hazard_id: in_order[i.hazard_id] for i in data.items},
                             data.resume_production, data.resumption_note, actor=actor, now=now)
    audit.record(session, entity="order", entity_id=document.id or 0, action="order.reinspection_issued", actor=actor,
                 at=now, after={"number": document.number, "based_on": order.number, "outcomes": outcomes,
                                "resumption": document.resumption})
    return document

