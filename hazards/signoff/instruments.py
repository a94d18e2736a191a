"""The instruments one can sign or serve, by kind and id, as the actor may see them: 现场检查记录 (``visit``),
责令限期整改指令书 and 整改复查意见书 (``order``), 现场处理措施决定书 (``onsite_decision``) and
不予行政处罚决定书 (``exemption``). Another enterprise's instrument is the same 404 as none."""

from dataclasses import dataclass

from sqlmodel import Session

from hazards.loop import majors, orders, records
from hazards.loop.service import get_visible as hazard_visible
from hazards.models import PenaltyRuling
from hazards.rules import department_orders, instruments
from inspection.errors import NotFound
from inspection.field import visits as visit_service
from inspection.identity.access import Actor
from inspection.models import Department, VisitDepartment

KINDS = ("visit", "visit_part", "order", "onsite_decision", "exemption")
VISIT_RECORD_TITLE = "现场检查记录"
REINSPECTION_TITLE = "整改复查意见书"


@dataclass(frozen=True)
class InstrumentRef:
    kind: str
    id: int
    enterprise_id: int
    visit_id: int | None
    inspector_ids: tuple[int, ...]
    number: str
    title: str


def get(session: Session, kind: str, document_id: int, actor: Actor) -> InstrumentRef:
    if kind == "visit":
        visit = visit_service.get_visible(session, document_id, actor)
        number = visit.record_number or "、".join(p.record_number or "" for p in records.numbered_parts(
            session, document_id))  # numbered as a whole, or its departments' records printed together
        return InstrumentRef(kind, document_id, visit.enterprise_id, visit.id,
                             tuple(visit_service.inspector_ids(session, document_id)), number, VISIT_RECORD_TITLE)
    if kind == "visit_part":
        part = session.get(VisitDepartment, document_id)
        if part is None or not part.record_number:
            raise NotFound("检查记录不存在 / no such record")
        visit = visit_service.get_visible(session, part.visit_id, actor)
        return InstrumentRef(kind, document_id, visit.enterprise_id, visit.id,
                             tuple(records.part_inspector_ids(session, part)), part.record_number,
                             VISIT_RECORD_TITLE)
    if kind == "order":
        order = orders.get_visible(session, document_id, actor)
        return InstrumentRef(kind, document_id, order.enterprise_id, order.visit_id, tuple(order.inspector_ids),
                             order.number, order_title(session, order.kind, order.department_id))
    if kind == "onsite_decision":
        decision = majors.get_decision(session, document_id, actor)
        return InstrumentRef(kind, document_id, decision.enterprise_id, decision.visit_id,
                             tuple(decision.inspector_ids), decision.number, instruments.onsite_measures().title)
    if kind == "exemption":
        ruling = session.get(PenaltyRuling, document_id)
        if ruling is None or not ruling.number:
            raise NotFound("不予行政处罚决定书不存在 / no such decision")
        hazard = hazard_visible(session, ruling.hazard_id, actor)
        return InstrumentRef(kind, document_id, hazard.enterprise_id, hazard.visit_id, tuple(ruling.inspector_ids),
                             ruling.number, instruments.exemption().title)
    raise NotFound("文书种类不存在 / unknown instrument kind", code="unknown_instrument_kind",
                   details={"kinds": list(KINDS)})


def order_title(session: Session, kind: str, department_id: int) -> str:
    """整改复查意见书 for a re-inspection record, else the issuing department's own order (its title as data)."""
    if kind == "reinspection":
        return REINSPECTION_TITLE
    department = session.get(Department, department_id)
    return department_orders.for_department(department.code if department else "").title
