"""Bytes after the image: found by following each format's structure, whatever the appended bytes contain."""

import io
import zipfile

import pytest
from PIL import Image

from inspection.photos import pipeline, trailing


def image(fmt: str, **params) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((320, 240), 60).convert("RGB").save(out, fmt, **params)
    return out.getvalue()


def payload() -> bytes:
    """A ZIP whose members hold every marker a naive search would stop at."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("evil.html", b"<script>alert(1)</script>\xff\xd9IEND\xff\xd8ftypmdat" * 50)
    return out.getvalue()


FORMATS = [
    ("JPEG", {"quality": 85}),
    ("JPEG", {"quality": 85, "progressive": True}),
    ("JPEG", {"quality": 85, "restart_marker_rows": 1}),
    ("JPEG", {"quality": 85, "exif": Image.Exif(), "icc_profile": b"\0" * 4000}),
    ("PNG", {}),
    ("WEBP", {"quality": 80}),
    ("WEBP", {"lossless": True}),
    ("HEIF", {"quality": 60}),
]


@pytest.mark.parametrize(("fmt", "params"), FORMATS)
def test_plain_images_end_where_the_file_ends_and_appended_bytes_are_counted(fmt, params, tmp_path):
    data = image(fmt, **params)
    extra = payload()
    assert trailing.trailing_bytes(data, fmt) == 0
    assert trailing.trailing_bytes(data + extra, fmt) == len(extra)
    on_disk = tmp_path / "photo"
    on_disk.write_bytes(data + extra)
    assert trailing.trailing_bytes(on_disk, fmt) == len(extra)
    assert pipeline.inspect_photo(on_disk).trailing_bytes == len(extra)


def test_a_second_jpeg_after_the_first_counts_as_trailing():
    first, second = image("JPEG"), image("JPEG", quality=50)
    assert trailing.trailing_bytes(first + second, "JPEG") == len(second)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_not_measured(fmt):
    data = image(fmt)
    assert trailing.trailing_bytes(data[: len(data) // 2], fmt) is None


def test_heif_ends_after_its_last_whole_box():
    """A cut HEIF file counts its broken last box as trailing (it then fails to decode and is refused)."""
    data = image("HEIF")
    boxes_end = trailing.image_end(data, "HEIF")
    assert boxes_end == len(data)
    cut = data[: len(data) - 100]
    assert 0 < trailing.trailing_bytes(cut, "HEIF") < len(cut)


def test_garbage_and_empty_input_are_not_measured(tmp_path):
    assert trailing.trailing_bytes(b"\xff\xd8\xff\xe0\x00", "JPEG") is None
    assert trailing.trailing_bytes(b"not a png at all", "PNG") is None
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert trailing.trailing_bytes(empty, "JPEG") is None
