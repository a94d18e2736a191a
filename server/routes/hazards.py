from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session, col, select

from hazards.loop import evidence as evidence_service
from hazards.loop import extensions, penalties
from hazards.loop import orders as order_service
from hazards.loop import service as hazard_service
from hazards.models import Hazard, PenaltyDecision, RectificationOrder
from hazards.signoff import serving
from hazards.signoff.models import ServiceReceipt
from inspection import audit
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.enums import HazardLevel, HazardStatus
from schemas.hazards import (
    AcceptIn,
    DeadlineIn,
    EventPublic,
    EvidenceIn,
    EvidencePublic,
    ExtensionDecisionIn,
    ExtensionIn,
    ExtensionPublic,
    HazardPublic,
    OrderPublic,
    PenaltyDecisionIn,
    PenaltyDecisionPublic,
    PenaltyRulingPublic,
    PendingExtension,
    PlanIn,
    ReinspectionIn,
    RejectIn,
    VoidedHazardNote,
)
from schemas.signoff import ServiceState
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(tags=["hazards"])


def enterprise_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Enterprise id -> name, one statement (none for no ids)."""
    if not ids:
        return {}
    return dict(session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(ids))).all())


def hazards_out(session: Session, hazards: list[Hazard], now: datetime,
                names: dict[int, str] | None = None) -> list[HazardPublic]:
    """``names``: the enterprises' names when the caller has them already (else one statement reads them)."""
    ids = [h.id for h in hazards if h.id is not None]
    orders = hazard_service.order_ids_of(session, ids)
    if names is None:
        names = enterprise_names(session, {h.enterprise_id for h in hazards})
    return [HazardPublic.model_validate({
        **h.model_dump(), "enterprise_name": names.get(h.enterprise_id, ""),
        "overdue": hazard_service.overdue(h, now), "days_left": hazard_service.days_left(h, now),
        "order_ids": orders.get(h.id or 0, []),
    }) for h in hazards]


def hazard_out(session: Session, hazard: Hazard) -> HazardPublic:
    return hazards_out(session, [hazard], utcnow())[0]


def orders_out(session: Session, orders: list[RectificationOrder]) -> list[OrderPublic]:
    """Orders with their hazards, in a fixed number of statements however many orders there are."""
    now = utcnow()
    listed = order_service.hazards_of_orders(session, [o.id for o in orders if o.id is not None])
    notes = order_service.void_notes(session, [h for hazards in listed.values() for h in hazards])
    by_order = {order_id: [h for h in hazards if h.id not in notes] for order_id, hazards in listed.items()}
    shown = [h for o in orders for h in by_order.get(o.id or 0, [])]
    names = enterprise_names(session, {o.enterprise_id for o in orders} | {h.enterprise_id for h in shown})
    public = iter(hazards_out(session, shown, now, names))
    served = serving.first_served(session, "order", [o.id for o in orders if o.id is not None])
    departments = dict(session.exec(select(Department.id, Department.name).where(
        col(Department.id).in_({o.department_id for o in orders}))).all()) if orders else {}
    out = []
    for order in orders:
        out.append(OrderPublic(
            **order.model_dump(include={"id", "number", "kind", "department_id", "enterprise_id", "visit_id",
                                        "issued_at", "inspector_ids", "linked_order_id", "based_on_order_id",
                                        "resumption"}),
            department_name=departments.get(order.department_id, ""),
            enterprise_name=names.get(order.enterprise_id, ""),
            hazards=[next(public) for _ in by_order.get(order.id or 0, [])],
            voided=[VoidedHazardNote(hazard_id=note.hazard_id, item_code=note.item_code, voided_at=note.voided_at,
                                     reason=note.reason, note=note.text)
                    for h in listed.get(order.id or 0, []) if (note := notes.get(h.id or 0))],
            pdf_url=f"/api/v1/orders/{order.id}.pdf",
            service=service_state(served.get(order.id or 0)),
        ))
    return out


def service_state(receipt: ServiceReceipt | None) -> ServiceState:
    if receipt is None:
        return ServiceState(served=False)
    return ServiceState(served=True, served_at=receipt.served_at, method=receipt.method, receipt_id=receipt.id)


def order_out(session: Session, order: RectificationOrder) -> OrderPublic:
    return orders_out(session, [order])[0]


@router.get("/hazards", response_model=Page[HazardPublic])
def list_hazards(session: SessionDep, actor: CurrentActor, status: HazardStatus | None = None,
                 enterprise_id: Id | None = None, department_id: Id | None = None,
                 level: HazardLevel | None = None, overdue: bool | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Offset = 0) -> Page[HazardPublic]:
    now = utcnow()
    filters = hazard_service.HazardFilters(status=status, enterprise_id=enterprise_id, department_id=department_id,
                                           level=level, overdue=overdue)
    rows, total = hazard_service.search(session, filters, actor=actor, now=now, limit=limit, offset=offset)
    return Page(items=hazards_out(session, rows, now), total=total, limit=limit, offset=offset)


@router.get("/hazards/{hazard_id}", response_model=HazardPublic)
def read_hazard(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> HazardPublic:
    return hazard_out(session, hazard_service.get_visible(session, hazard_id, actor))


@router.get("/hazards/{hazard_id}/history", response_model=list[EventPublic])
def hazard_history(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> list[EventPublic]:
    """Every change to the hazard, oldest first, from the hash-chained audit trail."""
    hazard_service.get_visible(session, hazard_id, actor)
    return [EventPublic.model_validate(e) for e in audit.history(session, "hazard", hazard_id)]


@router.get("/hazards/{hazard_id}/evidence", response_model=list[EvidencePublic])
def list_evidence(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> list[EvidencePublic]:
    hazard_service.get_visible(session, hazard_id, actor)
    return [EvidencePublic.model_validate(e) for e in evidence_service.evidence_of(session, hazard_id)]


@router.post("/hazards/{hazard_id}/evidence", response_model=EvidencePublic, status_code=201)
def submit_evidence(hazard_id: Id, body: EvidenceIn, session: WriteSessionDep,
                    actor: CurrentActor) -> EvidencePublic:
    """The enterprise submits after-photos and a note; the hazard moves to `submitted`."""
    evidence = evidence_service.submit_evidence(session, hazard_id, body, actor=actor, now=utcnow())
    session.commit()
    return EvidencePublic.model_validate(evidence)


@router.post("/hazards/{hazard_id}/plan", response_model=HazardPublic)
def upload_plan(hazard_id: Id, body: PlanIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    hazard = evidence_service.upload_plan(session, hazard_id, body, actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.post("/hazards/{hazard_id}/accept", response_model=HazardPublic)
def accept_hazard(hazard_id: Id, body: AcceptIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    hazard = evidence_service.accept(session, hazard_id, note=body.note, actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.post("/hazards/{hazard_id}/reject", response_model=HazardPublic)
def reject_hazard(hazard_id: Id, body: RejectIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    hazard = evidence_service.reject(session, hazard_id, reason=body.reason, new_due_date=body.new_due_date,
                                   actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.post("/hazards/{hazard_id}/deadline", response_model=HazardPublic)
def set_deadline(hazard_id: Id, body: DeadlineIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    hazard = extensions.set_deadline(session, hazard_id, body, actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.get("/hazards/{hazard_id}/extensions", response_model=list[ExtensionPublic])
def list_extensions(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> list[ExtensionPublic]:
    """Extension requests of the hazard and their decisions, oldest first."""
    hazard_service.get_visible(session, hazard_id, actor)
    return [ExtensionPublic.model_validate(e) for e in extensions.extensions_of(session, hazard_id)]


@router.post("/hazards/{hazard_id}/extensions", response_model=ExtensionPublic, status_code=201)
def request_extension(hazard_id: Id, body: ExtensionIn, session: WriteSessionDep,
                      actor: CurrentActor) -> ExtensionPublic:
    extension = extensions.request_extension(session, hazard_id, body, actor=actor, now=utcnow())
    session.commit()
    return ExtensionPublic.model_validate(extension)


def _decide(extension_id: int, body: ExtensionDecisionIn, session: Session, actor: Actor,
            approve: bool) -> ExtensionPublic:
    extension = extensions.decide_extension(session, extension_id, body, approve=approve, actor=actor,
                                                now=utcnow())
    session.commit()
    return ExtensionPublic.model_validate(extension)


@router.get("/extensions/pending", response_model=list[PendingExtension])
def pending_extensions(session: SessionDep, actor: CurrentActor,
                       department_id: Id | None = None) -> list[PendingExtension]:
    """Extension requests awaiting a decision, oldest first (`?department_id=` for one department's)."""
    rows = extensions.pending_extensions(session, actor=actor, department_id=department_id)
    hazards = hazards_out(session, [hazard for _, hazard in rows], utcnow())
    return [PendingExtension(extension=ExtensionPublic.model_validate(extension), hazard=hazard)
            for (extension, _), hazard in zip(rows, hazards, strict=True)]


@router.post("/extensions/{extension_id}/approve", response_model=ExtensionPublic)
def approve_extension(extension_id: Id, body: ExtensionDecisionIn, session: WriteSessionDep,
                      actor: CurrentActor) -> ExtensionPublic:
    return _decide(extension_id, body, session, actor, approve=True)


@router.post("/extensions/{extension_id}/refuse", response_model=ExtensionPublic)
def refuse_extension(extension_id: Id, body: ExtensionDecisionIn, session: WriteSessionDep,
                     actor: CurrentActor) -> ExtensionPublic:
    return _decide(extension_id, body, session, actor, approve=False)


def penalty_out(session: Session, decision: PenaltyDecision) -> PenaltyDecisionPublic:
    rulings = [PenaltyRulingPublic.model_validate({
        **r.model_dump(), "pdf_url": f"/api/v1/penalty-rulings/{r.id}.pdf" if r.number else None})
        for r in penalties.rulings_of(session, decision.hazard_id)]
    return PenaltyDecisionPublic.model_validate({**decision.model_dump(), "rulings": rulings})


@router.get("/hazards/{hazard_id}/penalty", response_model=PenaltyDecisionPublic)
def read_penalty(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> PenaltyDecisionPublic:
    """首违免罚: the recommendation for a closed hazard, its reasons, and every decision made on it."""
    return penalty_out(session, hazard_service.penalty_decision(session, hazard_id, actor=actor))


@router.post("/hazards/{hazard_id}/penalty", response_model=PenaltyDecisionPublic)
def decide_penalty(hazard_id: Id, body: PenaltyDecisionIn, session: WriteSessionDep,
                   actor: CurrentActor) -> PenaltyDecisionPublic:
    """Confirm or override the recommendation; a decision already made changes only by a new one with a reason.
    Not punishing issues a 不予行政处罚决定书."""
    decision = hazard_service.decide_penalty(session, hazard_id, confirm=body.confirm, note=body.note, actor=actor,
                                             now=utcnow())
    session.commit()
    return penalty_out(session, decision)


@router.get("/orders", response_model=Page[OrderPublic])
def list_orders(session: SessionDep, actor: CurrentActor, enterprise_id: Id | None = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Offset = 0) -> Page[OrderPublic]:
    rows, total = hazard_service.search_orders(session, actor=actor, enterprise_id=enterprise_id, limit=limit,
                                               offset=offset)
    return Page(items=orders_out(session, rows), total=total, limit=limit, offset=offset)


@router.get("/orders/{order_id:int}", response_model=OrderPublic)
def read_order(order_id: Id, session: SessionDep, actor: CurrentActor) -> OrderPublic:
    return order_out(session, order_service.get_visible(session, order_id, actor))


@router.post("/orders/{order_id:int}/reinspection", response_model=OrderPublic, status_code=201)
def reinspect(order_id: Id, body: ReinspectionIn, session: WriteSessionDep, actor: CurrentActor) -> OrderPublic:
    """On-site re-inspection: each hazard's final state, and a 整改复查意见书 (应急复查 number)."""
    document = evidence_service.reinspect(session, order_id, body, actor=actor, now=utcnow())
    session.commit()
    return order_out(session, document)
