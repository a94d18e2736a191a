"""A photo with data appended after the image (a phone's motion photo, or a ZIP hidden in a "JPEG"): taken, the
appended byte count recorded and shown, and the original served only as a download, never sniffed."""

import io
import zipfile

import pytest
from sqlmodel import select

from inspection.models import Photo
from tests.server.test_api_photos import encode, fetch, scene, upload


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", "<html><script>alert(document.cookie)</script></html>")
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "params", "ext"), [
    ("JPEG", {"quality": 90}, "jpg"),
    ("PNG", {}, "png"),
    ("WEBP", {"quality": 80}, "webp"),
    ("HEIF", {"quality": 60}, "heic"),
])
def test_appended_bytes_are_counted_and_the_original_is_a_download(client, world, session, fmt, params, ext):
    image = encode(scene((800, 600)), fmt, **params)
    appended = zip_archive()
    response = upload(client, world, image + appended)
    assert response.status_code == 201, response.text  # kept: phones append data too
    photo = response.json()
    assert photo["trailing_bytes"] == len(appended) and photo["size_bytes"] == len(image) + len(appended)
    session.rollback()
    assert session.exec(select(Photo.trailing_bytes).where(Photo.id == photo["id"])).one() == len(appended)

    original = fetch(client, world, photo["id"], "original")
    assert original.status_code == 200 and original.content == image + appended  # still byte for byte
    assert original.headers["content-disposition"] == f'attachment; filename="photo-{photo["id"]}.{ext}"'
    assert original.headers["x-content-type-options"] == "nosniff"
    display = fetch(client, world, photo["id"], "display")
    assert "content-disposition" not in display.headers  # the stamped copy is shown inline, as before


def test_a_plain_photo_has_no_trailing_bytes(client, world):
    response = upload(client, world, encode(scene((800, 600)), "JPEG", quality=90))
    assert response.status_code == 201 and response.json()["trailing_bytes"] == 0
