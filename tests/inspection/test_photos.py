"""The photo pipeline with real images, made here with Pillow and pillow_heif (no binary fixtures)."""

from __future__ import annotations

import hashlib
import io
import logging
import random
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFile, ImageStat
from PIL.TiffImagePlugin import IFDRational

from inspection import fonts
from inspection.photos import exif, stamp
from inspection.photos import pipeline as photos
from inspection.photos.pipeline import CorruptPhoto, PhotoError, PhotoTooLarge, UnsupportedPhoto
from inspection.photos.stamp import Stamp

STAMP = Stamp(
    captured_at=datetime(2026, 11, 25, 6, 3, tzinfo=UTC),
    enterprise="常州市安达化工有限公司",
    inspector="张三",
    lat=31.8101,
    lng=119.9741,
    verify_code="7K3QX9PA",
)
TAG_ORIENTATION = 0x0112
IFD_EXIF = 0x8769
IFD_GPS = 0x8825


# ---------------------------------------------------------------------------------------------- helpers


def scene(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A light gradient with a few shapes: photo-like enough for the codecs, predictable enough to check."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).point(lambda v: 120 + v // 2).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 8, height // 8, width // 3, height // 3), fill=(40, 120, 200))
    draw.ellipse((width // 2, height // 4, width * 7 // 8, height * 3 // 4), fill=(220, 180, 60))
    return image


def noisy(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Noise defeats compression, so a cut file loses real scan data."""
    return Image.merge("RGB", [Image.effect_noise(size, 80) for _ in range(3)])


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def make_exif(
    *,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: dict[int, object] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[TAG_ORIENTATION] = orientation
    if taken is not None:
        exif.get_ifd(IFD_EXIF)[0x9003] = taken
    if offset is not None:
        exif.get_ifd(IFD_EXIF)[0x9011] = offset
    if gps is not None:
        exif.get_ifd(IFD_GPS).update(gps)
    return exif


CHANGZHOU_GPS: dict[int, object] = {1: "N", 2: (31.0, 48.0, 36.36), 3: "E", 4: (119.0, 58.0, 26.76)}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def flat_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of any declared size; all-zero rows compress to almost nothing."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")
    )


def luminance(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    return ImageStat.Stat(image.crop(box).convert("L")).mean[0]


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# ---------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("fmt", "params", "content_type"),
    [
        ("JPEG", {"quality": 90}, "image/jpeg"),
        ("PNG", {}, "image/png"),
        ("WEBP", {"quality": 80}, "image/webp"),
        ("HEIF", {"quality": 80}, "image/heic"),
    ],
)
def test_accepts_phone_formats_detected_from_content(fmt: str, params: dict, content_type: str) -> None:
    data = encode(scene(), fmt, **params)

    info = photos.inspect_photo(data)
    variants = photos.make_variants(data, stamp=STAMP)

    assert (info.format, info.content_type, info.width, info.height) == (fmt, content_type, 400, 300)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert variants.display_size == (400, 300)
    assert opened(variants.display).format == "JPEG"
    assert opened(variants.thumb).size == (320, 240)


@pytest.mark.parametrize(
    ("fmt", "wrong_name"), [("PNG", "photo.jpg"), ("HEIF", "IMG_0001.png"), ("JPEG", "x.heic")]
)
def test_format_comes_from_the_bytes_not_the_file_name(tmp_path: Path, fmt: str, wrong_name: str) -> None:
    path = tmp_path / wrong_name
    path.write_bytes(encode(scene(), fmt))

    info = photos.inspect_photo(path)

    assert info.format == fmt
    assert info.sha256 == photos.sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert photos.make_variants(path, stamp=STAMP).display_size == (400, 300)


def test_iphone_style_mpo_jpeg_is_a_jpeg() -> None:
    first, second = scene(), scene().rotate(180)
    data = encode(first, "MPO", save_all=True, append_images=[second])

    assert photos.inspect_photo(data).format == "JPEG"
    assert photos.make_variants(data, stamp=STAMP).display_size == (400, 300)


def _pdf() -> bytes:
    return encode(scene(), "PDF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(scene(), "GIF"), id="gif"),
        pytest.param(encode(scene(), "BMP"), id="bmp"),
        pytest.param(encode(scene(), "TIFF"), id="tiff"),
        pytest.param(_pdf(), id="pdf"),
        pytest.param("巡查记录 inspection notes\n".encode() * 20, id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64), id="avif"),
    ],
)
def test_other_types_are_refused_as_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedPhoto) as caught:
        photos.inspect_photo(data)
    with pytest.raises(UnsupportedPhoto):
        photos.make_variants(data, stamp=STAMP)

    assert caught.value.code == "photo_unsupported"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "HEIF"])
def test_truncated_file_fails_the_decode_as_corrupt(fmt: str) -> None:
    data = encode(noisy(), fmt, quality=90) if fmt != "PNG" else encode(noisy(), fmt)
    truncated = data[: len(data) * 6 // 10]

    with pytest.raises(CorruptPhoto) as caught:
        photos.make_variants(truncated, stamp=STAMP)

    assert caught.value.code == "photo_corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_truncated_jpeg_header_passes_the_cheap_inspection_but_not_the_decode() -> None:
    data = encode(noisy(), "JPEG", quality=90)
    truncated = data[: len(data) // 2]

    assert photos.inspect_photo(truncated).format == "JPEG"
    with pytest.raises(CorruptPhoto):
        photos.make_variants(truncated, stamp=STAMP)


def test_random_garbage_is_refused() -> None:
    rng = random.Random(20261125)
    for _ in range(20):
        garbage = rng.randbytes(rng.randint(1, 5000))
        with pytest.raises((UnsupportedPhoto, CorruptPhoto)):
            photos.make_variants(garbage, stamp=STAMP)


@pytest.mark.parametrize(
    "magic",
    [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x10\x00\x00WEBPVP8 ", b"\x00\x00\x00\x18ftypheic"],
)
def test_garbage_behind_a_known_signature_is_corrupt(magic: bytes) -> None:
    data = magic + random.Random(7).randbytes(4000)

    with pytest.raises(CorruptPhoto):
        photos.make_variants(data, stamp=STAMP)


def test_mangled_png_checksum_is_corrupt() -> None:
    data = bytearray(encode(noisy(), "PNG"))
    data[len(data) // 2] ^= 0xFF

    with pytest.raises(CorruptPhoto):
        photos.make_variants(bytes(data), stamp=STAMP)


# ---------------------------------------------------------------------------------------------- size limits


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = flat_png(20_000, 20_000)  # 400 megapixels in a few tens of kilobytes
    assert len(bomb) < 200_000

    with pytest.raises(PhotoTooLarge) as caught:
        photos.inspect_photo(bomb)
    with pytest.raises(PhotoTooLarge):
        photos.make_variants(bomb, stamp=STAMP)

    assert caught.value.code == "photo_too_many_pixels"


@pytest.mark.parametrize("side", [8_000, 10_000])  # ours (64 MP > 60 MP), and Pillow's warning (100 MP)
def test_more_than_sixty_megapixels_is_too_large(side: int) -> None:
    with pytest.raises(PhotoTooLarge):
        photos.inspect_photo(flat_png(side, side))


def test_pixel_cap_is_a_parameter() -> None:
    data = encode(scene(), "JPEG")

    with pytest.raises(PhotoTooLarge) as caught:
        photos.make_variants(data, stamp=STAMP, max_pixels=100_000)

    assert caught.value.details == {"width": 400, "height": 300, "max_pixels": 100_000}
    assert photos.inspect_photo(data, max_pixels=120_000).width == 400


# ------------------------------------------------------------------------------------- orientation, EXIF


def test_exif_orientation_6_gives_a_portrait_display_rotated_clockwise() -> None:
    image = Image.new("RGB", (400, 300), (200, 200, 200))
    image.paste((255, 0, 0), (0, 0, 60, 60))  # stored top-left corner
    data = encode(image, "JPEG", quality=95, exif=make_exif(orientation=6))

    info = photos.inspect_photo(data)
    display = opened(photos.make_variants(data, stamp=STAMP).display)

    assert (info.width, info.height) == (300, 400)
    assert display.size == (300, 400)
    red, green, blue = display.getpixel((270, 30))  # rotated 90° clockwise: top-left lands top-right
    assert red > 200 and green < 60 and blue < 60
    assert display.getpixel((30, 30))[1] > 150  # the top-left is grey now


def test_variants_have_no_exif_and_fit_their_sides() -> None:
    exif = make_exif(taken="2026:11:25 14:03:00", gps=CHANGZHOU_GPS)
    data = encode(scene((4032, 3024)), "JPEG", quality=90, exif=exif)

    variants = photos.make_variants(data, stamp=STAMP)
    display, thumb = opened(variants.display), opened(variants.thumb)

    assert variants.display_size == display.size == (2000, 1500)
    assert thumb.size == (320, 240)
    for image in (display, thumb):
        assert "exif" not in image.info
        assert len(image.getexif()) == 0


def test_smaller_sides_are_parameters() -> None:
    data = encode(scene((1200, 900)), "PNG")

    variants = photos.make_variants(data, stamp=STAMP, display_side=800, thumb_side=100, quality=70)

    assert variants.display_size == (800, 600)
    assert opened(variants.thumb).size == (100, 75)


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF", "WEBP"])
def test_capture_time_and_gps_are_read_from_exif(fmt: str) -> None:
    exif = make_exif(taken="2026:11:25 14:03:00", gps=CHANGZHOU_GPS)
    data = encode(scene(), fmt, exif=exif)

    info = photos.inspect_photo(data)

    assert info.captured_at == datetime(2026, 11, 25, 6, 3, tzinfo=UTC)  # 14:03 in Shanghai
    assert info.lat == pytest.approx(31.8101, abs=1e-6)
    assert info.lng == pytest.approx(119.9741, abs=1e-6)


def test_capture_time_offset_tag_wins_and_southern_western_gps_is_negative() -> None:
    gps = {1: "S", 2: (33.0, 52.0, 4.0), 3: "W", 4: (151.0, 12.0, 36.0)}
    data = encode(scene(), "JPEG", exif=make_exif(taken="2026:11:25 14:03:00", offset="-03:00", gps=gps))

    info = photos.inspect_photo(data)

    assert info.captured_at == datetime(2026, 11, 25, 17, 3, tzinfo=UTC)
    assert info.lat == pytest.approx(-33.867778, abs=1e-6)
    assert info.lng == pytest.approx(-151.21, abs=1e-6)


def test_no_exif_means_no_time_and_no_place() -> None:
    info = photos.inspect_photo(encode(scene(), "PNG"))

    assert (info.captured_at, info.lat, info.lng) == (None, None, None)


@pytest.mark.parametrize(
    ("taken", "gps", "orientation"),
    [
        ("not a date", {1: "N", 2: (31.0, 48.0, 0.0), 3: "E", 4: (200.0, 0.0, 0.0)}, 99),
        ("0000:00:00 00:00:00", {1: "X", 2: (31.0, 0.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0)}, 0),
        ("2026:13:45 99:99:99", {2: (95.0, 0.0, 0.0), 4: (119.0, 0.0, 0.0)}, 1),
        ("2026:11:25 14:03:00", {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}, 1),
    ],
)
def test_odd_exif_is_ignored_never_raised(taken: str, gps: dict[int, object], orientation: int) -> None:
    data = encode(scene(), "JPEG", exif=make_exif(taken=taken, gps=gps, orientation=orientation))

    info = photos.inspect_photo(data)
    photos.make_variants(data, stamp=STAMP)

    assert (info.width, info.height) == (400, 300)
    assert info.lat is None and info.lng is None


def test_zero_denominator_gps_is_ignored() -> None:
    exif = make_exif(gps=CHANGZHOU_GPS)
    exif.get_ifd(IFD_GPS)[2] = (IFDRational(31, 0), 0.0, 0.0)
    data = encode(scene(), "JPEG", exif=exif)

    assert photos.inspect_photo(data).lat is None


@pytest.mark.parametrize(
    ("raw", "offset", "expected"),
    [
        ("2026:11:25 14:03:00", None, datetime(2026, 11, 25, 6, 3, tzinfo=UTC)),
        (b"2026:11:25 14:03:00\x00", b"+08:00\x00", datetime(2026, 11, 25, 6, 3, tzinfo=UTC)),
        ("2026-11-25 14:03:00", "+00:00", datetime(2026, 11, 25, 14, 3, tzinfo=UTC)),
        ("2026:11:25 14:03:00", "+99:00", datetime(2026, 11, 25, 6, 3, tzinfo=UTC)),
        ("    :  :     :  :  ", None, None),
        (None, None, None),
        (20261125, None, None),
    ],
)
def test_parse_exif_datetime(raw: object, offset: object, expected: datetime | None) -> None:
    assert exif.parse_exif_datetime(raw, offset) == expected


def test_transparency_goes_on_white() -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    data = encode(image, "PNG")

    display = opened(photos.make_variants(data, stamp=STAMP).display)

    assert display.getpixel((200, 20)) >= (250, 250, 250)


# ---------------------------------------------------------------------------------------------- watermark


def test_watermark_strip_darkens_the_bottom_and_leaves_the_top() -> None:
    original = scene((2400, 1800))
    reference = photos.resize_within(original, 2000)  # the same content, unstamped
    data = encode(original, "PNG")

    display = opened(photos.make_variants(data, stamp=STAMP).display)
    width, height = display.size
    bottom = (0, height - 60, width, height)
    top = (0, 0, width, height // 2)

    assert luminance(display, bottom) < 0.7 * luminance(reference, bottom)
    assert abs(luminance(display, top) - luminance(reference, top)) < 2
    assert height - 60 > height * 0.7  # a strip, not an overlay


def test_thumbnail_is_made_before_the_stamp() -> None:
    data = encode(scene((2400, 1800)), "PNG")
    reference = photos.resize_within(photos.resize_within(scene((2400, 1800)), 2000), 320)

    thumb = opened(photos.make_variants(data, stamp=STAMP).thumb)
    bottom = (0, thumb.height - 20, thumb.width, thumb.height)

    assert abs(luminance(thumb, bottom) - luminance(reference, bottom)) < 3


def test_stamp_lines_say_when_where_who_and_the_code() -> None:
    lines = stamp.stamp_lines(STAMP, ascii_only=False)

    assert lines == [
        "2026-11-25 14:03  31.8101N 119.9741E",
        "常州市安达化工有限公司",
        "检查人 张三  核验码 7K3QX9PA",
    ]


def test_ascii_stamp_lines_drop_what_the_default_font_cannot_draw() -> None:
    sample = Stamp(None, "安达 Anda Chem 化工", "张三", None, None, "7K3QX9PA")

    lines = stamp.stamp_lines(sample, ascii_only=True)

    assert lines == ["time unknown  gps none", "ent Anda Chem", "insp -  code 7K3QX9PA"]
    assert all(line.isascii() for line in lines)


def test_naive_stamp_time_is_utc_and_southern_gps_is_lettered() -> None:
    sample = Stamp(datetime(2026, 11, 25, 6, 3), "e", "i", -33.8677, -151.21, "C")

    assert stamp.stamp_lines(sample, ascii_only=False)[0] == "2026-11-25 14:03  33.8677S 151.2100W"


def test_long_names_are_cut_to_the_width() -> None:
    assert fonts.fit_text("abcdefghij", len, 6, "…") == "abcde…"
    assert fonts.fit_text("abc", len, 6, "…") == "abc"


def test_font_scales_with_width_and_the_strip_stays_a_strip() -> None:
    assert stamp.font_px((2000, 1500), 3) == 44
    assert stamp.font_px((1500, 2000), 3) == 33
    assert stamp.font_px((2000, 300), 3) < 44  # a panorama keeps most of its height


def _stamped_strip(enterprise: str) -> bytes:
    sample = Stamp(STAMP.captured_at, enterprise, STAMP.inspector, STAMP.lat, STAMP.lng, STAMP.verify_code)
    image = Image.new("RGB", (1000, 600), (180, 180, 180))
    stamp.draw_stamp(image, sample)
    return image.crop((0, 450, 1000, 600)).tobytes()


def test_chinese_text_renders_with_the_cjk_font() -> None:
    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    # Without CJK glyphs both names would draw the same "missing glyph" boxes.
    assert _stamped_strip("安全") != _stamped_strip("检查")


def test_without_a_cjk_font_the_stamp_is_ascii_and_a_warning_is_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    stamp._warn_no_cjk_font_once.cache_clear()
    data = encode(scene((1200, 900)), "JPEG")

    with caplog.at_level(logging.WARNING, logger="xuncha.photos"):
        first = photos.make_variants(data, stamp=STAMP)
        photos.make_variants(data, stamp=STAMP)

    warnings = [record for record in caplog.records if record.name == "xuncha.photos"]
    assert len(warnings) == 1 and "CJK" in warnings[0].getMessage()
    display = opened(first.display)
    assert luminance(display, (0, 860, 1200, 900)) < 0.7 * luminance(scene((1200, 900)), (0, 860, 1200, 900))
    stamp._warn_no_cjk_font_once.cache_clear()


# ---------------------------------------------------------------------------------------------- fonts


def test_font_search_prefers_the_pattern_order(tmp_path: Path) -> None:
    (tmp_path / "truetype" / "droid").mkdir(parents=True)
    (tmp_path / "truetype" / "droid" / "DroidSansFallbackFull.ttf").write_bytes(b"")
    (tmp_path / "wqy").mkdir()
    (tmp_path / "wqy" / "wqy-microhei.ttc").write_bytes(b"")

    assert fonts.search([tmp_path], fonts.PATTERNS) == tmp_path / "wqy" / "wqy-microhei.ttc"
    assert fonts.search([tmp_path / "absent"], fonts.PATTERNS) is None
    assert fonts.first_existing([tmp_path / "nope.ttc", tmp_path / "wqy" / "wqy-microhei.ttc"]) is not None


def test_found_cjk_font_is_a_loadable_chinese_face() -> None:
    path = fonts.find_cjk_font()
    if path is None:
        pytest.skip("no CJK font on this machine")

    font = fonts.load_font(path, 24)

    assert font.getbbox("巡查")[2] > 24  # two real glyphs, each about one em wide


# --------------------------------------------------------------------------------------- errors, hashing


def test_errors_carry_stable_codes_and_bilingual_messages() -> None:
    errors = [UnsupportedPhoto(), CorruptPhoto("JPEG"), PhotoTooLarge(max_pixels=60_000_000)]

    assert [error.code for error in errors] == ["photo_unsupported", "photo_corrupt", "photo_too_many_pixels"]
    for error in errors:
        assert isinstance(error, PhotoError)
        assert any("\u4e00" <= char <= "\u9fff" for char in str(error))
        assert "photo" in str(error).lower()


def test_truncation_guard_refuses_to_run_when_pillow_is_told_to_accept_truncated_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(RuntimeError):
        photos.make_variants(encode(scene(), "JPEG"), stamp=STAMP)


def test_sha256_file_streams_large_files(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    payload = random.Random(1).randbytes(3_000_000)
    path.write_bytes(payload)

    assert photos.sha256_file(path) == hashlib.sha256(payload).hexdigest()


def test_photo_errors_cross_a_process_boundary_with_their_class_code_and_text() -> None:
    import pickle

    for error in (UnsupportedPhoto(), CorruptPhoto("JPEG"), PhotoTooLarge(max_pixels=1000, width=50, height=40)):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert (again.code, again.message, again.details) == (error.code, error.message, error.details)
