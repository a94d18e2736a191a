"""Grid checks: a grid worker checks a venue of their street with the VENUE checklist; every failed item is
referred (``inspection.planning.referrals.refer``) to each department the item catalogue names as enforcing it.

A grid worker has no enforcement power (国办发〔2024〕54号, REFERENCE §D.4): what they find is advice. Nothing here
makes a visit, an order or a hazard, and a grid check is no enforcement visit: the visit budget, the merge
report and the statistics of hazards never see it.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from inspection import audit
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.field import checklists
from inspection.grid.models import GridCheck, GridCheckResult, GridWorker
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise
from inspection.planning import referrals
from schemas.enums import ChecklistKind, ItemResult, Role
from schemas.grid import GridCheckIn
from schemas.tasks import ReferralOrigin

KIND = ChecklistKind.VENUE.value


def grid_of(session: Session, actor: Actor) -> GridWorker:
    """The grid worker's grid; NotPermitted for anyone else or a grid worker without a street."""
    require_role(actor, Role.GRID, action="make grid checks")
    worker = session.exec(select(GridWorker).where(GridWorker.user_id == actor.user_id)).first()
    if worker is None:
        raise NotPermitted("网格员尚未分配网格（街道） / the grid worker has no street yet", code="no_grid")
    return worker


def venue_in_grid(session: Session, enterprise_id: int, worker: GridWorker) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.street != worker.street:
        raise NotFound("本网格内没有该场所 / no such venue in your grid", code="venue_not_in_grid")
    return enterprise


def venues(session: Session, *, actor: Actor, limit: int = 100, offset: int = 0
           ) -> tuple[list[tuple[Enterprise, datetime | None]], int]:
    """The venues of the worker's street, with the time each was last grid-checked."""
    worker = grid_of(session, actor)
    rows = list(session.exec(select(Enterprise).where(Enterprise.street == worker.street)
                             .order_by(col(Enterprise.name), col(Enterprise.id))).all())
    last: dict[int, datetime] = {}
    for enterprise_id, at in session.exec(select(GridCheck.enterprise_id, GridCheck.checked_at).where(
            GridCheck.street == worker.street)).all():
        if enterprise_id not in last or at > last[enterprise_id]:
            last[enterprise_id] = at
    return [(e, last.get(e.id or 0)) for e in rows[offset:offset + limit]], len(rows)


def submit(session: Session, data: GridCheckIn, *, actor: Actor, now: datetime) -> tuple[GridCheck, bool]:
    """Record a check and refer its failed items. (check, created); the same ``client_uuid`` again returns the
    first check (a phone's retry), another worker's key is a conflict."""
    worker = grid_of(session, actor)
    existing = session.exec(select(GridCheck).where(GridCheck.client_uuid == data.client_uuid)).first()
    if existing is not None:
        if existing.checked_by != actor.user_id:
            raise Conflict("该编号已被使用 / client_uuid already used", code="client_uuid_taken")
        return existing, False
    enterprise = venue_in_grid(session, data.enterprise_id, worker)
    checklist = checklists.latest(KIND)
    answers = _checked(checklist, data)
    departments = {d.code: d for d in session.exec(select(Department)).all()}
    check = GridCheck(client_uuid=data.client_uuid, enterprise_id=enterprise.id or 0, street=worker.street, kind=KIND,
                      checklist_version=checklist.version, checked_by=actor.user_id,
                      checked_at=min(data.checked_at or now, now), submitted_at=now, note=data.note)
    session.add(check)
    session.flush()
    referred = 0
    for result in answers:
        item = checklist.item(result.item_code)
        assert item is not None
        row = GridCheckResult(check_id=check.id or 0, item_code=item.code, outcome=result.result, note=result.note)
        if result.result == ItemResult.FAIL:
            for code in checklists.jurisdiction(item).departments:
                department = departments.get(code)
                if department is None:  # a department the district has not set up: nobody to refer to
                    continue
                referral = referrals.refer(
                    session, actor=actor, enterprise_id=enterprise.id or 0, item_code=item.code, kind=KIND,
                    to_department_id=department.id or 0, origin=ReferralOrigin.GRID_CHECK, now=now,
                    note=f"网格员巡查发现：{result.note}"[:2000])
                row.departments.append(code)
                row.referral_ids.append(referral.id or 0)
                referred += 1
        session.add(row)
    session.flush()
    audit.record(session, entity="grid_check", entity_id=check.id or 0, action="grid_check.submit", actor=actor,
                 at=now, after={"enterprise_id": check.enterprise_id, "street": check.street,
                                "checklist": f"{KIND}.v{checklist.version}",
                                "failed": [r.item_code for r in answers if r.result == ItemResult.FAIL],
                                "referrals": referred})
    return check, True


def _checked(checklist: checklists.Checklist, data: GridCheckIn) -> list:
    """The answers, once each for every item of the checklist; otherwise InvalidInput listing each problem."""
    codes = [item.code for item in checklist.items]
    seen: set[str] = set()
    problems = []
    for result in data.results:
        if result.item_code not in codes:
            problems.append({"item_code": result.item_code, "problem": "unknown_item",
                             "message": "不是本检查表的检查项"})
        elif result.item_code in seen:
            problems.append({"item_code": result.item_code, "problem": "duplicate", "message": "重复回答"})
        seen.add(result.item_code)
    problems += [{"item_code": code, "problem": "missing_item", "message": "未回答"} for code in codes
                 if code not in seen]
    if problems:
        raise InvalidInput("巡查结果有误，请逐项检查 / the check's answers have problems", code="invalid_grid_check",
                           details=problems)
    return list(data.results)


def get_visible(session: Session, check_id: int, *, actor: Actor) -> GridCheck:
    """A grid worker sees the checks of their grid; the office and admins every check."""
    check = session.get(GridCheck, check_id)
    if actor.role in (Role.OFFICE, Role.ADMIN) and check is not None:
        return check
    worker = grid_of(session, actor)
    if check is None or check.street != worker.street:
        raise NotFound("巡查记录不存在 / grid check not found", code="grid_check_not_found")
    return check


def results_of(session: Session, check_id: int) -> list[GridCheckResult]:
    return list(session.exec(select(GridCheckResult).where(GridCheckResult.check_id == check_id)
                             .order_by(col(GridCheckResult.id))).all())


def search(session: Session, *, actor: Actor, limit: int = 50, offset: int = 0) -> list[GridCheck]:
    if actor.role in (Role.OFFICE, Role.ADMIN):
        query = select(GridCheck)
    else:
        query = select(GridCheck).where(GridCheck.street == grid_of(session, actor).street)
    return list(session.exec(query.order_by(col(GridCheck.checked_at).desc(), col(GridCheck.id).desc())
                             .limit(limit).offset(offset)).all())
