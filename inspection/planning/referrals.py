"""Referrals (移送): a finding on an item another department enforces goes to that department as a task.

A department's visit (alone or joint) and a grid worker's check (网格员, advisory only) may find a matter that is
not theirs to order: the item catalogue names the enforcing departments. ``refer`` records the finding as a
``Referral`` and plans a REFERRAL task for the receiving department (unannounced, awaiting its inspectors); the
task then goes through the planner and the 综合查一次 merge like any other.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, InspectionTask, Referral
from inspection.planning import tasks
from schemas.enums import Role
from schemas.tasks import OPEN_TASK_STATUSES, ReferralOrigin, ReferralStatus, TaskSource, TaskStatus

# The receiving department's window to look at a referred finding: a planning choice of this product, not a
# statutory period (no article sets one for 移送 between inspecting departments).
WINDOW_DAYS = 15


def refer(session: Session, *, actor: Actor | None, enterprise_id: int, item_code: str, kind: str,
          to_department_id: int, origin: ReferralOrigin, now: datetime, visit_id: int | None = None,
          result_id: int | None = None, plant_site_id: int | None = None, note: str = "",
          photo_ids: list[int] | None = None, from_department_id: int | None = None) -> Referral:
    """Refer one finding to ``to_department_id`` and plan its task; the caller owns the transaction. The referring
    department is the actor's (none for a grid worker) unless ``from_department_id`` names the one that found it."""
    if session.get(Enterprise, enterprise_id) is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    if session.get(Department, to_department_id) is None:
        raise InvalidInput("接收部门不存在 / unknown receiving department", code="unknown_department")
    from_department = from_department_id or (
        actor.department_id if actor is not None and origin != ReferralOrigin.GRID_CHECK else None)
    referral = Referral(
        enterprise_id=enterprise_id, plant_site_id=plant_site_id, item_code=item_code, kind=kind,
        to_department_id=to_department_id, from_department_id=from_department, origin=origin, visit_id=visit_id,
        result_id=result_id, note=note, photo_ids=list(photo_ids or []),
        referred_by=actor.user_id if actor is not None else None, created_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    today = local_date(now)
    origin_key = f"referral:{referral.id}"
    tasks.add(session, origin_key=origin_key, department_id=to_department_id, enterprise_id=enterprise_id,
              kinds=[kind], window_start=today, window_end=today + timedelta(days=WINDOW_DAYS),
              source=TaskSource.REFERRAL, now=now, announced=False, status=TaskStatus.UNASSIGNED,
              note=f"移送：{item_code}" + (f"（{note}）" if note else ""))
    task = session.exec(select(InspectionTask).where(InspectionTask.origin_key == origin_key)).one()
    referral.task_id = task.id
    session.add(referral)
    session.flush()
    audit.record(session, entity="referral", entity_id=referral.id or 0, action="referral.create", actor=actor,
                 at=now, after=audit.snapshot(referral))
    return referral


def task_of(session: Session, referral: Referral) -> InspectionTask | None:
    return session.get(InspectionTask, referral.task_id) if referral.task_id else None


# --- the receiving department's side -------------------------------------------------------------------------

OPEN_REFERRALS = (ReferralStatus.OPEN, ReferralStatus.ACCEPTED)


def listing(session: Session, *, actor: Actor, direction: str = "received", status: ReferralStatus | None = None,
            department_id: int | None = None, limit: int = 100, offset: int = 0) -> list[Referral]:
    """Referrals a department received (``direction="received"``) or sent (``"sent"``), newest first. An
    inspector sees their own department's; the office any department's (``department_id``), or all."""
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="see referrals")
    department = actor.department_id if actor.role == Role.INSPECTOR else department_id
    query = select(Referral)
    if department is not None:
        column = Referral.to_department_id if direction == "received" else Referral.from_department_id
        query = query.where(column == department)
    if status is not None:
        query = query.where(Referral.status == status)
    return list(session.exec(query.order_by(col(Referral.id).desc()).limit(limit).offset(offset)).all())


def get_visible(session: Session, referral_id: int, actor: Actor) -> Referral:
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="see referrals")
    referral = session.get(Referral, referral_id)
    if referral is None or (actor.role == Role.INSPECTOR and actor.department_id not in (
            referral.to_department_id, referral.from_department_id)):
        raise NotFound("移送记录不存在 / referral not found")
    return referral


def _receiving(session: Session, referral_id: int, actor: Actor) -> Referral:
    referral = get_visible(session, referral_id, actor)
    if actor.role == Role.INSPECTOR and actor.department_id != referral.to_department_id:
        raise NotPermitted("只有接收部门可以处理移送 / only the receiving department decides on a referral",
                           code="not_your_department")
    if referral.status not in OPEN_REFERRALS:
        raise Conflict(f"移送已{referral.status.value} / the referral is {referral.status.value}",
                       code="referral_closed")
    return referral


def accept(session: Session, referral_id: int, *, actor: Actor, now: datetime, note: str = "") -> Referral:
    """The receiving department takes the referred matter on; its task stays for the planner. Audited."""
    referral = _receiving(session, referral_id, actor)
    if referral.status == ReferralStatus.ACCEPTED:
        return referral
    before = referral.status
    referral.status, referral.status_reason, referral.updated_at = ReferralStatus.ACCEPTED, note.strip(), now
    session.add(referral)
    session.flush()
    audit.record(session, entity="referral", entity_id=referral.id or 0, action="referral.accept", actor=actor,
                 at=now, before={"status": before}, after={"status": referral.status}, reason=note.strip())
    return referral


def decline(session: Session, referral_id: int, reason: str, *, actor: Actor, now: datetime) -> Referral:
    """The receiving department finds the matter not its own, with the reason; its open task is cancelled.
    Audited."""
    referral = _receiving(session, referral_id, actor)
    if not reason.strip():
        raise InvalidInput("请说明不予接收的理由 / give the reason", code="reason_required")
    before = referral.status
    referral.status, referral.status_reason, referral.updated_at = ReferralStatus.DECLINED, reason.strip(), now
    session.add(referral)
    task = task_of(session, referral)
    if task is not None and task.status in OPEN_TASK_STATUSES:
        task.status, task.status_reason, task.updated_at = TaskStatus.CANCELLED, f"移送不予接收：{reason.strip()}", now
        session.add(task)
    session.flush()
    audit.record(session, entity="referral", entity_id=referral.id or 0, action="referral.decline", actor=actor,
                 at=now, before={"status": before}, after={"status": referral.status}, reason=reason.strip())
    return referral


def sync_done(session: Session, *, now: datetime) -> int:
    """Referrals whose task is done (its visit, or the receiving department's part of it, was submitted) are
    done. Returns how many. Audited."""
    rows = session.exec(select(Referral).join(InspectionTask, col(InspectionTask.id) == Referral.task_id).where(
        col(Referral.status).in_(OPEN_REFERRALS), InspectionTask.status == TaskStatus.DONE)).all()
    for referral in rows:
        before = referral.status
        referral.status, referral.updated_at = ReferralStatus.DONE, now
        session.add(referral)
        session.flush()
        audit.record(session, entity="referral", entity_id=referral.id or 0, action="referral.done", actor=None,
                     at=now, before={"status": before}, after={"status": referral.status, "task_id": referral.task_id})
    return len(rows)
