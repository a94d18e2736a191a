"""Rectification orders (责令限期整改指令书) and their numbers.

Numbers follow the department's format, e.g. ``（新北）应急责改〔2026〕0123号`` (REFERENCE.md §E.1, the
brackets are U+3014/U+3015), sequential per department, document code and year, with no gaps or duplicates
under concurrent submissions: the counter row is incremented with one ``UPDATE … RETURNING``, which
PostgreSQL serialises on the row lock and SQLite on its single writer.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hazards.models import Hazard, OrderCounter, OrderHazard, RectificationOrder
from hazards.notify import outbox
from hazards.rules import department_orders
from inspection.clock import local, local_date
from inspection.errors import NotFound
from inspection.identity.access import Actor
from inspection.models import Department, Event
from schemas.enums import HazardStatus, Role

RECTIFICATION = "责改"
REINSPECTION = "复查"
KIND_BY_CODE = {RECTIFICATION: "rectification", REINSPECTION: "reinspection"}


def format_number(department: Department | Row[Any], doc_code: str, year: int, serial: int) -> str:
    return f"（{department.district_short}）{department.code}{doc_code}〔{year}〕{serial:04d}号"


def order_number(department: Department, year: int, serial: int) -> str:
    """A rectification order's number with the department's own prefix (``hazards.rules.department_orders``):
    （新北）应急责改〔2026〕0001号, （新北）消改〔2026〕0001号, … counted per department, instrument and year."""
    prefix = department_orders.for_department(department.code).prefix
    return f"（{department.district_short}）{prefix}〔{year}〕{serial:04d}号"


# Built once (SQLAlchemy memoises a statement's cache key): building and keying them per submission cost more
# than running them. The counter row exists after a department's first number of the year, so the UPDATE is
# tried first and the row inserted only when it is missing.
_BUMP = text("UPDATE order_counter SET last_serial = last_serial + 1 "
             "WHERE department_id = :d AND doc_code = :c AND year = :y RETURNING last_serial")
_COUNTER = OrderCounter.__table__  # type: ignore[attr-defined]
_NEW_COUNTER = {
    name: dialect.insert(_COUNTER).values(department_id=bindparam("d"), doc_code=bindparam("c"),
                                          year=bindparam("y"), last_serial=0).on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def next_serial(session: Session, department_id: int, doc_code: str, year: int) -> int:
    params = {"d": department_id, "c": doc_code, "y": year}
    serial = session.execute(_BUMP, params).scalar_one_or_none()  # type: ignore[call-overload]
    if serial is None:  # the first of its year: PostgreSQL's ON CONFLICT waits for a racing first, then skips
        session.execute(_NEW_COUNTER[session.get_bind().dialect.name], params)  # type: ignore[call-overload]
        serial = session.execute(_BUMP, params).scalar_one()  # type: ignore[call-overload]
    return int(serial)


def issue(session: Session, *, department: Department, enterprise_id: int, hazards: list[Hazard],
          inspector_ids: list[int], now: datetime, visit_id: int | None = None, submission_id: int | None = None,
          doc_code: str = RECTIFICATION, based_on: int | None = None) -> RectificationOrder:
    assert department.id is not None
    year = local(now).year
    serial = next_serial(session, department.id, doc_code, year)
    order = RectificationOrder(
        number=order_number(department, year, serial) if doc_code == RECTIFICATION else
        format_number(department, doc_code, year, serial), kind=KIND_BY_CODE[doc_code], doc_code=doc_code,
        department_id=department.id, enterprise_id=enterprise_id, visit_id=visit_id, submission_id=submission_id,
        year=year, serial=serial, issued_at=now, inspector_ids=inspector_ids, based_on_order_id=based_on,
    )
    session.add(order)
    session.flush()
    for hazard in hazards:
        session.add(OrderHazard(order_id=order.id, hazard_id=hazard.id))
    session.flush()
    outbox.add(session, event_type="order.issued", dedup_key=f"order.issued:{order.id}",
               recipient=f"enterprise:{enterprise_id}", now=now,
               payload={"order_id": order.id, "number": order.number, "hazards": [h.id for h in hazards]})
    return order


def hazards_of(session: Session, order_id: int) -> list[Hazard]:
    return list(session.exec(
        select(Hazard).join(OrderHazard, col(OrderHazard.hazard_id) == Hazard.id)
        .where(OrderHazard.order_id == order_id).order_by(col(Hazard.id))
    ).all())


def hazards_of_orders(session: Session, order_ids: list[int]) -> dict[int, list[Hazard]]:
    """``hazards_of`` for many orders in one statement: order id -> its hazards, by hazard id."""
    out: dict[int, list[Hazard]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        rows = session.exec(
            select(OrderHazard.order_id, Hazard).join(Hazard, col(Hazard.id) == OrderHazard.hazard_id)
            .where(col(OrderHazard.order_id).in_(order_ids)).order_by(col(Hazard.id))).all()
        for order_id, hazard in rows:
            out[order_id].append(hazard)
    return out


@dataclass(frozen=True)
class VoidNote:
    """A hazard voided by a corrected visit: off the order's list, noted on it."""

    hazard_id: int
    item_code: str
    description: str
    voided_at: datetime
    reason: str

    @property
    def text(self) -> str:
        return (f"原列隐患 {self.item_code}（{self.description}）因{self.reason or '检查结果更正'}，"
                f"已于{local_date(self.voided_at).isoformat()}作废，无需整改，不计入整改与销号")


def void_notes(session: Session, hazards: list[Hazard]) -> dict[int, VoidNote]:
    """hazard id -> its void note, for the voided ones among ``hazards`` (one statement)."""
    voided = {h.id: h for h in hazards if h.status == HazardStatus.VOIDED and h.id is not None}
    if not voided:
        return {}
    events = session.exec(select(Event).where(Event.entity == "hazard", Event.action == "hazard.void",
                                              col(Event.entity_id).in_(list(voided))).order_by(col(Event.id))).all()
    notes = {}
    for event in events:
        hazard = voided[event.entity_id]
        notes[event.entity_id] = VoidNote(event.entity_id, hazard.item_code, hazard.description, event.at,
                                          event.reason)
    return notes


def orders_of_submission(session: Session, submission_id: int) -> list[RectificationOrder]:
    return list(session.exec(select(RectificationOrder).where(RectificationOrder.submission_id == submission_id)
                             .order_by(col(RectificationOrder.id))).all())


def get_visible(session: Session, order_id: int, actor: Actor) -> RectificationOrder:
    order = session.get(RectificationOrder, order_id)
    if order is None or (actor.role == Role.ENTERPRISE and order.enterprise_id != actor.enterprise_id):
        raise NotFound("整改指令书不存在 / order not found")
    return order
