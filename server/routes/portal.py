"""The enterprise portal's order link: what the QR on a printed order opens, with no account.

Every route takes the link token from the path; ``hazards.documents.links.open_link`` turns it into the order and an
enterprise actor, and the enterprise-side services run as for a logged-in enterprise user, limited to the
order's own hazards and photos. A forged or expired link is 404 (``invalid_token`` / ``expired_token``).
"""

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from hazards.documents import links as portal
from hazards.loop import evidence as evidence_service
from hazards.loop import extensions
from inspection.errors import InvalidInput
from inspection.photos.service import Variant
from inspection.types import utcnow
from schemas.common import Id
from schemas.hazards import EvidenceIn, EvidencePublic, ExtensionIn, ExtensionPublic
from schemas.photos import PhotoPublic
from schemas.portal import PortalHazard, PortalOrder
from server.db import SessionDep, WriteSessionDep, writing
from server.routes import documents, photos
from server.routes.hazards import order_out
from server.settings import get_settings

router = APIRouter(prefix="/portal/orders/{token}", tags=["portal"])


def _open(session: Session, token: str, *, write: bool = False) -> portal.OrderLink:
    return portal.open_link(session, token, secret=get_settings().secret_key, now=utcnow(), write=write)


def _link_for_upload(token: str) -> portal.OrderLink:
    """The link and its user, made if new, committed in a session of its own: the upload's write session must
    still be unused (after a commit a write session only reads)."""
    with writing() as session:
        link = _open(session, token, write=True)
        session.commit()  # the link user, if it was just made
    return link


@router.get("", response_model=PortalOrder)
def read_order(token: str, session: SessionDep) -> PortalOrder:
    """The order: hazards with deadlines and days left, evidence and its review outcome, extension requests."""
    link = _open(session, token)
    base = order_out(session, link.order)
    hazards = [PortalHazard(**h.model_dump(),
                            evidence=[EvidencePublic.model_validate(e)
                                      for e in evidence_service.evidence_of(session, h.id)],
                            extensions=[ExtensionPublic.model_validate(e)
                                        for e in extensions.extensions_of(session, h.id)])
               for h in base.hazards]
    return PortalOrder(**base.model_dump(exclude={"hazards", "pdf_url"}), hazards=hazards,
                       pdf_url=f"/api/v1/portal/orders/{token}/order.pdf", link_expires_at=link.expires_at)


@router.get("/order.pdf", response_class=Response, responses=documents.PDF)
def order_pdf(token: str, session: SessionDep) -> Response:
    """The order as printed (责令限期整改指令书)."""
    link = _open(session, token)
    return documents.order_document(link.order.id or 0, session, link.actor)


@router.get("/photos/{photo_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def read_photo(token: str, photo_id: Id, session: SessionDep,
               variant: Annotated[Variant, Query()] = Variant.THUMB) -> Response:
    """A photo shown on the order (before, after, plan, evidence) or one this link uploaded in the last day (the
    portal's preview before the evidence is sent); any other photo is 404."""
    link = _open(session, token)
    portal.ensure_photo_on_order(session, link, photo_id, now=utcnow())
    if variant == Variant.ORIGINAL:
        raise InvalidInput("链接只能查看缩略图和展示图 / a link shows thumbnails and display images only",
                           code="invalid")
    return photos.read_photo_file(photo_id, session, link.actor, variant)


@router.post("/photos", response_model=PhotoPublic, status_code=201, openapi_extra=photos.UPLOAD_BODY)
async def upload_photo(token: str, request: Request, response: Response, read: SessionDep,
                       write: WriteSessionDep) -> PhotoPublic:
    """An after-photo (or plan page) for the order's hazards: multipart ``file`` and ``client_uuid``, as
    ``POST /api/v1/photos``. Use its id in the evidence."""
    link = await anyio.to_thread.run_sync(partial(_link_for_upload, token))
    return await photos.upload_photo(request, response, link.actor, read, write)


@router.post("/hazards/{hazard_id}/evidence", response_model=EvidencePublic, status_code=201)
def submit_evidence(token: str, hazard_id: Id, body: EvidenceIn, session: WriteSessionDep) -> EvidencePublic:
    """Rectification evidence for one of the order's hazards: after-photos and a note."""
    link = _open(session, token, write=True)
    portal.hazard_of(session, link, hazard_id)
    evidence = evidence_service.submit_evidence(session, hazard_id, body, actor=link.actor, now=utcnow())
    session.commit()
    return EvidencePublic.model_validate(evidence)


@router.post("/hazards/{hazard_id}/extensions", response_model=ExtensionPublic, status_code=201)
def request_extension(token: str, hazard_id: Id, body: ExtensionIn, session: WriteSessionDep) -> ExtensionPublic:
    """延期申请 for one of the order's hazards, before its deadline."""
    link = _open(session, token, write=True)
    portal.hazard_of(session, link, hazard_id)
    extension = extensions.request_extension(session, hazard_id, body, actor=link.actor, now=utcnow())
    session.commit()
    return ExtensionPublic.model_validate(extension)
