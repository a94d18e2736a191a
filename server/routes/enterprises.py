from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from inspection.models import Enterprise, PlantSite
from inspection.registry import creditcode
from inspection.registry import enterprises as enterprise_service
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.enterprises import (
    EnterpriseContactUpdate,
    EnterpriseCreate,
    EnterprisePublic,
    EnterpriseRef,
    EnterpriseSites,
    EnterpriseUpdate,
    PlantSiteCreate,
    PlantSitePublic,
    TenantAdd,
)
from schemas.enums import RiskClass
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(tags=["enterprises"])


def enterprise_out(enterprise: Enterprise) -> EnterprisePublic:
    warnings = creditcode.check(enterprise.credit_code).warnings
    return EnterprisePublic.model_validate({**enterprise.model_dump(), "credit_code_warnings": warnings})


def site_out(session: Session, site: PlantSite) -> PlantSitePublic:
    landlord, tenants = enterprise_service.site_members(session, site)
    return PlantSitePublic(
        **site.model_dump(include={"id", "name", "address", "street", "latitude", "longitude"}),
        landlord=EnterpriseRef.model_validate(landlord),
        tenants=[EnterpriseRef.model_validate(t) for t in tenants],
    )


@router.get("/enterprises", response_model=Page[EnterprisePublic])
def list_enterprises(
    session: SessionDep,
    actor: CurrentActor,
    street: str | None = None,
    risk_class: RiskClass | None = None,
    industry: str | None = None,
    dust: bool | None = None,
    gas: bool | None = None,
    landlord: bool | None = None,
    tenant: bool | None = None,
    green: bool | None = None,
    q: Annotated[str | None, Query(max_length=64, description="name or credit code contains")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[EnterprisePublic]:
    filters = enterprise_service.EnterpriseFilters(
        street=street, risk_class=risk_class, industry=industry, dust=dust, gas=gas, landlord=landlord,
        tenant=tenant, green=green, q=q,
    )
    rows, total = enterprise_service.search(session, filters, actor=actor, limit=limit, offset=offset)
    return Page(items=[enterprise_out(e) for e in rows], total=total, limit=limit, offset=offset)


@router.post("/enterprises", response_model=EnterprisePublic, status_code=201)
def create_enterprise(body: EnterpriseCreate, session: WriteSessionDep, actor: CurrentActor) -> EnterprisePublic:
    enterprise = enterprise_service.create(session, body, actor=actor, now=utcnow())
    session.commit()
    return enterprise_out(enterprise)


@router.get("/enterprises/{enterprise_id}", response_model=EnterprisePublic)
def read_enterprise(enterprise_id: Id, session: SessionDep, actor: CurrentActor) -> EnterprisePublic:
    return enterprise_out(enterprise_service.get_visible(session, enterprise_id, actor))


@router.patch("/enterprises/{enterprise_id}", response_model=EnterprisePublic)
def update_enterprise(enterprise_id: Id, body: EnterpriseUpdate, session: WriteSessionDep,
                      actor: CurrentActor) -> EnterprisePublic:
    enterprise = enterprise_service.update(session, enterprise_id, body, actor=actor, now=utcnow())
    session.commit()
    return enterprise_out(enterprise)


@router.patch("/enterprises/{enterprise_id}/contact", response_model=EnterprisePublic)
def update_contact(enterprise_id: Id, body: EnterpriseContactUpdate, session: WriteSessionDep,
                   actor: CurrentActor) -> EnterprisePublic:
    enterprise = enterprise_service.update_contact(session, enterprise_id, body, actor=actor, now=utcnow())
    session.commit()
    return enterprise_out(enterprise)


@router.get("/enterprises/{enterprise_id}/plant-sites", response_model=EnterpriseSites)
def enterprise_sites(enterprise_id: Id, session: SessionDep, actor: CurrentActor) -> EnterpriseSites:
    as_landlord, as_tenant = enterprise_service.sites_of(session, enterprise_id, actor=actor)
    return EnterpriseSites(as_landlord=[site_out(session, s) for s in as_landlord],
                           as_tenant=[site_out(session, s) for s in as_tenant])


@router.get("/plant-sites", response_model=Page[PlantSitePublic])
def list_sites(session: SessionDep, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50,
               offset: Offset = 0) -> Page[PlantSitePublic]:
    rows, total = enterprise_service.list_sites(session, actor=actor, limit=limit, offset=offset)
    return Page(items=[site_out(session, s) for s in rows], total=total, limit=limit, offset=offset)


@router.post("/plant-sites", response_model=PlantSitePublic, status_code=201)
def create_site(body: PlantSiteCreate, session: WriteSessionDep, actor: CurrentActor) -> PlantSitePublic:
    site = enterprise_service.create_site(session, body, actor=actor, now=utcnow())
    session.commit()
    return site_out(session, site)


@router.get("/plant-sites/{site_id}", response_model=PlantSitePublic)
def read_site(site_id: Id, session: SessionDep, actor: CurrentActor) -> PlantSitePublic:
    return site_out(session, enterprise_service.get_site_visible(session, site_id, actor))


@router.post("/plant-sites/{site_id}/tenants", response_model=PlantSitePublic, status_code=201)
def add_tenant(site_id: Id, body: TenantAdd, session: WriteSessionDep, actor: CurrentActor) -> PlantSitePublic:
    site = enterprise_service.add_tenant(session, site_id, body, actor=actor, now=utcnow())
    session.commit()
    return site_out(session, site)


@router.delete("/plant-sites/{site_id}/tenants/{enterprise_id}", response_model=PlantSitePublic)
def remove_tenant(site_id: Id, enterprise_id: Id, session: WriteSessionDep,
                  actor: CurrentActor) -> PlantSitePublic:
    site = enterprise_service.remove_tenant(session, site_id, enterprise_id, actor=actor, now=utcnow())
    session.commit()
    return site_out(session, site)
