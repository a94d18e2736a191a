"""The hazard loop's reads and rules of who may act: visibility, search, orders of a hazard, penalty decisions.

The verbs live beside it: ``hazards.loop.evidence`` (plan, evidence, review, re-inspection), ``hazards.loop.extensions``
(deadlines and extensions).

Services flush, never commit; the route or job that calls them owns the transaction. Status changes go
through ``hazards.loop.states`` only.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from hazards.loop import deadlines, penalties, states
from hazards.models import Hazard, OrderHazard, PenaltyDecision, RectificationOrder
from hazards.rules import holidays
from inspection.errors import NotFound, NotPermitted
from inspection.identity.access import Actor, require_role
from inspection.models import Department
from schemas.enums import HazardLevel, HazardStatus, Role

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
        overdue = col(Hazard.status).in_(states.ACTIVE) & (col(Hazard.due_at) < now)
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
    return penalties.decide(session, hazard, confirm=confirm, note=note, actor=actor, now=now)


def overdue(hazard: Hazard, now: datetime) -> bool:
    return states.is_overdue(hazard, now)


def days_left(hazard: Hazard, now: datetime) -> int:
    return deadlines.days_left(hazard.due_at, now)


def check_deadline_day(session: Session, hazard: Hazard, day: date) -> None:
    """A deadline a person sets for a department counting working days lands on a working day of the official
    calendar (REFERENCE §G.6): 422 naming the next working day, or the year without a schedule."""
    department = session.get(Department, hazard.department_id)
    if department is not None and department.working_days:
        deadlines.check_due_day(day, working_days=True, calendar=holidays.of(session))
