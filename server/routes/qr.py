"""QR plaques for enterprises and plant sites, scanning them (扫码入企), and the scan log."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from inspection.field import qr, scans
from inspection.registry import enterprises as enterprise_service
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.qr import ScanPublic, ScanResult
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.routes.enterprises import enterprise_out, site_out
from server.routes.visits import visit_out
from server.settings import get_settings

router = APIRouter(tags=["qr"])

PNG = {200: {"content": {"image/png": {}}, "description": "the plaque, name under the code"}}
SVG = {200: {"content": {"image/svg+xml": {}}, "description": "the plaque, name under the code"}}


def _plaque(kind: qr.PlaqueKind, target_id: int, caption: str, fmt: str) -> Response:
    settings = get_settings()
    url = qr.plaque_url(settings.public_base_url, qr.plaque_token(settings.secret_key, kind, target_id))
    name = f"plaque-{'enterprise' if kind == qr.PlaqueKind.ENTERPRISE else 'site'}-{target_id}.{fmt}"
    headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, max-age=3600"}
    if fmt == "png":
        return Response(qr.qr_png(url, caption), media_type="image/png", headers=headers)
    return Response(qr.qr_svg(url, caption), media_type="image/svg+xml", headers=headers)


@router.get("/enterprises/{enterprise_id}/qrcode.png", response_class=Response, responses=PNG)
def enterprise_plaque_png(enterprise_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """The enterprise's QR plaque. Staff, or the enterprise's own users."""
    enterprise = enterprise_service.get_visible(session, enterprise_id, actor)
    return _plaque(qr.PlaqueKind.ENTERPRISE, enterprise_id, enterprise.name, "png")


@router.get("/enterprises/{enterprise_id}/qrcode.svg", response_class=Response, responses=SVG)
def enterprise_plaque_svg(enterprise_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    enterprise = enterprise_service.get_visible(session, enterprise_id, actor)
    return _plaque(qr.PlaqueKind.ENTERPRISE, enterprise_id, enterprise.name, "svg")


@router.get("/plant-sites/{site_id}/qrcode.png", response_class=Response, responses=PNG)
def site_plaque_png(site_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """The 厂中厂 site's QR plaque. Staff, or users of the landlord and the tenants."""
    site = enterprise_service.get_site_visible(session, site_id, actor)
    return _plaque(qr.PlaqueKind.SITE, site_id, site.name, "png")


@router.get("/plant-sites/{site_id}/qrcode.svg", response_class=Response, responses=SVG)
def site_plaque_svg(site_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    site = enterprise_service.get_site_visible(session, site_id, actor)
    return _plaque(qr.PlaqueKind.SITE, site_id, site.name, "svg")


def scan_out(entry: scans.ScanEntry) -> ScanPublic:
    log, user, department, site = entry.log, entry.user, entry.department, entry.site
    return ScanPublic(
        id=log.id or 0, scanned_at=log.scanned_at, user_id=user.id or 0, inspector_name=user.full_name,
        role=str(user.role), department_id=department.id if department else None,
        department_code=department.code if department else None,
        department_name=department.name if department else None, enterprise_id=log.enterprise_id,
        plant_site_id=log.plant_site_id, plant_site_name=site.name if site else None, latitude=log.latitude,
        longitude=log.longitude)


@router.get("/qr/{token}", response_model=ScanResult)
def scan_plaque(token: str, session: WriteSessionDep, actor: CurrentActor,
                lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
                lng: Annotated[float | None, Query(ge=-180, le=180)] = None) -> ScanResult:
    """An inspector (or the office) scans a plaque: the scan is logged with the phone's position, and the
    answer names the enterprise (or the site with landlord and tenants) and the scanner's open visit there,
    or null so the phone can offer to start an ad hoc one. A forged token is 404 `invalid_token`."""
    scanned = scans.scan(session, token, secret=get_settings().secret_key, actor=actor, now=utcnow(), lat=lat,
                         lng=lng)
    session.commit()
    return ScanResult(
        kind="enterprise" if scanned.enterprise is not None else "site",
        scan=scan_out(scans.entry_of(session, scanned.log)),
        enterprise=enterprise_out(scanned.enterprise) if scanned.enterprise is not None else None,
        site=site_out(session, scanned.site) if scanned.site is not None else None,
        open_visit=visit_out(session, scanned.open_visit) if scanned.open_visit is not None else None,
    )


@router.get("/enterprises/{enterprise_id}/scans", response_model=Page[ScanPublic])
def enterprise_scans(enterprise_id: Id, session: SessionDep, actor: CurrentActor,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     offset: Offset = 0) -> Page[ScanPublic]:
    """Who came: every scan of the enterprise's plaque (and of its sites' plaques), newest first. The
    enterprise sees its own; staff see all."""
    rows, total = scans.scans_of(session, enterprise_id, actor=actor, limit=limit, offset=offset)
    return Page(items=[scan_out(e) for e in rows], total=total, limit=limit, offset=offset)
