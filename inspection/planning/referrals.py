"""Referrals (移送): a finding on an item another department enforces goes to that department as a task.

A department's visit (alone or joint) and a grid worker's check (网格员, advisory only) may find a matter that is
not theirs to order: the item catalogue names the enforcing departments. ``refer`` records the finding as a
``Referral`` and plans a REFERRAL task for the receiving department (unannounced, awaiting its inspectors); the
task then goes through the planner and the 综合查一次 merge like any other.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from inspection import audit
from inspection.clock import local_date
from inspection.errors import InvalidInput
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise, InspectionTask, Referral
from inspection.planning import tasks
from schemas.tasks import ReferralOrigin, TaskSource, TaskStatus

# The receiving department's window to look at a referred finding: a planning choice of this product, not a
# statutory period (no article sets one for 移送 between inspecting departments).
WINDOW_DAYS = 15


def refer(session: Session, *, actor: Actor | None, enterprise_id: int, item_code: str, kind: str,
          to_department_id: int, origin: ReferralOrigin, now: datetime, visit_id: int | None = None,
          result_id: int | None = None, plant_site_id: int | None = None, note: str = "",
          photo_ids: list[int] | None = None) -> Referral:
    """Refer one finding to ``to_department_id`` and plan its task; the caller owns the transaction."""
    if session.get(Enterprise, enterprise_id) is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    if session.get(Department, to_department_id) is None:
        raise InvalidInput("接收部门不存在 / unknown receiving department", code="unknown_department")
    from_department = actor.department_id if actor is not None and origin != ReferralOrigin.GRID_CHECK else None
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
