"""Forged rectification evidence: after-photos that repeat an earlier photo, and capture times that cannot be.

An after-photo is compared, by perceptual hash (``inspection.photos.likeness``), with the hazard's before-photos
and with the before-photos (inspectors' photos) and evidence of the same enterprise and of the enterprises of the
same plant site. The same picture (re-encoded, resized, up to a tenth of each side cropped) is refused; a near
match is a flag on the evidence for the reviewer, as is an EXIF capture time before the hazard was found or
later than now (beyond ``CLOCK_SKEW`` either way: phone clocks drift).
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from hazards.models import Evidence, Hazard
from inspection.errors import InvalidInput
from inspection.models import Photo, PhotoHash, PlantSite, PlantSiteTenant, User, Visit
from inspection.photos import likeness
from schemas.enums import Role

CLOCK_SKEW = timedelta(minutes=10)
NEAR_MATCH = "near_match"
CAPTURED_BEFORE_FINDING = "captured_before_finding"
CAPTURED_IN_FUTURE = "captured_in_future"


def screen(session: Session, hazard: Hazard, photo_ids: list[int], *, now: datetime) -> list[dict[str, Any]]:
    """Refuse after-photos that are an earlier photo again (InvalidInput ``photo_same_picture``, 422); the flags
    for the reviewer otherwise (possibly none)."""
    flags = _capture_time_flags(session, hazard, photo_ids, now=now)
    matches = find_matches(session, hazard, photo_ids)
    same = [m for m in matches if m["same_picture"]]
    if same:
        first = same[0]
        raise InvalidInput(
            f"整改照片 #{first['photo_id']} 与{first['match_label']} #{first['match_photo_id']} 是同一张照片，"
            f"不能作为整改证据 / after-photo #{first['photo_id']} is the same picture as photo "
            f"#{first['match_photo_id']} ({first['match_label_en']})",
            code="photo_same_picture", details=[_public(m) for m in same])
    for m in matches:
        message = (f"整改照片与{m['match_label']} #{m['match_photo_id']} 十分相似（差异 {m['distance']} 位），"
                   f"请对照核实 / the after-photo closely resembles photo #{m['match_photo_id']} "
                   f"({m['match_label_en']})")
        flags.append({"kind": NEAR_MATCH, **_public(m), "message": message})
    return flags


def _public(match: dict[str, Any]) -> dict[str, Any]:
    return {k: match[k] for k in ("photo_id", "match_photo_id", "distance", "cropped", "match_role",
                                  "match_hazard_id")}


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _capture_time_flags(session: Session, hazard: Hazard, photo_ids: list[int], *,
                        now: datetime) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    found_at, now = _aware(hazard.found_at), _aware(now)
    photos = session.exec(select(Photo).where(col(Photo.id).in_(photo_ids))).all()
    for photo in sorted(photos, key=lambda p: p.id or 0):
        if photo.captured_at is None:
            continue
        taken = _aware(photo.captured_at)
        if taken < found_at - CLOCK_SKEW:
            flags.append({"kind": CAPTURED_BEFORE_FINDING, "photo_id": photo.id, "captured_at": taken.isoformat(),
                          "found_at": found_at.isoformat(),
                          "message": "整改照片的拍摄时间早于隐患发现时间 / the after-photo was taken before the "
                                     "hazard was found"})
        elif taken > now + CLOCK_SKEW:
            flags.append({"kind": CAPTURED_IN_FUTURE, "photo_id": photo.id, "captured_at": taken.isoformat(),
                          "message": "整改照片的拍摄时间晚于当前时间 / the after-photo's capture time is in the "
                                     "future"})
    return flags


def scope_enterprises(session: Session, hazard: Hazard) -> set[int]:
    """The hazard's enterprise, and the landlord and tenants of the plant site where it was found."""
    scope = {hazard.enterprise_id}
    visit = session.get(Visit, hazard.visit_id) if hazard.visit_id is not None else None
    if visit is not None and visit.plant_site_id is not None:
        site = session.get(PlantSite, visit.plant_site_id)
        if site is not None:
            scope.add(site.landlord_id)
        scope.update(session.exec(select(PlantSiteTenant.enterprise_id)
                                  .where(PlantSiteTenant.site_id == visit.plant_site_id)).all())
    return scope


def candidates(session: Session, whole: int, *, enterprise_ids: Iterable[int] | None = None,
               exclude: Iterable[int] = ()) -> list[tuple[int, int, int]]:
    """``(photo_id, window, hash)`` of the stored hashes sharing a 16-bit band with ``whole`` (the index
    lookup), of photos of these enterprises (all when None), less ``exclude``."""
    b0, b1, b2, b3 = likeness.bands(whole)
    query = select(PhotoHash.photo_id, PhotoHash.window, PhotoHash.value).where(
        or_(PhotoHash.band0 == b0, PhotoHash.band1 == b1, PhotoHash.band2 == b2, PhotoHash.band3 == b3))
    if enterprise_ids is not None:
        query = query.join(Photo, col(Photo.id) == PhotoHash.photo_id).where(
            col(Photo.enterprise_id).in_(set(enterprise_ids)))
    excluded = set(exclude)
    return [(p, w, v) for p, w, v in session.exec(query).all() if p not in excluded]


def find_matches(session: Session, hazard: Hazard, photo_ids: list[int]) -> list[dict[str, Any]]:
    """Each after-photo's near matches among the before-photos and evidence in scope, closest first."""
    new = dict(session.exec(select(PhotoHash.photo_id, PhotoHash.value).where(
        col(PhotoHash.photo_id).in_(photo_ids), PhotoHash.window == 0)).all())
    if not new:
        return []
    own_evidence = {pid for ids in session.exec(select(Evidence.photo_ids).where(Evidence.hazard_id == hazard.id))
                    for pid in ids}
    exclude = set(photo_ids) | own_evidence
    before = [pid for pid in hazard.before_photo_ids if pid not in exclude]
    before_rows = list(session.exec(select(PhotoHash.photo_id, PhotoHash.window, PhotoHash.value).where(
        col(PhotoHash.photo_id).in_(before))).all()) if before else []
    scope = scope_enterprises(session, hazard)
    found: list[tuple[int, likeness.Match]] = []
    for pid in photo_ids:
        if pid not in new:
            continue  # uploaded before hashes were kept
        rows = before_rows + candidates(session, new[pid], enterprise_ids=scope, exclude=exclude)
        found += [(pid, m) for m in likeness.closest(new[pid], rows).values()]
    if not found:
        return []
    roles = _roles(session, hazard, scope, {m.photo_id for _, m in found})
    matches = []
    for pid, m in sorted(found, key=lambda f: (f[1].distance, f[0], f[1].photo_id)):
        role = roles.get(m.photo_id)
        if role is None:
            continue  # an enterprise's upload that is no evidence (yet): nothing to compare with
        kind, other_hazard = role
        label, label_en = (("隐患照片", "a before-photo") if kind == "before" else
                           (f"隐患 #{other_hazard} 的整改照片", f"evidence for hazard #{other_hazard}"))
        matches.append({"photo_id": pid, "match_photo_id": m.photo_id, "distance": m.distance,
                        "cropped": m.window != 0, "same_picture": m.same_picture, "match_role": kind,
                        "match_hazard_id": other_hazard, "match_label": label, "match_label_en": label_en})
    return matches


def _roles(session: Session, hazard: Hazard, scope: set[int], photo_ids: set[int]
           ) -> dict[int, tuple[str, int | None]]:
    """What each matched photo is: an inspector's (before) photo, or evidence for another hazard."""
    roles: dict[int, tuple[str, int | None]] = {}
    rows = session.exec(select(Photo.id, User.role).join(User, col(User.id) == Photo.uploaded_by)
                        .where(col(Photo.id).in_(photo_ids))).all()
    for pid, role in rows:
        if role != Role.ENTERPRISE and pid is not None:
            roles[pid] = ("before", hazard.id if pid in hazard.before_photo_ids else None)
    rest = photo_ids - set(roles)
    if rest:
        for other, ids in session.exec(select(Evidence.hazard_id, Evidence.photo_ids)
                                       .join(Hazard, col(Hazard.id) == Evidence.hazard_id)
                                       .where(col(Hazard.enterprise_id).in_(scope), Evidence.hazard_id != hazard.id)
                                       ).all():
            for pid in rest.intersection(ids):
                roles.setdefault(pid, ("evidence", other))
    return roles
