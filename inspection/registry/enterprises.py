"""The enterprise registry: who is inspected, and the plant sites (厂中厂) they share."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound
from inspection.identity.access import Actor, enterprise_filter, require_role
from inspection.models import Enterprise, PlantSite, PlantSiteTenant
from inspection.registry import creditcode, tenancies
from inspection.types import utcnow
from schemas.enterprises import (
    EnterpriseContactUpdate,
    EnterpriseCreate,
    EnterpriseFields,
    EnterpriseUpdate,
    PlantSiteCreate,
    TenantAdd,
    check_profile,
)
from schemas.enums import RiskClass, Role
from schemas.tenancies import TenancyCreate
from schemas.validation_messages import message_for

REGISTRARS = (Role.OFFICE, Role.ADMIN)
LANDLORD_IS_TENANT = "出租方不能同时是本厂区承租方 / the landlord cannot be its own tenant"


@dataclass(frozen=True)
class EnterpriseFilters:
    street: str | None = None
    risk_class: RiskClass | None = None
    industry: str | None = None
    dust: bool | None = None
    gas: bool | None = None
    landlord: bool | None = None
    tenant: bool | None = None
    green: bool | None = None
    q: str | None = None


def valid_credit_code(raw: str) -> creditcode.CreditCodeCheck:
    result = creditcode.check(raw)
    if not result.ok:
        raise InvalidInput(
            f"统一社会信用代码无效 / invalid credit code: {result.errors[0]}",
            code="invalid_credit_code",
            details=[{"loc": ["body", "credit_code"], "message": msg} for msg in result.errors],
        )
    return result


def _ensure_unique_code(session: Session, code: str, *, except_id: int | None = None) -> None:
    query = select(Enterprise.id).where(Enterprise.credit_code == code)
    if except_id is not None:
        query = query.where(Enterprise.id != except_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"统一社会信用代码已登记 / credit code {code} is already registered",
                       code="duplicate_credit_code")


def get_visible(session: Session, enterprise_id: int, actor: Actor) -> Enterprise:
    enterprise = session.exec(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_filter(actor, Enterprise.id))
    ).first()
    if enterprise is None:
        raise NotFound("企业不存在 / enterprise not found")
    return enterprise


def create(session: Session, data: EnterpriseCreate, *, actor: Actor, now: datetime) -> Enterprise:
    require_role(actor, *REGISTRARS, action="register enterprises")
    code = valid_credit_code(data.credit_code).code
    _ensure_unique_code(session, code)
    enterprise = Enterprise(**data.model_dump(exclude={"credit_code"}), credit_code=code,
                            created_at=now, updated_at=now)
    session.add(enterprise)
    session.flush()
    assert enterprise.id is not None
    audit.record(session, entity="enterprise", entity_id=enterprise.id, action="created", actor=actor,
                 at=now, after=audit.snapshot(enterprise))
    return enterprise


def _apply_changes(session: Session, enterprise: Enterprise, changes: dict[str, Any], *, actor: Actor,
                   now: datetime, action: str) -> Enterprise:
    before = audit.snapshot(enterprise)
    for key, value in changes.items():
        setattr(enterprise, key, value)
    try:
        check = EnterpriseFields.model_validate(
            {k: v for k, v in enterprise.model_dump().items() if k in EnterpriseFields.model_fields}
        )
    except ValidationError as exc:  # the enterprise as it would be after the change
        raise InvalidInput("企业信息不合法 / invalid enterprise details", details=[
            {"loc": ["body", *map(str, err["loc"])], "message": message_for(dict(err)), "type": err["type"]}
            for err in exc.errors()]) from exc
    try:
        check_profile(check)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="inconsistent_profile") from exc
    old, new = audit.diff(before, audit.snapshot(enterprise))
    if new:
        enterprise.updated_at = now
        session.add(enterprise)
        assert enterprise.id is not None
        audit.record(session, entity="enterprise", entity_id=enterprise.id, action=action, actor=actor,
                     at=now, before=old, after=new)
    return enterprise


def update(session: Session, enterprise_id: int, data: EnterpriseUpdate, *, actor: Actor,
           now: datetime) -> Enterprise:
    enterprise = get_visible(session, enterprise_id, actor)
    require_role(actor, *REGISTRARS, action="change enterprises")
    changes = data.model_dump(exclude_unset=True)
    if "credit_code" in changes:
        changes["credit_code"] = valid_credit_code(changes["credit_code"]).code
        _ensure_unique_code(session, changes["credit_code"], except_id=enterprise.id)
    return _apply_changes(session, enterprise, changes, actor=actor, now=now, action="updated")


def update_contact(session: Session, enterprise_id: int, data: EnterpriseContactUpdate, *, actor: Actor,
                   now: datetime) -> Enterprise:
    enterprise = get_visible(session, enterprise_id, actor)
    require_role(actor, Role.ENTERPRISE, *REGISTRARS, action="change contact details")
    return _apply_changes(session, enterprise, data.model_dump(exclude_unset=True), actor=actor, now=now,
                          action="contact_updated")


def search(session: Session, filters: EnterpriseFilters, *, actor: Actor, limit: int,
           offset: int) -> tuple[list[Enterprise], int]:
    conditions = [enterprise_filter(actor, Enterprise.id)]
    if filters.street:
        conditions.append(Enterprise.street == filters.street)
    if filters.risk_class:
        conditions.append(Enterprise.risk_class == filters.risk_class)
    if filters.industry:
        conditions.append(Enterprise.industry == filters.industry)
    if filters.dust is not None:
        conditions.append(Enterprise.dust_involved == filters.dust)
    if filters.gas is not None:
        conditions.append(Enterprise.gas_user == filters.gas)
    if filters.green is not None:
        conditions.append(Enterprise.green_listed == filters.green)
    if filters.landlord is not None:
        is_landlord = exists().where(PlantSite.landlord_id == Enterprise.id)
        conditions.append(is_landlord if filters.landlord else ~is_landlord)
    if filters.tenant is not None:
        is_tenant = exists().where(PlantSiteTenant.enterprise_id == Enterprise.id,
                                   tenancies.current_on(local_date(utcnow())))
        conditions.append(is_tenant if filters.tenant else ~is_tenant)
    if filters.q:
        text = filters.q.strip()  # % and _ (and the escape character) are literal: "contains", not a pattern
        conditions.append(or_(col(Enterprise.name).contains(text, autoescape=True),
                              col(Enterprise.credit_code).contains(text, autoescape=True)))
    total = session.exec(select(func.count()).select_from(Enterprise).where(*conditions)).one()
    rows = session.exec(
        select(Enterprise).where(*conditions).order_by(col(Enterprise.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), total


# --- plant sites (厂中厂) -------------------------------------------------------------------------------

def _existing_enterprises(session: Session, ids: list[int]) -> None:
    found = set(session.exec(select(Enterprise.id).where(col(Enterprise.id).in_(ids))).all())
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput("企业不存在 / unknown enterprise ids", code="unknown_enterprise",
                           details={"missing": missing})


def create_site(session: Session, data: PlantSiteCreate, *, actor: Actor, now: datetime) -> PlantSite:
    require_role(actor, *REGISTRARS, action="register plant sites")
    tenant_ids = list(dict.fromkeys(data.tenant_ids))
    if data.landlord_id in tenant_ids:
        raise InvalidInput(LANDLORD_IS_TENANT, code="landlord_is_tenant")
    _existing_enterprises(session, [data.landlord_id, *tenant_ids])
    site = PlantSite(**data.model_dump(exclude={"tenant_ids"}), created_at=now)
    session.add(site)
    session.flush()
    assert site.id is not None
    for tenant_id in tenant_ids:
        session.add(PlantSiteTenant(site_id=site.id, enterprise_id=tenant_id))
    audit.record(session, entity="plant_site", entity_id=site.id, action="created", actor=actor, at=now,
                 after={**audit.snapshot(site), "tenant_ids": tenant_ids})
    session.flush()
    return site


def site_enterprise_ids(session: Session, site: PlantSite) -> list[int]:
    """The landlord and the tenants whose tenancies are current or yet to begin (who may see the site)."""
    tenants = session.exec(select(PlantSiteTenant.enterprise_id).where(
        PlantSiteTenant.site_id == site.id, tenancies.not_over(local_date(utcnow()))))
    return list(dict.fromkeys([site.landlord_id, *tenants.all()]))


def get_site_visible(session: Session, site_id: int, actor: Actor) -> PlantSite:
    site = session.get(PlantSite, site_id)
    if site is None:
        raise NotFound("厂区不存在 / plant site not found")
    if not actor.is_staff and actor.enterprise_id not in site_enterprise_ids(session, site):
        raise NotFound("厂区不存在 / plant site not found")
    return site


def add_tenant(session: Session, site_id: int, data: TenantAdd, *, actor: Actor, now: datetime) -> PlantSite:
    """A tenancy from today (or ``start_date``), open-ended unless ``end_date``: ``tenancies.add``."""
    require_role(actor, *REGISTRARS, action="change plant sites")
    site = get_site_visible(session, site_id, actor)
    tenancies.add(session, site_id, TenancyCreate.model_construct(**data.model_dump()), actor=actor, now=now)
    return site


def remove_tenant(session: Session, site_id: int, enterprise_id: int, *, actor: Actor,
                  now: datetime) -> PlantSite:
    """End the tenant's tenancies that are not over (history kept): it is off the site from today."""
    require_role(actor, *REGISTRARS, action="change plant sites")
    site = get_site_visible(session, site_id, actor)
    if not tenancies.end_all_of(session, site_id, enterprise_id, reason="退出厂区 / taken off the site",
                                actor=actor, now=now):
        raise NotFound("该企业不是本厂区承租方 / not a tenant of this site")
    return site


def list_sites(session: Session, *, actor: Actor, limit: int, offset: int) -> tuple[list[PlantSite], int]:
    conditions = []
    if not actor.is_staff:
        mine = actor.enterprise_id if actor.enterprise_id is not None else -1
        conditions.append(or_(
            PlantSite.landlord_id == mine,
            exists().where(PlantSiteTenant.site_id == PlantSite.id, PlantSiteTenant.enterprise_id == mine,
                           tenancies.not_over(local_date(utcnow()))),
        ))
    total = session.exec(select(func.count()).select_from(PlantSite).where(*conditions)).one()
    rows = session.exec(select(PlantSite).where(*conditions).order_by(col(PlantSite.id))
                        .limit(limit).offset(offset)).all()
    return list(rows), total


def sites_of(session: Session, enterprise_id: int, *, actor: Actor) -> tuple[list[PlantSite], list[PlantSite]]:
    """(sites where it is the landlord, sites where it is a tenant)."""
    get_visible(session, enterprise_id, actor)
    as_landlord = session.exec(select(PlantSite).where(PlantSite.landlord_id == enterprise_id)
                               .order_by(col(PlantSite.id))).all()
    as_tenant = session.exec(
        select(PlantSite).join(PlantSiteTenant, col(PlantSiteTenant.site_id) == PlantSite.id)
        .where(PlantSiteTenant.enterprise_id == enterprise_id, tenancies.current_on(local_date(utcnow())))
        .order_by(col(PlantSite.id))
    ).all()
    return list(as_landlord), list({s.id: s for s in as_tenant}.values())


def site_members(session: Session, site: PlantSite) -> tuple[Enterprise, list[Enterprise]]:
    landlord = session.get(Enterprise, site.landlord_id)
    assert landlord is not None
    tenants = session.exec(
        select(Enterprise).join(PlantSiteTenant, col(PlantSiteTenant.enterprise_id) == Enterprise.id)
        .where(PlantSiteTenant.site_id == site.id, tenancies.current_on(local_date(utcnow())))
        .order_by(col(Enterprise.id))
    ).all()
    return landlord, list({t.id: t for t in tenants}.values())
