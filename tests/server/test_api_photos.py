"""Photo upload, variants, idempotency, visibility, verification and signatures, with real images made here."""

import hashlib
import io
import os
import shutil
import uuid
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from inspection.clock import local_date
from inspection.models import Photo
from inspection.types import utcnow
from server.settings import get_settings
from tests.server.test_api_visits import checklist_codes, payload

API = "/api/v1"
TAG_ORIENTATION = 0x0112
IFD_EXIF = 0x8769
IFD_GPS = 0x8825


def scene(size=(2400, 1800)) -> Image.Image:
    width, height = size
    image = Image.linear_gradient("L").resize(size).point(lambda v: 110 + v // 2).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 8, height // 8, width // 3, height // 3), fill=(40, 120, 200))
    draw.ellipse((width // 2, height // 4, width * 7 // 8, height * 3 // 4), fill=(220, 180, 60))
    return image


def noisy(size=(600, 450)) -> Image.Image:
    return Image.merge("RGB", [Image.effect_noise(size, 80) for _ in range(3)])


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(IFD_EXIF)[0x9003] = "2026:11:25 14:03:00"
    exif.get_ifd(IFD_GPS).update({1: "N", 2: (31.0, 48.0, 36.36), 3: "E", 4: (119.0, 58.0, 26.76)})
    return exif


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(2400, 1800), **params) -> bytes:
    return encode(scene(size), "JPEG", quality=90, exif=phone_exif(), **params)


def upload(client, world, data: bytes, *, who="inspector", client_uuid=None, visit_id=None,
           filename="IMG_0001.jpg", content_type="image/jpeg", purpose=None):
    fields = {"client_uuid": client_uuid or str(uuid.uuid4())}
    if purpose is not None:
        fields["purpose"] = purpose
    if visit_id is not None:
        fields["visit_id"] = str(visit_id)
    return client.post(f"{API}/photos", files={"file": (filename, data, content_type)}, data=fields,
                       headers=world.headers(who))


def fetch(client, world, photo_id, variant, who="inspector"):
    return client.get(f"{API}/photos/{photo_id}", params={"variant": variant}, headers=world.headers(who))


def stored_files(media_dir: Path) -> list[str]:
    root = media_dir / "photos"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def _empty_media(media_dir):
    """Each test starts with no photo files, so it can check what it left behind."""
    shutil.rmtree(media_dir / "photos", ignore_errors=True)


@pytest.fixture()
def visit(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "planned_date": str(local_date(utcnow())),
            "inspector_ids": [world.users["inspector2"].id]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()


# --- formats and variants --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "params", "content_type"), [
    ("JPEG", {"quality": 90, "exif": phone_exif()}, "image/jpeg"),
    ("PNG", {}, "image/png"),
    ("WEBP", {"quality": 80}, "image/webp"),
    ("HEIF", {"quality": 60}, "image/heic"),
])
def test_phone_formats_upload_and_every_variant_is_fetchable(client, world, fmt, params, content_type):
    data = encode(scene(), fmt, **params)

    response = upload(client, world, data)

    assert response.status_code == 201, response.text
    photo = response.json()
    assert (photo["content_type"], photo["width"], photo["height"]) == (content_type, 2400, 1800)
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(photo["verify_code"]) == 8
    original = fetch(client, world, photo["id"], "original")
    assert original.status_code == 200
    assert original.headers["content-type"] == content_type
    assert original.content == data  # untouched, byte for byte
    assert hashlib.sha256(original.content).hexdigest() == photo["sha256"]
    display = Image.open(io.BytesIO(fetch(client, world, photo["id"], "display").content))
    assert display.format == "JPEG" and max(display.size) == 2000
    assert not display.getexif() and "exif" not in display.info
    thumb_response = fetch(client, world, photo["id"], "thumb")
    assert thumb_response.headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(thumb_response.content))
    assert max(thumb.size) <= 320
    assert photo["urls"]["thumb"] == f"{API}/photos/{photo['id']}?variant=thumb"


def test_capture_time_and_place_come_from_exif_and_the_display_variant_is_the_default(client, world):
    response = upload(client, world, jpeg())

    photo = response.json()
    assert photo["captured_at"].startswith("2026-11-25T06:03:00")  # 14:03 in Shanghai
    assert photo["latitude"] == pytest.approx(31.8101, abs=1e-4)
    assert photo["longitude"] == pytest.approx(119.9741, abs=1e-4)
    default = client.get(f"{API}/photos/{photo['id']}", headers=world.headers("inspector"))
    assert default.content == fetch(client, world, photo["id"], "display").content
    assert "immutable" in default.headers["cache-control"]


@pytest.mark.parametrize(("data", "content_type"), [
    (encode(scene((64, 48)), "GIF"), "image/gif"),
    ("检查记录：灭火器过期。".encode(), "text/plain"),
])
def test_gif_and_text_are_415_and_nothing_is_stored(client, world, media_dir, data, content_type):
    response = upload(client, world, data, filename="photo.jpg", content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "photo_unsupported"
    assert stored_files(media_dir) == []


def test_truncated_jpeg_is_422(client, world, media_dir):
    data = encode(noisy(), "JPEG", quality=95)

    response = upload(client, world, data[: len(data) // 2])

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "photo_corrupt"
    assert stored_files(media_dir) == []


def test_decompression_bomb_is_413(client, world):
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG")  # 100 megapixels in a few kilobytes
    assert len(bomb) < 100_000

    response = upload(client, world, bomb, filename="bomb.png", content_type="image/png")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "photo_too_many_pixels"


@pytest.mark.parametrize("size", [40_000, 400_000])  # caught while streaming; refused from Content-Length
def test_over_the_byte_cap_is_413_and_no_file_is_left(client, world, media_dir, monkeypatch, size):
    monkeypatch.setattr(get_settings(), "max_photo_bytes", 20_000)
    data = os.urandom(size)

    response = upload(client, world, b"\xff\xd8\xff\xe0" + data)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "photo_too_large"
    assert stored_files(media_dir) == []


# --- idempotency -----------------------------------------------------------------------------------------------

def test_same_bytes_twice_give_the_same_photo(client, world, session):
    data = jpeg((800, 600))
    key = str(uuid.uuid4())

    first = upload(client, world, data, client_uuid=key)
    same_uuid = upload(client, world, data, client_uuid=key.upper())  # the same UUID however it is spelt
    new_uuid = upload(client, world, data)

    assert first.status_code == 201
    assert (same_uuid.status_code, new_uuid.status_code) == (200, 200)
    assert same_uuid.json() == new_uuid.json() == first.json()
    assert len(session.exec(select(Photo)).all()) == 1


def test_different_bytes_under_a_used_uuid_is_409(client, world, media_dir):
    key = str(uuid.uuid4())
    assert upload(client, world, jpeg((800, 600)), client_uuid=key).status_code == 201
    before = stored_files(media_dir)

    response = upload(client, world, jpeg((640, 480)), client_uuid=key)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "photo_uuid_conflict"
    assert len(stored_files(media_dir)) - len(before) <= 2  # at most an orphan original and thumb, swept later


@pytest.mark.parametrize(("fields", "problem"), [
    ({}, "client_uuid"),
    ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    ({"client_uuid": str(uuid.uuid4()), "visit_id": "seven"}, "visit_id"),
])
def test_bad_fields_are_422(client, world, fields, problem):
    response = client.post(f"{API}/photos", files={"file": ("a.jpg", jpeg((64, 48)), "image/jpeg")}, data=fields,
                           headers=world.headers("inspector"))

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", problem]


def test_unknown_fields_and_missing_file_and_json_bodies_are_refused(client, world):
    headers = world.headers("inspector")
    extra = client.post(f"{API}/photos", files={"file": ("a.jpg", jpeg((64, 48)), "image/jpeg")},
                        data={"client_uuid": str(uuid.uuid4()), "enterprise_id": "1"}, headers=headers)
    no_file = client.post(f"{API}/photos", files={"other": ("a.txt", b"x", "text/plain")}, headers=headers)
    as_json = client.post(f"{API}/photos", json={"client_uuid": str(uuid.uuid4())}, headers=headers)

    assert (extra.status_code, no_file.status_code, as_json.status_code) == (422, 422, 415)
    assert as_json.json()["error"]["code"] == "multipart_required"


# --- who may upload and see ------------------------------------------------------------------------------------

def test_only_inspectors_and_enterprise_users_upload(client, world):
    assert upload(client, world, jpeg((64, 48)), who="office").status_code == 403
    assert client.post(f"{API}/photos", files={"file": ("a.jpg", b"x", "image/jpeg")}).status_code == 401


def test_enterprise_b_cannot_fetch_enterprise_a_visit_photo(client, world, visit):
    photo = upload(client, world, jpeg((800, 600)), visit_id=visit["id"]).json()

    assert photo["visit_id"] == visit["id"] and photo["enterprise_id"] == world.enterprise_a.id
    for variant in ("display", "thumb", "original"):
        assert fetch(client, world, photo["id"], variant, who="enterprise_a").status_code == 200
        hidden = fetch(client, world, photo["id"], variant, who="enterprise_b")
        assert hidden.status_code == 404
        assert hidden.json()["error"]["code"] == "not_found"
    assert fetch(client, world, 999_999, "display", who="enterprise_b").json() == hidden.json()


def test_an_inspector_photo_not_yet_attached_is_staff_only(client, world):
    photo = upload(client, world, jpeg((800, 600))).json()

    assert photo["enterprise_id"] is None
    assert fetch(client, world, photo["id"], "thumb", who="office").status_code == 200
    assert fetch(client, world, photo["id"], "thumb", who="enterprise_a").status_code == 404


def test_an_enterprise_upload_belongs_to_that_enterprise(client, world):
    photo = upload(client, world, jpeg((800, 600)), who="enterprise_b").json()

    assert photo["enterprise_id"] == world.enterprise_b.id
    assert fetch(client, world, photo["id"], "thumb", who="enterprise_b").status_code == 200
    assert fetch(client, world, photo["id"], "thumb", who="enterprise_a").status_code == 404


def test_visit_id_must_be_a_visit_the_uploader_is_on(client, world, visit):
    other_inspector = upload(client, world, jpeg((64, 48)), who="fire_inspector", visit_id=visit["id"])
    other_enterprise = upload(client, world, jpeg((64, 48)), who="enterprise_b", visit_id=visit["id"])
    no_visit = upload(client, world, jpeg((64, 48)), visit_id=999_999)

    assert other_inspector.status_code == 403
    assert other_inspector.json()["error"]["code"] == "not_on_visit"
    assert (other_enterprise.status_code, no_visit.status_code) == (404, 404)


# --- verification ----------------------------------------------------------------------------------------------

def test_verify_code_resolves_to_the_sha256_without_login(client, world, visit):
    data = jpeg((800, 600))
    photo = upload(client, world, data, visit_id=visit["id"]).json()

    response = client.get(f"{API}/photos/verify/{photo['verify_code'].lower()}")

    assert response.status_code == 200
    assert response.json() == {
        "code": photo["verify_code"], "sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": photo["captured_at"], "enterprise_name": world.enterprise_a.name,
        "inspector_name": world.users["inspector"].full_name, "uploaded_at": photo["created_at"],
    }
    assert set(photo["verify_code"]) <= set("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "short", "O0O0O0O0", "../../etc"])
def test_unknown_verify_codes_are_404(client, world, code):
    response = client.get(f"{API}/photos/verify/{code}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("unknown_verify_code", "not_found")


# --- signature -------------------------------------------------------------------------------------------------

def test_signature_is_attached_after_submission_and_the_enterprise_sees_it(client, world, visit):
    signature = upload(client, world, encode(scene((900, 300)), "PNG"), filename="sign.png",
                       content_type="image/png", purpose="signature").json()
    path = f"{API}/visits/{visit['id']}/signature"

    early = client.post(path, json={"photo_id": signature["id"]}, headers=world.headers("inspector"))
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "visit_not_submitted"

    codes = checklist_codes(client, world, visit["id"])
    submitted = client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes),
                            headers=world.headers("inspector"))
    assert submitted.status_code == 201, submitted.text
    signed = client.post(path, json={"photo_id": signature["id"]}, headers=world.headers("inspector"))

    assert signed.status_code == 200, signed.text
    assert signed.json()["signature_photo_id"] == signature["id"]
    assert fetch(client, world, signature["id"], "display", who="enterprise_a").status_code == 200
    assert client.post(path, json={"photo_id": signature["id"]},
                       headers=world.headers("fire_inspector")).status_code == 403
    unknown = client.post(path, json={"photo_id": 999_999}, headers=world.headers("inspector"))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_photo")
