"""Printable documents as PDF: 责令限期整改指令书 / 整改复查意见书 and 现场检查记录.

Staff see every document; an enterprise user only its own (another's is 404, as for the records).
"""

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Response

from hazards.documents import data as documents_data
from hazards.documents import render as documents
from hazards.loop import orders as order_service
from inspection.clock import local_date
from inspection.field import visits as visit_service
from inspection.models import Photo
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


@router.get("/orders/{order_id:int}.pdf", response_class=Response, responses=PDF)
def order_document(order_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """The order as printed: 责令限期整改指令书, or 整改复查意见书 for a re-inspection record."""
    order = order_service.get_visible(session, order_id, actor)
    if order.kind == "reinspection":
        record = documents_data.load_reinspection_record(session, order_id)
        return pdf_response(documents.reinspection_pdf(record), f"{documents.REINSPECTION_TITLE}{order.number}",
                            f"reinspection-{order_id}.pdf")
    settings = get_settings()
    data = documents_data.load_order_document(session, order_id, secret=settings.secret_key,
                                              base_url=settings.public_base_url)
    return pdf_response(documents.order_pdf(data), f"{data.title}{order.number}", f"order-{order_id}.pdf")


@router.get("/visits/{visit_id:int}.pdf", response_class=Response, responses=PDF)
def visit_document(visit_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """现场检查记录: every department's results, failed items' photos, the representative's signature."""
    visit_service.get_visible(session, visit_id, actor)
    data = documents_data.load_visit_document(session, visit_id,
                                              photo_path=photo_resolver(photo_store()))
    day = local_date(data.visited_at) if data.visited_at else None
    name = f"{documents.VISIT_TITLE}-{data.enterprise.name}" + (f"-{day:%Y%m%d}" if day else "")
    return pdf_response(documents.visit_record_pdf(data), name, f"visit-{visit_id}.pdf")
