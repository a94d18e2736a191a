"""扫码入企: an inspector scans the plaque at the gate; the scan is logged and the phone learns where it is.

The enterprise and the office both see the log (who came, from which department, when, where). A scan of a
plant site's plaque is logged against the site and its landlord, and shows in each tenant's log too.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from inspection.clock import local_date
from inspection.errors import NotFound
from inspection.field import qr
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, PlantSite, PlantSiteTenant, ScanLog, User, Visit, VisitInspector
from inspection.registry import enterprises as enterprise_service
from schemas.enums import Role, VisitStatus

SCANNERS = (Role.INSPECTOR, Role.OFFICE)
OPEN = (VisitStatus.PLANNED, VisitStatus.STARTED)


@dataclass(frozen=True)
class Scanned:
    log: ScanLog
    enterprise: Enterprise | None  # a plaque of an enterprise
    site: PlantSite | None  # or of a plant site
    open_visit: Visit | None  # the scanning inspector's planned or started visit there


@dataclass(frozen=True)
class ScanEntry:
    log: ScanLog
    user: User
    department: Department | None
    site: PlantSite | None


def scan(session: Session, token: str, *, secret: str, actor: Actor, now: datetime, lat: float | None = None,
         lng: float | None = None) -> Scanned:
    """Verify the plaque (NotFound ``invalid_token`` when forged), log the scan, find the open visit."""
    require_role(actor, *SCANNERS, action="scan plaques")
    kind, target_id = qr.read_plaque(secret, token, now=now)
    enterprise: Enterprise | None = None
    site: PlantSite | None = None
    if kind == qr.PlaqueKind.ENTERPRISE:
        enterprise = session.get(Enterprise, target_id)
        if enterprise is None:
            raise NotFound("企业不存在 / enterprise not found")
        enterprise_ids = [target_id]
        log = ScanLog(user_id=actor.user_id, enterprise_id=target_id, latitude=lat, longitude=lng, scanned_at=now)
    else:
        site = session.get(PlantSite, target_id)
        if site is None:
            raise NotFound("厂区不存在 / plant site not found")
        enterprise_ids = enterprise_service.site_enterprise_ids(session, site)
        log = ScanLog(user_id=actor.user_id, enterprise_id=site.landlord_id, plant_site_id=site.id, latitude=lat,
                      longitude=lng, scanned_at=now)
    session.add(log)
    session.flush()
    visit = open_visit(session, actor, enterprise_ids=enterprise_ids, site_id=site.id if site else None, now=now)
    return Scanned(log=log, enterprise=enterprise, site=site, open_visit=visit)


def open_visit(session: Session, actor: Actor, *, enterprise_ids: list[int], site_id: int | None,
               now: datetime) -> Visit | None:
    """The actor's planned or started visit to one of these enterprises (or this site): a started one first,
    then the one planned nearest to today."""
    place = col(Visit.enterprise_id).in_(enterprise_ids)
    if site_id is not None:
        place = or_(place, Visit.plant_site_id == site_id)
    rows = session.exec(
        select(Visit).join(VisitInspector, col(VisitInspector.visit_id) == Visit.id)
        .where(VisitInspector.user_id == actor.user_id, col(Visit.status).in_(OPEN), place)).all()
    today = local_date(now)

    def rank(visit: Visit) -> tuple[bool, int, int]:
        days = abs((visit.planned_date - today).days) if visit.planned_date else 10**6
        return visit.status != VisitStatus.STARTED, days, visit.id or 0

    return min(rows, key=rank, default=None)


def entry_of(session: Session, log: ScanLog) -> ScanEntry:
    """One log row with the scanner, their department and the site."""
    user = session.get(User, log.user_id)
    assert user is not None
    department = session.get(Department, user.department_id) if user.department_id is not None else None
    site = session.get(PlantSite, log.plant_site_id) if log.plant_site_id is not None else None
    return ScanEntry(log, user, department, site)


def scans_of(session: Session, enterprise_id: int, *, actor: Actor, limit: int, offset: int
             ) -> tuple[list[ScanEntry], int]:
    """Newest first: scans of the enterprise's plaque and of the plaques of sites it belongs to."""
    enterprise_service.get_visible(session, enterprise_id, actor)
    tenant_sites = select(PlantSiteTenant.site_id).where(PlantSiteTenant.enterprise_id == enterprise_id)
    mine = or_(ScanLog.enterprise_id == enterprise_id, col(ScanLog.plant_site_id).in_(tenant_sites))
    total = session.exec(select(func.count()).select_from(ScanLog).where(mine)).one()
    rows = session.exec(
        select(ScanLog, User, Department, PlantSite)
        .join(User, col(User.id) == ScanLog.user_id)
        .outerjoin(Department, col(Department.id) == User.department_id)
        .outerjoin(PlantSite, col(PlantSite.id) == ScanLog.plant_site_id)
        .where(mine).order_by(col(ScanLog.scanned_at).desc(), col(ScanLog.id).desc()).limit(limit).offset(offset)
    ).all()
    return [ScanEntry(log, user, department, site) for log, user, department, site in rows], total
