"""一案一档: one hazard's case file as one ZIP (the office, or an inspector of the hazard's department)."""

import tempfile
from collections.abc import Iterator
from typing import IO, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from hazards.documents import casefile
from hazards.documents.casefile_zip import CHUNK, write_case_zip
from hazards.loop import service as hazard_service
from inspection.models import Photo
from inspection.photos import service as photo_service
from inspection.types import utcnow
from schemas.common import Id
from server.auth import CurrentActor
from server.db import SessionDep
from server.media import photo_store
from server.routes.documents import photo_resolver
from server.settings import get_settings

router = APIRouter(tags=["documents"])

ZIP = {200: {"content": {"application/zip": {}}, "description": "the case file as a ZIP archive"}}
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # larger archives go to a temporary file on disk


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while data := spool.read(CHUNK):
            yield data
    finally:
        spool.close()


@router.get("/hazards/{hazard_id}/casefile.zip", response_class=Response, responses=ZIP)
def hazard_case_file(hazard_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    """案卷 of one hazard: 卷内目录 (PDF and CSV), every instrument issued for it as PDF, the photos as stored
    originals with their SHA-256, the evidence and review decisions, and its audit events with the chains checked.
    The office, or an inspector of the hazard's department; anyone else 403 (an enterprise: its own are 403, others'
    404)."""
    hazard = hazard_service.get_visible(session, hazard_id, actor)
    casefile.ensure_may_export(hazard, actor)
    settings = get_settings()
    store = photo_store()

    def open_original(photo: Photo) -> BinaryIO:
        return store.open(photo_service.key_for(photo, photo_service.Variant.ORIGINAL))

    case = casefile.load_case(session, hazard, secret=settings.secret_key, base_url=settings.public_base_url,
                              photo_path=photo_resolver(store))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by _chunks)
    try:
        write_case_zip(case, spool, open_original=open_original, exported_by=actor.full_name, now=utcnow())
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    name = f"案卷-隐患{hazard_id}-{case.enterprise.name}.zip"
    disposition = f"attachment; filename=\"casefile-{hazard_id}.zip\"; filename*=UTF-8''{quote(name, safe='')}"
    return StreamingResponse(_chunks(spool), media_type="application/zip",
                             headers={"Content-Disposition": disposition, "Content-Length": str(size),
                                      "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
