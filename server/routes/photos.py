"""Photos: streamed upload, the variants, public verification by code; a visit's signature."""

import stat
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import TypeAdapter
from sqlmodel import Session

from hazards.signoff import instruments
from hazards.signoff import signatures as signoff
from inspection.errors import InvalidInput, NotFound
from inspection.identity.access import Actor
from inspection.models import Photo
from inspection.photos import service as photo_service
from inspection.photos.service import Variant
from inspection.photos.storage import PhotoStore
from inspection.types import utcnow
from schemas.common import MAX_ID, Id
from schemas.photos import PhotoPublic, PhotoUrls, PhotoVerification, SignatureIn
from schemas.visits import VisitPublic
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.media import photo_store, render_variants
from server.routes.visits import visit_out
from server.settings import get_settings
from server.uploads import SpooledUpload, spool_upload

router = APIRouter(tags=["photos"])

PHOTOS_PATH = "/api/v1/photos"
SPOOL_DIR = ".incoming"  # below the store's root, so the orphan sweep also clears crash-left spools
# Decoding a 12 MP photo takes ~30 MB; at most this many uploads decode at once, the rest wait their turn.
PILLOW_SLOTS = 3
IMMUTABLE = "private, max-age=31536000, immutable"
STREAM_CHUNK = 256 * 1024
# A thumbnail (~20 KB) is read in one call on the request's thread and sent as one body: FileResponse would
# take four more trips through the thread pool (stat, open, read, close), each queued behind busy requests.
INLINE_BYTES = 256 * 1024
_ID = TypeAdapter(Id)
PURPOSES = ("signature",)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["file", "client_uuid"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "JPEG, PNG, WebP or HEIC"},
                "client_uuid": {"type": "string", "format": "uuid", "description": "one per photo, from the phone"},
                "visit_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "purpose": {"type": "string", "enum": list(PURPOSES),
                            "description": "signature: a signature capture (signs instruments; never a finding)"},
            },
        }}},
    }
}


def photo_out(photo: Photo) -> PhotoPublic:
    base = f"{PHOTOS_PATH}/{photo.id}"
    urls = PhotoUrls(original=f"{base}?variant=original", display=f"{base}?variant=display",
                     thumb=f"{base}?variant=thumb", verify=f"{PHOTOS_PATH}/verify/{photo.verify_code}")
    return PhotoPublic.model_validate({**photo.model_dump(), "urls": urls})


def _limiter(request: Request) -> anyio.CapacityLimiter:
    limiter = getattr(request.app.state, "photo_limiter", None)
    if limiter is None:
        limiter = request.app.state.photo_limiter = anyio.CapacityLimiter(PILLOW_SLOTS)
    return limiter


def _visit_id(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return _ID.validate_python(int(raw))
    except ValueError as exc:  # not an integer, or not an id (pydantic's ValidationError is a ValueError)
        raise InvalidInput("visit_id 必须是检查记录编号 / visit_id must be a visit id", code="invalid",
                           details=[{"loc": ["body", "visit_id"], "message": "not an id"}]) from exc


def _purpose(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in PURPOSES:
        raise InvalidInput("purpose 只能是 signature / purpose must be signature", code="invalid",
                           details=[{"loc": ["body", "purpose"], "message": "unknown purpose"}])
    return raw


def _store(read: Session, write: Session, spool: SpooledUpload, actor: Actor, store: PhotoStore
           ) -> tuple[PhotoPublic, bool]:
    """In a worker thread: the cheap checks on a read session, then decode, write the files and commit."""
    settings = get_settings()
    assert spool.path is not None
    plan = photo_service.plan_upload(read, client_uuid=spool.fields.get("client_uuid", ""), sha256=spool.sha256,
                                     visit_id=_visit_id(spool.fields.get("visit_id")), actor=actor)
    if plan.existing is not None:
        return photo_out(plan.existing), False
    read.rollback()  # hold no connection while Pillow works
    photo, created = photo_service.store_upload(
        write, tmp_path=spool.path, client_uuid=spool.fields["client_uuid"], actor=actor, now=utcnow(), store=store,
        max_pixels=settings.photo_max_pixels, display_side=settings.photo_display_side,
        thumb_side=settings.photo_thumb_side, enterprise_name=plan.enterprise_name, inspector_name=actor.full_name,
        visit_id=plan.visit_id, render=render_variants, purpose=_purpose(spool.fields.get("purpose")))
    write.commit()
    return photo_out(photo), created


@router.post("/photos", response_model=PhotoPublic, status_code=201, openapi_extra=UPLOAD_BODY,
             responses={200: {"model": PhotoPublic, "description": "the same photo again: the first upload"},
                        415: {"description": "not a JPEG, PNG, WebP or HEIC photo"}})
async def upload_photo(request: Request, response: Response, actor: CurrentActor, read: SessionDep,
                       write: WriteSessionDep) -> PhotoPublic:
    """Upload one photo as multipart/form-data: `file`, `client_uuid` (one UUID per photo, made on the phone)
    and optionally `visit_id`. The same photo again answers 200 with the first upload; another file under a
    used `client_uuid` is 409. The original is kept byte for byte; a display copy (stamped with time, place,
    enterprise, inspector and verification code, no EXIF) and a thumbnail are made from it."""
    photo_service.ensure_uploader(actor)  # before reading megabytes from someone who may not upload
    store = photo_store()
    settings = get_settings()
    spool_dir = Path(settings.media_dir) / "photos" / SPOOL_DIR
    spool = await spool_upload(request, directory=spool_dir, file_field="file",
                               text_fields=frozenset({"client_uuid", "visit_id", "purpose"}),
                               max_file_bytes=settings.max_photo_bytes)
    try:
        if "client_uuid" not in spool.fields:
            raise InvalidInput("缺少 client_uuid / client_uuid is required", code="invalid",
                               details=[{"loc": ["body", "client_uuid"], "message": "required"}])
        out, created = await anyio.to_thread.run_sync(partial(_store, read, write, spool, actor, store),
                                                      limiter=_limiter(request))
    finally:
        spool.discard()
    if not created:
        response.status_code = 200
    return out


@router.get("/photos/verify/{code}", response_model=PhotoVerification, tags=["public"])
def verify_photo(code: str, session: SessionDep) -> PhotoVerification:
    """Public: check a printed or forwarded photo by the code on its stamp. No image, no login."""
    result = photo_service.verify(session, code)
    return PhotoVerification.model_validate(result, from_attributes=True)


@router.get("/photos/{photo_id}", response_class=FileResponse,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "image/heic": {}}}})
def read_photo_file(photo_id: Id, session: SessionDep, actor: CurrentActor,
                    variant: Annotated[Variant, Query()] = Variant.DISPLAY) -> Response:
    """The image: `display` (stamped, no EXIF, <= 2000 px), `thumb` (<= 320 px) or `original` (as uploaded).
    The original is a download (`Content-Disposition: attachment`), never shown inline: it may carry data
    after the image (`trailing_bytes`), which a browser must not get to interpret."""
    photo = photo_service.get_visible(session, photo_id, actor)
    store = photo_store()
    key = photo_service.key_for(photo, variant)
    media_type = photo_service.content_type_of(photo, variant)
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if variant == Variant.ORIGINAL:
        headers["Content-Disposition"] = f'attachment; filename="photo-{photo.id}.{key.rsplit(".", 1)[-1]}"'
    path = store.path(key)
    if path is not None:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise FileNotFoundError(path)
            if variant == Variant.THUMB and info.st_size <= INLINE_BYTES:  # read here, on the request's thread
                return Response(path.read_bytes(), media_type=media_type, headers=headers)
        except OSError as exc:  # missing, or gone since
            raise NotFound("照片文件缺失 / photo file missing", code="photo_file_missing") from exc
        return FileResponse(path, media_type=media_type, headers=headers, stat_result=info)  # stat once
    try:  # an object store: absent (404) or unreachable (503) is known before the first byte is sent
        stream = store.open(key)
    except FileNotFoundError as exc:
        raise NotFound("照片文件缺失 / photo file missing", code="photo_file_missing") from exc
    return StreamingResponse(_chunks(stream), media_type=media_type, headers=headers)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        yield from iter(lambda: stream.read(STREAM_CHUNK), b"")
    finally:
        stream.close()


@router.post("/visits/{visit_id}/signature", response_model=VisitPublic, tags=["visits"])
def sign_visit(visit_id: Id, body: SignatureIn, session: WriteSessionDep, actor: CurrentActor) -> VisitPublic:
    """The representative signs a submitted visit on the inspector's pad: upload the signature through POST /photos
    with purpose=signature, then name it. It signs the 现场检查记录 (every page); signing again needs a reason."""
    visit = photo_service.sign_visit(session, visit_id, body.photo_id, actor=actor)
    signoff.sign(session, instruments.get(session, "visit", visit_id, actor), party="enterprise",
                 photo_id=body.photo_id, signer_name=body.signer_name or visit.representative_name or "企业代表",
                 reason=body.reason, actor=actor, now=utcnow())
    session.commit()
    return visit_out(session, visit)
