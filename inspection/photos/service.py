"""Photos as records: storing an upload, who may see a photo, verification codes, and the orphan sweep.

An upload is content-addressed: the original's SHA-256 names its files, and the phone's UUID for the photo
makes a retried upload return the first result. Files are written before the row is flushed, so a crash in
between leaves a file without a row (``sweep_orphans`` removes it later), never a row without a file.

Keys: ``original/ab/<sha256>.<ext>`` (the uploaded bytes, untouched), ``thumb/ab/<sha256>.jpg`` and
``display/ab/<sha256>-<verify_code>.jpg``. The display key carries the code stamped on it: two uploads of
the same bytes racing each other each stamp their own code, and whichever row wins points at its own file.

Pillow work happens before the first query, so on SQLite the write lock (BEGIN IMMEDIATE) is not held while
images are decoded; ``plan_upload`` lets the caller answer a repeat or a bad request before any of that.
"""

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from inspection.errors import Conflict, InvalidInput, NotFound
from inspection.field import visits as visit_service
from inspection.identity.access import Actor, require_role
from inspection.lookup import by_id
from inspection.models import Enterprise, Photo, PhotoHash, User, Visit
from inspection.photos import likeness, stamp
from inspection.photos import pipeline as photos
from inspection.photos.storage import PhotoStore
from schemas.enums import Role

VERIFY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a printed photo
VERIFY_LENGTH = 8  # 32**8 ≈ 1.1e12 codes: not worth enumerating
UPLOADERS = (Role.INSPECTOR, Role.ENTERPRISE)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
              "image/heif": "heif"}
_ATTEMPTS = 5
_SWEEP_BATCH = 500
_KEY = re.compile(r"^(original|display|thumb)/([0-9a-f]{2})/([0-9a-f]{64})(?:-([0-9A-Z]+))?\.([a-z]+)$")
_VERIFY_CODE = re.compile(f"^[{VERIFY_ALPHABET}]{{{VERIFY_LENGTH}}}$")

NOT_FOUND = "照片不存在 / photo not found"


class Variant(StrEnum):
    ORIGINAL = "original"
    DISPLAY = "display"
    THUMB = "thumb"


def key_for(photo: Photo, variant: Variant) -> str:
    sha = photo.sha256
    if variant == Variant.ORIGINAL:
        return f"original/{sha[:2]}/{sha}.{EXTENSIONS[photo.content_type]}"
    if variant == Variant.DISPLAY:
        return f"display/{sha[:2]}/{sha}-{photo.verify_code}.jpg"
    return f"thumb/{sha[:2]}/{sha}.jpg"


def content_type_of(photo: Photo, variant: Variant) -> str:
    return photo.content_type if variant == Variant.ORIGINAL else "image/jpeg"


def new_verify_code() -> str:
    return "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_LENGTH))


def canonical_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError as exc:
        raise InvalidInput("client_uuid 不是有效的 UUID / client_uuid is not a valid UUID", code="invalid",
                           details=[{"loc": ["body", "client_uuid"], "message": "not a UUID"}]) from exc


# --- who may see what ------------------------------------------------------------------------------------------

def can_see(photo: Photo, actor: Actor) -> bool:
    """Staff see every photo; an enterprise user the photos of its own visits, hazards and evidence."""
    if actor.is_staff:
        return True
    return actor.role == Role.ENTERPRISE and actor.enterprise_id is not None and (
        photo.enterprise_id == actor.enterprise_id)


def get_visible(session: Session, photo_id: int, actor: Actor) -> Photo:
    photo = by_id(session, Photo, photo_id)
    if photo is None or not can_see(photo, actor):
        raise NotFound(NOT_FOUND)
    return photo


def ensure_uploader(actor: Actor) -> None:
    require_role(actor, *UPLOADERS, action="upload photos")


# --- uploads ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadPlan:
    """What a new upload will belong to, or the photo a repeat resolves to."""

    existing: Photo | None
    visit_id: int | None
    enterprise_id: int | None
    enterprise_name: str


def plan_upload(session: Session, *, client_uuid: str, sha256: str, visit_id: int | None,
                actor: Actor) -> UploadPlan:
    """Cheap checks before any decoding: the visit (404), a repeat (the existing photo), a reused UUID (409)."""
    ensure_uploader(actor)
    enterprise_id, enterprise_name = _target(session, visit_id, actor)
    existing = _find_repeat(session, client_uuid=canonical_uuid(client_uuid), sha256=sha256, actor=actor,
                            visit_id=visit_id)
    return UploadPlan(existing, visit_id, enterprise_id, enterprise_name)


def store_upload(
    session: Session,
    *,
    tmp_path: Path,
    client_uuid: str,
    actor: Actor,
    now: datetime,
    store: PhotoStore,
    max_pixels: int = photos.MAX_PIXELS,
    display_side: int = photos.DISPLAY_SIDE,
    thumb_side: int = photos.THUMB_SIDE,
    enterprise_name: str = "",
    inspector_name: str = "",
    visit_id: int | None = None,
    render: Callable[..., photos.Variants] = photos.make_variants,
    purpose: str | None = None,
) -> tuple[Photo, bool]:
    """Validate, make the variants, write the files, then add the row (flushed). ``(photo, created)``.

    ``render`` makes the variants: ``photos.make_variants`` here, or the same function run elsewhere (the server
    runs it in a process of lower priority, so decoding photos never starves the other requests).

    The same bytes again from the same uploader for the same visit (under any UUID) give the same photo and
    ``created=False``; from anyone else, or for another visit, a new record; other bytes under a used UUID, or
    another uploader's UUID, are a Conflict. Photo errors keep their classes: Unsupported (415), InvalidInput with code
    ``photo_corrupt`` (422), TooLarge with code ``photo_too_many_pixels`` (413).
    """
    ensure_uploader(actor)
    client_uuid = canonical_uuid(client_uuid)
    info = photos.inspect_photo(tmp_path, max_pixels=max_pixels)
    stamp_names = {"enterprise": enterprise_name, "inspector": inspector_name or actor.full_name}
    code = new_verify_code()
    for _ in range(_ATTEMPTS):
        photo = Photo(client_uuid=client_uuid, sha256=info.sha256, verify_code=code,
                      content_type=info.content_type, size_bytes=tmp_path.stat().st_size, width=info.width,
                      height=info.height, captured_at=info.captured_at, latitude=info.lat, longitude=info.lng,
                      trailing_bytes=info.trailing_bytes, uploaded_by=actor.user_id, visit_id=visit_id,
                      created_at=now, purpose=purpose)
        watermark = stamp.Stamp(captured_at=info.captured_at, lat=info.lat, lng=info.lng, verify_code=code,
                                **stamp_names)
        variants = render(tmp_path, stamp=watermark, display_side=display_side, thumb_side=thumb_side,
                          max_pixels=max_pixels)
        store.put_file(key_for(photo, Variant.ORIGINAL), tmp_path)
        store.put_bytes(key_for(photo, Variant.THUMB), variants.thumb)
        store.put_bytes(key_for(photo, Variant.DISPLAY), variants.display)
        try:  # from here on the database; the display file is ours alone, so it goes if no row takes it
            photo.enterprise_id, _ = _target(session, visit_id, actor)
            existing = _find_repeat(session, client_uuid=client_uuid, sha256=info.sha256, actor=actor,
                                    visit_id=visit_id)
            if existing is not None:
                store.delete(key_for(photo, Variant.DISPLAY))
                return existing, False
            if not _code_taken(session, code) and _insert(session, photo, variants.hashes):
                return photo, True
        except BaseException:
            store.delete(key_for(photo, Variant.DISPLAY))
            raise
        store.delete(key_for(photo, Variant.DISPLAY))
        existing = _find_repeat(session, client_uuid=client_uuid, sha256=info.sha256, actor=actor,
                                visit_id=visit_id)
        if existing is not None:  # a concurrent upload of the same photo committed first
            return existing, False
        code = new_verify_code()  # the code was taken: stamp a new one
    raise Conflict("无法分配核验码，请重试 / could not allocate a verification code, try again",
                   code="verify_code_exhausted")


_INSERT_HASHES = insert(PhotoHash.__table__)  # type: ignore[attr-defined]


def _insert(session: Session, photo: Photo, hashes: tuple[int, ...] = ()) -> bool:
    """Add and flush in a savepoint, with the photo's perceptual hashes; False when a unique key (UUID, hash,
    code) was taken meanwhile."""
    try:
        with session.begin_nested():
            session.add(photo)
            session.flush()
            rows = [{"photo_id": photo.id or 0, "window": window, "value": value, "band0": b0, "band1": b1,
                     "band2": b2, "band3": b3} for window, value, (b0, b1, b2, b3) in likeness.rows(hashes)]
            if rows:  # one executemany: the ORM sent its twenty rows one statement each
                session.connection().execute(_INSERT_HASHES, rows)
    except IntegrityError:
        return False
    return True


def _code_taken(session: Session, code: str) -> bool:
    return session.exec(select(Photo.id).where(Photo.verify_code == code)).first() is not None


def _target(session: Session, visit_id: int | None, actor: Actor) -> tuple[int | None, str]:
    """(enterprise id, enterprise name) for a new photo: the visit's, else an enterprise user's own."""
    if visit_id is not None:
        visit = visit_service.get_visible(session, visit_id, actor)
        if actor.role == Role.INSPECTOR:
            visit_service.ensure_on_visit(session, visit, actor)
        enterprise = session.get(Enterprise, visit.enterprise_id)
        return visit.enterprise_id, enterprise.name if enterprise else ""
    if actor.role == Role.ENTERPRISE and actor.enterprise_id is not None:
        enterprise = session.get(Enterprise, actor.enterprise_id)
        return actor.enterprise_id, enterprise.name if enterprise else ""
    return None, ""


def _find_repeat(session: Session, *, client_uuid: str, sha256: str, actor: Actor,
                 visit_id: int | None = None) -> Photo | None:
    """This uploader's earlier upload of the same photo for the same context (a retry), else None: a record
    belongs to its uploader, and the same bytes from someone else, or for another visit, make a new one."""
    by_uuid = session.exec(select(Photo).where(Photo.client_uuid == client_uuid)).first()
    if by_uuid is not None and (by_uuid.sha256 != sha256 or by_uuid.uploaded_by != actor.user_id):
        raise Conflict("该照片编号已用于另一张照片 / this client_uuid was already used for a different photo",
                       code="photo_uuid_conflict", details={"client_uuid": client_uuid})
    if by_uuid is not None:
        return by_uuid
    same_context = col(Photo.visit_id).is_(None) if visit_id is None else col(Photo.visit_id) == visit_id
    return session.exec(select(Photo).where(Photo.sha256 == sha256, Photo.uploaded_by == actor.user_id,
                                            same_context).order_by(col(Photo.id))).first()


# --- verification ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What anyone holding a printed or forwarded photo may learn from its code; no image."""

    code: str
    sha256: str
    captured_at: datetime | None
    enterprise_name: str | None
    inspector_name: str | None
    uploaded_at: datetime


def verify(session: Session, code: str) -> Verification:
    code = code.strip().upper()
    photo = session.exec(select(Photo).where(Photo.verify_code == code)).first() if _VERIFY_CODE.match(code) else None
    if photo is None:
        raise NotFound("核验码不存在 / unknown verification code", code="unknown_verify_code")
    enterprise = session.get(Enterprise, photo.enterprise_id) if photo.enterprise_id is not None else None
    uploader = session.get(User, photo.uploaded_by)
    inspector = uploader.full_name if uploader is not None and uploader.role == Role.INSPECTOR else None
    return Verification(code=photo.verify_code, sha256=photo.sha256, captured_at=photo.captured_at,
                        enterprise_name=enterprise.name if enterprise else None, inspector_name=inspector,
                        uploaded_at=photo.created_at)


# --- signatures ------------------------------------------------------------------------------------------------

def sign_visit(session: Session, visit_id: int, photo_id: int, *, actor: Actor) -> Visit:
    """The representative's signature (an uploaded photo) on a submitted visit; the photo joins the visit."""
    visit = visit_service.attach_signature(session, visit_id, photo_id, actor=actor)
    photo = session.get(Photo, photo_id)
    if photo is None or photo.visit_id not in (None, visit.id) or photo.enterprise_id not in (
            None, visit.enterprise_id):
        raise InvalidInput("照片不存在或不属于本次检查 / unknown photo or not of this visit", code="unknown_photo",
                           details={"photo_id": photo_id})
    photo.visit_id = visit.id
    photo.enterprise_id = visit.enterprise_id
    session.add(photo)
    session.flush()
    return visit


# --- orphan sweep ----------------------------------------------------------------------------------------------

def sweep_orphans(session: Session, store: PhotoStore, *, older_than: timedelta, now: datetime,
                  partial_older_than: timedelta | None = None) -> int:
    """Delete photo files no row refers to, if older than the grace period, and crash-left partial files
    (temporaries, upload spools) older than ``partial_older_than`` (default: the same grace period).

    The grace period covers uploads between their file writes and their commit; the partial files' age must
    exceed the longest upload. Keys that are not photo keys are never touched. Returns how many files were
    removed.
    """
    cutoff = now - older_than
    candidates: dict[str, list[str]] = {}
    for key in store.keys():  # noqa: SIM118 - a PhotoStore, not a dict
        match = _KEY.match(key)
        if match is None:
            continue
        try:
            if store.modified_at(key) >= cutoff:
                continue
        except FileNotFoundError:
            continue
        candidates.setdefault(match.group(3), []).append(key)
    removed = 0
    shas = sorted(candidates)
    for start in range(0, len(shas), _SWEEP_BATCH):
        batch = shas[start:start + _SWEEP_BATCH]
        rows = session.exec(select(Photo).where(col(Photo.sha256).in_(batch))).all()
        wanted = {key_for(photo, variant) for photo in rows for variant in Variant}
        for sha in batch:
            for key in candidates[sha]:
                if key not in wanted:
                    store.delete(key)
                    removed += 1
    return removed + store.remove_stale_temporaries(now - (partial_older_than or older_than))
