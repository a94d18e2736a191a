"""Deadlines and extensions (延期申请): the reviewer sets a deadline, the enterprise asks for more time, the
department decides. Services flush, never commit."""

from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from hazards.loop.evidence import check_photos
from hazards.loop.service import check_deadline_day, ensure_owner, ensure_reviewer, get_visible, scope
from hazards.models import Extension, Hazard
from hazards.notify import outbox
from inspection import audit
from inspection.clock import end_of_local_day
from inspection.errors import Conflict, InvalidInput, NotFound
from inspection.identity.access import Actor, require_role
from schemas.enums import HazardLevel, HazardStatus, Role
from schemas.hazards import DeadlineIn, ExtensionDecisionIn, ExtensionIn

_NOT_OPEN = {
    HazardStatus.SUBMITTED: "整改材料正在复核，复核期间不能申请延期 / evidence is under review: no extension meanwhile",
    HazardStatus.CLOSED: "隐患已销号 / hazard is closed",
    HazardStatus.VOIDED: "隐患已作废（检查结果更正） / hazard was voided by a corrected visit",
}


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



def set_deadline(session: Session, hazard_id: int, data: DeadlineIn, *, actor: Actor, now: datetime) -> Hazard:
    """The office sets a major hazard's deadline together with its rectification plan."""
    hazard = get_visible(session, hazard_id, actor)
    require_role(actor, Role.OFFICE, Role.ADMIN, action="set major-hazard deadlines")
    if hazard.level != HazardLevel.MAJOR:
        raise Conflict("仅重大事故隐患由安委办定期限 / only major hazards get an office deadline",
                       code="not_major")
    if hazard.status in (HazardStatus.CLOSED, HazardStatus.VOIDED):
        raise Conflict(_NOT_OPEN[hazard.status], code=f"hazard_{hazard.status.value}")
    check_deadline_day(session, hazard, data.due_date)
    due = end_of_local_day(data.due_date)
    if due <= now:
        raise InvalidInput("期限须晚于今天 / the deadline must be in the future", code="deadline_past")
    before = hazard.due_at
    hazard.due_at, hazard.deadline_set_by_office = due, True
    session.add(hazard)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.deadline_set", actor=actor, at=now,
                 before={"due_at": before}, after={"due_at": due}, reason=data.note)
    return hazard



def request_extension(session: Session, hazard_id: int, data: ExtensionIn, *, actor: Actor,
                      now: datetime) -> Extension:
    hazard = get_visible(session, hazard_id, actor)
    ensure_owner(actor, hazard)
    if hazard.status != HazardStatus.OPEN:  # only while the enterprise is rectifying, not while it is reviewed
        raise Conflict(_NOT_OPEN[hazard.status], code=f"hazard_{hazard.status.value}",
                       details={"status": hazard.status.value})
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
    check_photos(session, data.plan_photo_ids, actor=actor, enterprise_id=hazard.enterprise_id)
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
    if approve:
        if hazard.status != HazardStatus.OPEN:
            raise Conflict(_NOT_OPEN[hazard.status], code=f"hazard_{hazard.status.value}",
                           details={"status": hazard.status.value})
        check_deadline_day(session, hazard, data.due_date or extension.requested_due_date)
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

