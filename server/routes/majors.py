"""Major hazards: the 现场处理措施决定书 (record and PDF), the 治理方案's review, 挂牌督办; and the 不予行政处罚决定书
of a 首违免罚 decision (PDF)."""

from fastapi import APIRouter, Response

from hazards.loop import majors
from hazards.loop.service import get_visible
from hazards.models import OnSiteDecision
from hazards.signoff import instruments
from inspection.types import utcnow
from schemas.common import Id
from schemas.hazards import HazardPublic, OnSiteDecisionIn, OnSiteDecisionPublic, PlanReviewIn, SupervisionIn
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.routes.documents import PDF, instrument_pdf
from server.routes.hazards import hazard_out

router = APIRouter(tags=["majors"])


def decision_out(decision: OnSiteDecision) -> OnSiteDecisionPublic:
    return OnSiteDecisionPublic.model_validate({**decision.model_dump(),
                                                "pdf_url": f"/api/v1/onsite-decisions/{decision.id}.pdf"})


@router.post("/onsite-decisions", response_model=OnSiteDecisionPublic, status_code=201)
def issue_measures(body: OnSiteDecisionIn, session: WriteSessionDep, actor: CurrentActor) -> OnSiteDecisionPublic:
    """现场处理措施决定书: withdraw people, suspend production or stop equipment for major hazards (own number)."""
    decision = majors.issue_measures(session, body.hazard_ids, body.measures, co_inspector_id=body.co_inspector_id,
                                     note=body.note, actor=actor, now=utcnow())
    session.commit()
    return decision_out(decision)


@router.get("/onsite-decisions/{decision_id:int}", response_model=OnSiteDecisionPublic)
def read_measures(decision_id: Id, session: SessionDep, actor: CurrentActor) -> OnSiteDecisionPublic:
    return decision_out(majors.get_decision(session, decision_id, actor))


@router.get("/onsite-decisions/{decision_id:int}.pdf", response_class=Response, responses=PDF)
def measures_document(decision_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    return instrument_pdf(session, instruments.get(session, "onsite_decision", decision_id, actor))


@router.get("/hazards/{hazard_id}/onsite-decisions", response_model=list[OnSiteDecisionPublic])
def hazard_measures(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> list[OnSiteDecisionPublic]:
    get_visible(session, hazard_id, actor)
    return [decision_out(d) for d in majors.decisions_of(session, hazard_id)]


@router.post("/hazards/{hazard_id}/plan/approve", response_model=HazardPublic)
def approve_plan(hazard_id: Id, body: PlanReviewIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    hazard = majors.review_plan(session, hazard_id, approve=True, note=body.note, actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.post("/hazards/{hazard_id}/plan/return", response_model=HazardPublic)
def return_plan(hazard_id: Id, body: PlanReviewIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    """Return the 治理方案 to the enterprise with the reasons; it uploads a new one."""
    hazard = majors.review_plan(session, hazard_id, approve=False, note=body.note, actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.post("/hazards/{hazard_id}/supervision", response_model=HazardPublic)
def supervise(hazard_id: Id, body: SupervisionIn, session: WriteSessionDep, actor: CurrentActor) -> HazardPublic:
    """挂牌督办 a major hazard (the office): supervisor and deadline, shown on the hazard."""
    hazard = majors.supervise(session, hazard_id, supervisor=body.supervisor, due_date=body.due_date, note=body.note,
                              actor=actor, now=utcnow())
    session.commit()
    return hazard_out(session, hazard)


@router.get("/penalty-rulings/{ruling_id:int}.pdf", response_class=Response, responses=PDF)
def exemption_document(ruling_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """不予行政处罚决定书 of a decision not to punish (首违免罚)."""
    return instrument_pdf(session, instruments.get(session, "exemption", ruling_id, actor))
