"""Forged rectification evidence: real photos through Pillow and the upload path, a real database.

An after-photo that is a before-photo again (re-encoded, resized, lightly cropped) is refused; a different photo
of the same kind of place is accepted; a near match and impossible capture times are flagged to the reviewer.
"""

import io
import random
import uuid

from PIL import Image
from sqlalchemy import insert, text
from sqlmodel import select

from hazards.loop import forgery
from inspection.models import Photo, PhotoHash
from inspection.photos import likeness
from inspection.types import utcnow
from tests import scenes
from tests.server.test_api_photos import IFD_EXIF, upload

API = "/api/v1"


def jpeg(image: Image.Image, taken: str | None = None) -> bytes:
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(IFD_EXIF)[0x9003] = taken
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def hazard_with_before(client, world, image: Image.Image) -> tuple[int, int]:
    """A hazard found on a visit to enterprise A, with ``image`` uploaded by the inspector as its before-photo."""
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()["id"]
    before = upload(client, world, jpeg(image), visit_id=visit)
    assert before.status_code == 201, before.text
    sections = client.get(f"{API}/visits/{visit}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in sections["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [before.json()["id"]]} if c == "DUST-12"
               else {"item_code": c, "result": "pass"} for c in codes]
    out = client.post(f"{API}/visits/{visit}/submissions", json={"client_uuid": str(uuid.uuid4()),
                                                                 "results": results},
                      headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    return out.json()["hazard_ids"][0], before.json()["id"]


def submit(client, world, hazard: int, image: Image.Image, taken: str | None = None):
    photo = upload(client, world, jpeg(image, taken), who="enterprise_a")
    assert photo.status_code == 201, photo.text
    return photo.json()["id"], client.post(f"{API}/hazards/{hazard}/evidence",
                                           json={"note": "已整改", "photo_ids": [photo.json()["id"]]},
                                           headers=world.headers("enterprise_a"))


def test_an_upload_keeps_nineteen_perceptual_hashes(client, world, session):
    photo = upload(client, world, jpeg(scenes.extinguisher_wall(1)), who="enterprise_a").json()["id"]
    rows = session.exec(select(PhotoHash).where(PhotoHash.photo_id == photo)).all()
    assert sorted(r.window for r in rows) == list(range(likeness.WINDOWS))
    assert all(likeness.bands(likeness.to_unsigned(r.value)) == (r.band0, r.band1, r.band2, r.band3) for r in rows)


def test_the_before_photo_re_encoded_is_refused_naming_it(client, world):
    wall = scenes.extinguisher_wall(1)
    hazard, before = hazard_with_before(client, world, wall)

    _, response = submit(client, world, hazard, scenes.reencoded(wall, 60))

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "photo_same_picture"
    assert f"#{before}" in error["message"] and "同一张照片" in error["message"]
    assert client.get(f"{API}/hazards/{hazard}", headers=world.headers("enterprise_a")).json()["status"] == "open"


def test_the_before_photo_resized_or_lightly_cropped_is_refused(client, world):
    wall = scenes.extinguisher_wall(2)
    hazard, before = hazard_with_before(client, world, wall)

    _, resized = submit(client, world, hazard, scenes.resized(wall, 0.5))
    _, cropped = submit(client, world, hazard, scenes.cropped(wall, 0.05, random.Random(1)))

    assert resized.status_code == 422 and resized.json()["error"]["details"][0]["match_photo_id"] == before
    assert cropped.status_code == 422 and cropped.json()["error"]["details"][0]["cropped"] is True


def test_evidence_of_another_hazard_re_encoded_is_refused(client, world):
    first, _ = hazard_with_before(client, world, scenes.extinguisher_wall(3))
    second, _ = hazard_with_before(client, world, scenes.extinguisher_wall(4))
    repaired = scenes.extinguisher_wall(5)
    photo, ok = submit(client, world, first, repaired)
    assert ok.status_code == 201, ok.text

    _, again = submit(client, world, second, scenes.resized(repaired, 0.6))

    assert again.status_code == 422
    detail = again.json()["error"]["details"][0]
    assert (detail["match_photo_id"], detail["match_role"], detail["match_hazard_id"]) == (photo, "evidence", first)
    assert f"隐患 #{first}" in again.json()["error"]["message"]


def test_a_different_photo_of_the_same_kind_of_place_is_accepted_unflagged(client, world):
    hazard, _ = hazard_with_before(client, world, scenes.extinguisher_wall(6))

    _, response = submit(client, world, hazard, scenes.extinguisher_wall(7))

    assert response.status_code == 201, response.text
    assert response.json()["flags"] == []


def test_a_near_match_is_flagged_with_both_photos(client, world, session):
    wall = scenes.extinguisher_wall(1)
    hazard, before = hazard_with_before(client, world, wall)
    near = upload(client, world, jpeg(scenes.blended(wall, scenes.extinguisher_wall(101))), who="enterprise_a")
    photo = near.json()["id"]
    near_hash = likeness.to_unsigned(session.exec(select(PhotoHash.value).where(
        PhotoHash.photo_id == photo, PhotoHash.window == 0)).one())
    before_hashes = [likeness.to_unsigned(v) for v in session.exec(
        select(PhotoHash.value).where(PhotoHash.photo_id == before)).all()]
    assert likeness.SAME_PICTURE_BITS < min(likeness.distance(near_hash, h) for h in before_hashes) \
        <= likeness.NEAR_MATCH_BITS

    response = client.post(f"{API}/hazards/{hazard}/evidence", json={"note": "已整改", "photo_ids": [photo]},
                           headers=world.headers("enterprise_a"))

    assert response.status_code == 201, response.text
    [flag] = response.json()["flags"]
    assert flag["kind"] == "near_match" and (flag["photo_id"], flag["match_photo_id"]) == (photo, before)
    assert flag["match_role"] == "before" and "十分相似" in flag["message"]
    listed = client.get(f"{API}/hazards/{hazard}/evidence", headers=world.headers("inspector2")).json()
    assert listed[-1]["flags"] == response.json()["flags"]  # what the review screen reads


def test_capture_times_before_the_finding_or_in_the_future_are_flagged(client, world):
    first, _ = hazard_with_before(client, world, scenes.extinguisher_wall(8))
    second, _ = hazard_with_before(client, world, scenes.extinguisher_wall(9))
    fine, _ = hazard_with_before(client, world, scenes.extinguisher_wall(10))

    _, old = submit(client, world, first, scenes.extinguisher_wall(11), taken="2020:05:01 09:30:00")
    _, future = submit(client, world, second, scenes.extinguisher_wall(12), taken="2099:01:01 08:00:00")
    _, ok = submit(client, world, fine, scenes.extinguisher_wall(13), taken=None)

    assert [f["kind"] for f in old.json()["flags"]] == ["captured_before_finding"]
    assert "早于隐患发现时间" in old.json()["flags"][0]["message"]
    assert [f["kind"] for f in future.json()["flags"]] == ["captured_in_future"]
    assert ok.json()["flags"] == []


def test_the_index_finds_a_candidate_among_many(session, world):
    """19,000 stored hashes of 1,000 photos; the lookup reads only the rows sharing a 16-bit band with the new
    photo's hash, and among them finds the photo whose window is 3 bits away."""
    rng = random.Random(7)
    uploader = world.users["enterprise_a"].id
    photos = [{"client_uuid": str(uuid.UUID(int=rng.getrandbits(128))), "sha256": f"{n:064x}",
               "verify_code": f"IX{n:06d}", "content_type": "image/jpeg", "size_bytes": 1, "width": 1, "height": 1,
               "uploaded_by": uploader, "enterprise_id": world.enterprise_a.id, "created_at": utcnow()}
              for n in range(1_000)]
    session.execute(insert(Photo), photos)
    ids = list(session.exec(select(Photo.id).order_by(Photo.id)).all())
    new = rng.getrandbits(64)
    hidden = new ^ (1 << 3) ^ (1 << 30) ^ (1 << 60)  # 3 bits away, one in each of three bands
    values = {(pid, window): rng.getrandbits(64) for pid in ids for window in range(likeness.WINDOWS)}
    values[(ids[567], 5)] = hidden
    session.execute(insert(PhotoHash), [
        {"photo_id": pid, "window": window, "value": likeness.to_signed(v),
         **{f"band{b}": part for b, part in enumerate(likeness.bands(v))}} for (pid, window), v in values.items()])
    session.commit()

    found = forgery.candidates(session, new, enterprise_ids={world.enterprise_a.id})

    assert (ids[567], 5, likeness.to_signed(hidden)) in found
    assert len(found) < 20  # the band rows only, not the 19,000
    assert likeness.closest(new, found)[ids[567]].distance == 3
    if session.get_bind().dialect.name == "sqlite":
        b0, b1, b2, b3 = likeness.bands(new)
        plan = " ".join(str(r[-1]) for r in session.execute(text(
            "EXPLAIN QUERY PLAN SELECT photo_id FROM photo_hash WHERE band0 = :a OR band1 = :b OR band2 = :c "
            "OR band3 = :d"), {"a": b0, "b": b1, "c": b2, "d": b3}).all())
        assert "ix_photo_hash_band0" in plan and "SCAN photo_hash" not in plan
