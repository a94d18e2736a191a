"""工业厂房出租“先验后批”: lease applications, their pre-lease inspection, the decision and the opinion PDF.

The lessor (or the park) files; staff schedule the pre-lease inspection; the approving body named by
``XUNCHA_LEASE_APPROVER`` approves (with conditions) or refuses (with reasons). The lessor and the tenant see
their own applications (the portal lists them), staff and the approving body every one.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from hazards.leasing import opinion, program
from hazards.leasing import service as lease_service
from hazards.leasing.models import LeaseApplication
from inspection.models import Enterprise, PlantSite
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.leasing import (
    ApproveIn,
    LeaseApplicationIn,
    LeaseApplicationPublic,
    LeaseStatus,
    PreLeaseInspectionIn,
    RefuseIn,
    RuleHit,
)
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.routes.documents import PDF, pdf_response
from server.settings import get_settings

router = APIRouter(tags=["leasing"])


def approving_body() -> program.ApprovingBody:
    return get_settings().approving_body()


def application_out(session: Session, application: LeaseApplication) -> LeaseApplicationPublic:
    site = session.get(PlantSite, application.site_id)
    lessor = session.get(Enterprise, application.lessor_id)
    tenant = session.get(Enterprise, application.tenant_id)
    assert site is not None and lessor is not None and tenant is not None
    inspection = lease_service.inspection_of(session, application)
    return LeaseApplicationPublic(
        **application.model_dump(exclude={"status"}), status=application.status, site_name=site.name,
        lessor_name=lessor.name, tenant_name=tenant.name, tenant_credit_code=tenant.credit_code,
        inspection=inspection.state, open_hazard_ids=inspection.open_hazard_ids,
        refusal_rules=[RuleHit(**program.hit(rule)) for rule in program.rules_met(application)],
        local_practice_notice=program.program().document.notice)


@router.get("/lease-applications", response_model=Page[LeaseApplicationPublic])
def list_applications(session: SessionDep, actor: CurrentActor, status: LeaseStatus | None = None,
                      site_id: Id | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                      offset: Offset = 0) -> Page[LeaseApplicationPublic]:
    rows, total = lease_service.listing(session, actor=actor, body=approving_body(), status=status, site_id=site_id,
                                        limit=limit, offset=offset)
    return Page(items=[application_out(session, a) for a in rows], total=total, limit=limit, offset=offset)


@router.post("/lease-applications", response_model=LeaseApplicationPublic, status_code=201)
def file_application(body: LeaseApplicationIn, session: WriteSessionDep,
                     actor: CurrentActor) -> LeaseApplicationPublic:
    """Filed by the lessor (or the park when it approves): the tenant's credit code must be valid and registered."""
    application = lease_service.file(session, body, actor=actor, body=approving_body(), now=utcnow())
    out = application_out(session, application)
    session.commit()
    return out


@router.get("/lease-applications/{application_id}", response_model=LeaseApplicationPublic)
def read_application(application_id: Id, session: SessionDep, actor: CurrentActor) -> LeaseApplicationPublic:
    return application_out(session, lease_service.get_visible(session, application_id, actor, approving_body()))


@router.post("/lease-applications/{application_id}/inspection", response_model=LeaseApplicationPublic,
             status_code=201)
def schedule_inspection(application_id: Id, body: PreLeaseInspectionIn, session: WriteSessionDep,
                        actor: CurrentActor) -> LeaseApplicationPublic:
    """The pre-lease inspection: a visit to the lessor at the site asking the pre-lease items only."""
    lease_service.schedule_inspection(session, application_id, body, actor=actor, body=approving_body(),
                                      now=utcnow())
    out = application_out(session, lease_service.get_visible(session, application_id, actor, approving_body()))
    session.commit()
    return out


@router.post("/lease-applications/{application_id}/approve", response_model=LeaseApplicationPublic)
def approve(application_id: Id, body: ApproveIn, session: WriteSessionDep,
            actor: CurrentActor) -> LeaseApplicationPublic:
    """409 ``inspection_not_passed`` before the pre-lease inspection passed, ``refusal_rule_applies`` when a
    refusal rule is met, ``tenancy_overlaps`` when the tenant already rents the unit in that term."""
    application = lease_service.approve(session, application_id, body, actor=actor, body=approving_body(),
                                        now=utcnow())
    out = application_out(session, application)
    session.commit()
    return out


@router.post("/lease-applications/{application_id}/refuse", response_model=LeaseApplicationPublic)
def refuse(application_id: Id, body: RefuseIn, session: WriteSessionDep,
           actor: CurrentActor) -> LeaseApplicationPublic:
    application = lease_service.refuse(session, application_id, body, actor=actor, body=approving_body(),
                                       now=utcnow())
    out = application_out(session, application)
    session.commit()
    return out


@router.get("/lease-applications/{application_id}/opinion.pdf", response_class=Response, responses=PDF)
def opinion_document(application_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """出租前安全检查意见 — a local practice, not a licence (said on the document)."""
    application = lease_service.get_visible(session, application_id, actor, approving_body())
    content = opinion.opinion_pdf(session, application, now=utcnow())
    return pdf_response(content, f"出租前安全检查意见{application.id}", f"lease-opinion-{application.id}.pdf")
