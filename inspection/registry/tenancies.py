"""Tenancies of plant sites (厂中厂): a tenant rents a unit from a start date to an end date (null: open-ended).

History is kept: a tenancy is ended (its last day set), never deleted, and one that passed its end date has
expired. A tenant is a tenant of the site on the days one of its tenancies is current. One tenant's tenancies of
the same unit never overlap (409). The site row is locked while tenancies are written, so two requests cannot
both pass the overlap check.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound
from inspection.identity.access import Actor, require_role
from inspection.models import Enterprise, PlantSite, PlantSiteTenant
from schemas.enums import Role
from schemas.tenancies import TenancyCreate, TenancyStatus

REGISTRARS = (Role.OFFICE, Role.ADMIN)
FIELDS = ["site_id", "enterprise_id", "unit", "area_m2", "start_date", "end_date"]


def current_on(day: date) -> ColumnElement[bool]:
    """SQL: the tenancy covers ``day``."""
    return and_(col(PlantSiteTenant.start_date) <= day,
                or_(col(PlantSiteTenant.end_date).is_(None), col(PlantSiteTenant.end_date) >= day))


def not_over(day: date) -> ColumnElement[bool]:
    """SQL: the tenancy is current on ``day`` or starts later (not ended, not expired)."""
    return and_(or_(col(PlantSiteTenant.end_date).is_(None), col(PlantSiteTenant.end_date) >= day),
                or_(col(PlantSiteTenant.end_date).is_(None),
                    col(PlantSiteTenant.end_date) >= col(PlantSiteTenant.start_date)))


def status_of(tenancy: PlantSiteTenant, day: date) -> TenancyStatus:
    if tenancy.end_date is not None and (tenancy.end_date < day or tenancy.end_date < tenancy.start_date):
        return TenancyStatus.ENDED if tenancy.ended_at is not None else TenancyStatus.EXPIRED
    return TenancyStatus.UPCOMING if tenancy.start_date > day else TenancyStatus.CURRENT


def normal_unit(unit: str) -> str:
    """Units compare without spaces and case: "3号楼 2层" is "3号楼2层"."""
    return "".join(unit.split()).upper()


def current_tenant_ids(session: Session, site_id: int, day: date) -> list[int]:
    rows = session.exec(select(PlantSiteTenant.enterprise_id).where(PlantSiteTenant.site_id == site_id,
                                                                    current_on(day))
                        .order_by(col(PlantSiteTenant.enterprise_id))).all()
    return list(dict.fromkeys(rows))


def of_site(session: Session, site_id: int) -> list[tuple[PlantSiteTenant, str]]:
    """Every tenancy of the site, history included, with the tenant's name: newest start first."""
    rows = session.exec(select(PlantSiteTenant, Enterprise.name)
                        .join(Enterprise, col(Enterprise.id) == PlantSiteTenant.enterprise_id)
                        .where(PlantSiteTenant.site_id == site_id)
                        .order_by(col(PlantSiteTenant.start_date).desc(), col(PlantSiteTenant.id).desc())).all()
    return [(tenancy, name) for tenancy, name in rows]


def _locked_site(session: Session, site_id: int) -> PlantSite:
    site = session.exec(select(PlantSite).where(PlantSite.id == site_id).with_for_update()).first()
    if site is None:
        raise NotFound("厂区不存在 / plant site not found")
    return site


def _overlapping(session: Session, site_id: int, enterprise_id: int, unit: str, start: date,
                 end: date | None) -> PlantSiteTenant | None:
    wanted = normal_unit(unit)
    conditions = [PlantSiteTenant.site_id == site_id, PlantSiteTenant.enterprise_id == enterprise_id,
                  or_(col(PlantSiteTenant.end_date).is_(None), col(PlantSiteTenant.end_date) >= start),
                  or_(col(PlantSiteTenant.end_date).is_(None),
                      col(PlantSiteTenant.end_date) >= col(PlantSiteTenant.start_date))]
    if end is not None:
        conditions.append(col(PlantSiteTenant.start_date) <= end)
    rows = session.exec(select(PlantSiteTenant).where(*conditions).order_by(col(PlantSiteTenant.id))).all()
    return next((row for row in rows if normal_unit(row.unit) == wanted), None)


def record(session: Session, site_id: int, data: TenancyCreate, *, actor: Actor, now: datetime,
           reason: str = "") -> PlantSiteTenant:
    """Write a tenancy after the checks every door shares (the office's API, an approved lease application)."""
    site = _locked_site(session, site_id)
    if data.enterprise_id == site.landlord_id:
        raise InvalidInput("出租方不能同时是本厂区承租方 / the landlord cannot be its own tenant",
                           code="landlord_is_tenant")
    if session.get(Enterprise, data.enterprise_id) is None:
        raise InvalidInput("企业不存在 / unknown enterprise ids", code="unknown_enterprise",
                           details={"missing": [data.enterprise_id]})
    start = data.start_date or local_date(now)
    if data.end_date is not None and data.end_date < start:
        raise InvalidInput("租期结束日期早于开始日期 / the end date is before the start date",
                           code="invalid_term")
    unit = " ".join(data.unit.split())
    clash = _overlapping(session, site_id, data.enterprise_id, unit, start, data.end_date)
    if clash is not None:
        raise Conflict(
            f"该企业在{clash.unit or '本厂区'}已有租期重叠的租赁（{clash.start_date}至{clash.end_date or '长期'}） / "
            f"an overlapping tenancy of this tenant and unit exists", code="tenancy_overlaps",
            details={"tenancy_id": clash.id, "unit": clash.unit, "start_date": str(clash.start_date),
                     "end_date": str(clash.end_date) if clash.end_date else None})
    tenancy = PlantSiteTenant(site_id=site_id, enterprise_id=data.enterprise_id, unit=unit, area_m2=data.area_m2,
                              start_date=start, end_date=data.end_date, created_at=now)
    session.add(tenancy)
    session.flush()
    audit.record(session, entity="plant_site", entity_id=site_id, action="tenancy_added", actor=actor, at=now,
                 after={"tenancy_id": tenancy.id, **audit.snapshot(tenancy, FIELDS)}, reason=reason)
    return tenancy


def add(session: Session, site_id: int, data: TenancyCreate, *, actor: Actor, now: datetime) -> PlantSiteTenant:
    require_role(actor, *REGISTRARS, action="change plant sites")
    return record(session, site_id, data, actor=actor, now=now)


def end(session: Session, site_id: int, tenancy_id: int, *, end_date: date | None, reason: str, actor: Actor,
        now: datetime) -> PlantSiteTenant:
    """End a tenancy: its last day becomes ``end_date`` (default yesterday, so it is over today). Ending one
    that has not begun withdraws it (its last day the day before its first). Audited; the row stays."""
    require_role(actor, *REGISTRARS, action="change plant sites")
    _locked_site(session, site_id)
    tenancy = session.get(PlantSiteTenant, tenancy_id)
    if tenancy is None or tenancy.site_id != site_id:
        raise NotFound("租赁记录不存在 / tenancy not found")
    today = local_date(now)
    if status_of(tenancy, today) in (TenancyStatus.ENDED, TenancyStatus.EXPIRED):
        raise Conflict("该租赁已结束 / the tenancy is already over", code="tenancy_over")
    last = end_date if end_date is not None else today - timedelta(days=1)
    last = max(last, tenancy.start_date - timedelta(days=1))
    if tenancy.end_date is not None and last > tenancy.end_date:
        raise InvalidInput("结束日期晚于原定租期 / the end date is after the agreed term", code="invalid_term")
    before = audit.snapshot(tenancy, ["end_date"])
    tenancy.end_date, tenancy.ended_at, tenancy.ended_by = last, now, actor.user_id
    tenancy.end_reason = reason.strip()[:200]
    session.add(tenancy)
    session.flush()
    audit.record(session, entity="plant_site", entity_id=site_id, action="tenancy_ended", actor=actor, at=now,
                 before={"tenancy_id": tenancy.id, **before},
                 after={"tenancy_id": tenancy.id, **audit.snapshot(tenancy, ["end_date"])}, reason=reason)
    return tenancy


def end_all_of(session: Session, site_id: int, enterprise_id: int, *, reason: str, actor: Actor,
               now: datetime) -> list[PlantSiteTenant]:
    """End every tenancy of one tenant at the site that is not over (taking it off the site)."""
    rows = session.exec(select(PlantSiteTenant).where(
        PlantSiteTenant.site_id == site_id, PlantSiteTenant.enterprise_id == enterprise_id,
        not_over(local_date(now)))).all()
    return [end(session, site_id, row.id or 0, end_date=None, reason=reason, actor=actor, now=now) for row in rows]
