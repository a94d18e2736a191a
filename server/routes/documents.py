"""Printable documents as PDF: 责令限期整改指令书 / 整改复查意见书 and 现场检查记录 (the visit's, which prints its
departments' own records together, or one department's own).

Staff see every document; an enterprise user only its own (another's is 404, as for the records).
"""

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Response
from sqlmodel import Session, select

from hazards.documents import data as documents_data
from hazards.documents import signed as signed_documents
from hazards.signoff import instruments
from inspection.errors import NotFound
from inspection.field import visits as visit_service
from inspection.models import Photo, VisitDepartment
from inspection.photos import service as photo_service
from inspection.photos.storage import PhotoStore
from schemas.common import Id
from server.auth import CurrentActor
from server.db import SessionDep
from server.media import photo_store
from server.settings import get_settings

router = APIRouter(tags=["documents"])

PDF = {200: {"content": {"application/pdf": {}}, "description": "the document as PDF"}}


def photo_resolver(store: PhotoStore) -> documents_data.PhotoPath:
    """A photo -> its display JPEG (the stamped variant) on disk, or None when the file is not there."""

    def resolve(photo: Photo) -> Path | None:
        try:
            path = store.path(photo_service.key_for(photo, photo_service.Variant.DISPLAY))
        except ValueError:  # a key that could not be stored
            return None
        return path if path is not None and path.is_file() else None

    return resolve


def pdf_response(content: bytes, name: str, fallback: str) -> Response:
    """Shown in the browser (inline) under a Chinese file name (RFC 6266/5987), ASCII name for old clients."""
    disposition = f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + '.pdf', safe='')}"
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


def instrument_pdf(session: Session, ref: instruments.InstrumentRef) -> Response:
    """The instrument as printed, with its signatures (or the refusal), number and content hash on every page."""
    settings = get_settings()
    printed = signed_documents.printed_instrument(session, ref, photo_path=photo_resolver(photo_store()),
                                                  secret=settings.secret_key, base_url=settings.public_base_url)
    return pdf_response(printed.pdf, printed.name, printed.fallback)


@router.get("/orders/{order_id:int}.pdf", response_class=Response, responses=PDF)
def order_document(order_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """The order as printed: 责令限期整改指令书, or 整改复查意见书 for a re-inspection record."""
    return instrument_pdf(session, instruments.get(session, "order", order_id, actor))


@router.get("/visits/{visit_id:int}.pdf", response_class=Response, responses=PDF)
def visit_document(visit_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """现场检查记录: its number and §G.7 fields, every department's results, failed items' photos, signatures."""
    return instrument_pdf(session, instruments.get(session, "visit", visit_id, actor))


@router.get("/visits/{visit_id:int}/departments/{department_id:int}/record.pdf", response_class=Response,
            responses=PDF)
def part_record_document(visit_id: Id, department_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """One department's part of the visit as its own 现场检查记录: its number, its items, results and findings,
    its own inspectors and their signatures (404 until the part is submitted, and on visits numbered as a whole)."""
    visit_service.get_visible(session, visit_id, actor)
    part = session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id,
                                                      VisitDepartment.department_id == department_id)).first()
    if part is None or not part.record_number:
        raise NotFound("该部门的检查记录不存在 / this department has no record of its own on this visit")
    return instrument_pdf(session, instruments.get(session, "visit_part", part.id or 0, actor))
