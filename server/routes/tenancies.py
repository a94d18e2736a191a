"""Tenancies of a plant site (厂中厂): the history of who rented which unit when; add one, end one."""

from fastapi import APIRouter
from sqlmodel import Session

from inspection.clock import local_date
from inspection.models import Enterprise, PlantSiteTenant
from inspection.registry import enterprises as enterprise_service
from inspection.registry import tenancies
from inspection.types import utcnow
from schemas.common import Id
from schemas.tenancies import TenancyCreate, TenancyEnd, TenancyPublic
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(tags=["enterprises"])


def tenancy_out(tenancy: PlantSiteTenant, name: str) -> TenancyPublic:
    return TenancyPublic(**tenancy.model_dump(), enterprise_name=name,
                         status=tenancies.status_of(tenancy, local_date(utcnow())))


@router.get("/plant-sites/{site_id}/tenancies", response_model=list[TenancyPublic])
def list_tenancies(site_id: Id, session: SessionDep, actor: CurrentActor) -> list[TenancyPublic]:
    """Every tenancy of the site, ended and expired ones included, newest start first."""
    enterprise_service.get_site_visible(session, site_id, actor)
    return [tenancy_out(t, name) for t, name in tenancies.of_site(session, site_id)]


@router.post("/plant-sites/{site_id}/tenancies", response_model=TenancyPublic, status_code=201)
def add_tenancy(site_id: Id, body: TenancyCreate, session: WriteSessionDep, actor: CurrentActor) -> TenancyPublic:
    """A tenancy of a unit; 409 ``tenancy_overlaps`` if the same tenant already rents that unit in that time."""
    enterprise_service.get_site_visible(session, site_id, actor)
    tenancy = tenancies.add(session, site_id, body, actor=actor, now=utcnow())
    out = tenancy_out(tenancy, _name(session, tenancy))
    session.commit()
    return out


@router.post("/plant-sites/{site_id}/tenancies/{tenancy_id}/end", response_model=TenancyPublic)
def end_tenancy(site_id: Id, tenancy_id: Id, body: TenancyEnd, session: WriteSessionDep,
                actor: CurrentActor) -> TenancyPublic:
    enterprise_service.get_site_visible(session, site_id, actor)
    tenancy = tenancies.end(session, site_id, tenancy_id, end_date=body.end_date, reason=body.reason, actor=actor,
                            now=utcnow())
    out = tenancy_out(tenancy, _name(session, tenancy))
    session.commit()
    return out


def _name(session: Session, tenancy: PlantSiteTenant) -> str:
    enterprise = session.get(Enterprise, tenancy.enterprise_id)
    return enterprise.name if enterprise is not None else ""
