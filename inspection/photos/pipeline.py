"""Inspection photos: validate, orient, read EXIF, make display/thumbnail JPEGs with a watermark strip.

Pure functions, bytes (or a file on disk) in and bytes out: no database, no HTTP. The caller keeps the
original upload untouched and stores what ``make_variants`` returns next to it.

Safety: the type comes from the content (magic bytes, then Pillow restricted to that one format), never the
name or the client's header; the pixel count is checked from the header before anything is decoded; Pillow's
decompression-bomb warning is an error here; truncated files fail the real decode (``make_variants``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import Image, ImageFile

from inspection.errors import DomainError, InvalidInput, TooLarge, Unsupported
from inspection.photos import exif, likeness, trailing
from inspection.photos import stamp as stamp_

pillow_heif.register_heif_opener()

log = logging.getLogger("xuncha.photos")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PIXELS = 60_000_000
DISPLAY_SIDE = 2000
THUMB_SIDE = 320
QUALITY = 85

FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
CONTENT_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heif",
}

Source = Path | bytes

# Exceptions Pillow and its plugins raise on malformed input (Image.open itself turns some into
# UnidentifiedImageError, an OSError); anything else is a bug and should surface as one.
_DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    TypeError,
    KeyError,
    RuntimeError,
    ZeroDivisionError,
)
_BOMB_ERRORS: tuple[type[Exception], ...] = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_HEAD_BYTES = 64
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_MAX_ICC_BYTES = 64 * 1024
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_NEAREST_MAX_SHRINK = 1.02


# ---------------------------------------------------------------------------------------------- errors


class PhotoError(DomainError):
    """A photo we will not take. ``code`` is stable; the message is Chinese and English."""

    code = "photo_invalid"


class UnsupportedPhoto(PhotoError, Unsupported):
    code = "photo_unsupported"

    def __init__(self) -> None:
        super().__init__(
            "不支持的照片格式，请上传 JPEG、PNG、WebP 或 HEIC 照片 / "
            "Unsupported photo format: please upload a JPEG, PNG, WebP or HEIC photo",
            details={"accepted": ["image/jpeg", "image/png", "image/webp", "image/heic"]},
        )


class CorruptPhoto(PhotoError, InvalidInput):
    code = "photo_corrupt"

    def __init__(self, fmt: str) -> None:
        super().__init__(
            "照片文件已损坏或不完整，请重新上传 / Corrupt or incomplete photo file: please upload it again",
            details={"format": fmt},
        )


class PhotoTooLarge(PhotoError, TooLarge):
    code = "photo_too_many_pixels"

    def __init__(self, *, max_pixels: int, width: int | None = None, height: int | None = None) -> None:
        megapixels = max_pixels / 1_000_000
        super().__init__(
            f"照片像素过多（上限 {megapixels:g} 百万像素）/ "
            f"Photo has too many pixels (limit {megapixels:g} megapixels)",
            details={"width": width, "height": height, "max_pixels": max_pixels},
        )


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PhotoInfo:
    format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF"
    content_type: str
    width: int  # after EXIF orientation
    height: int
    sha256: str  # of the original bytes
    captured_at: datetime | None  # aware, UTC
    lat: float | None
    lng: float | None
    trailing_bytes: int | None = None  # bytes after the image's end (motion photo, polyglot); None: unknown


@dataclass(frozen=True)
class Variants:
    display: bytes  # JPEG, no EXIF, watermarked
    thumb: bytes  # JPEG, no EXIF
    display_size: tuple[int, int]
    hashes: tuple[int, ...] = ()  # perceptual hashes of the thumbnail (``likeness.photo_hashes``), unsigned


# ---------------------------------------------------------------------------------------------- public API


def inspect_photo(source: Source, *, max_pixels: int = MAX_PIXELS) -> PhotoInfo:
    """Type, oriented size, hash, capture time and GPS from the header and EXIF, and the bytes appended after
    the image's end; nothing is decoded."""
    with _opened(source, max_pixels) as (image, fmt):
        tags = exif.read_exif(image)
        width, height = exif.oriented_size(image.size, exif.orientation(tags))
        lat, lng = exif.gps(tags)
        captured_at = exif.captured_at(tags)
        content_type = _content_type(image, fmt)
    digest = hashlib.sha256(source).hexdigest() if _in_memory(source) else sha256_file(Path(source))
    return PhotoInfo(
        format=fmt,
        content_type=content_type,
        width=width,
        height=height,
        sha256=digest,
        captured_at=captured_at,
        lat=lat,
        lng=lng,
        trailing_bytes=trailing.trailing_bytes(source if _in_memory(source) else Path(source), fmt),
    )


def make_variants(
    source: Source,
    *,
    stamp: stamp_.Stamp,
    display_side: int = DISPLAY_SIDE,
    thumb_side: int = THUMB_SIDE,
    max_pixels: int = MAX_PIXELS,
    quality: int = QUALITY,
) -> Variants:
    """Decode fully (truncated files fail here), orient, and encode a stamped display JPEG and a thumbnail."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True: truncated photos would pass")
    with _opened(source, max_pixels) as (image, fmt):
        orientation = exif.orientation(exif.read_exif(image))
        if fmt == "JPEG":  # let libjpeg scale by 1/2, 1/4 or 1/8 while decoding, never below the target
            image.draft("RGB", fit_within(image.size, display_side))
        try:
            image.load()
        except _DECODE_ERRORS as exc:
            raise CorruptPhoto(fmt) from exc
        icc = _icc_profile(image)
        display = resize_within(to_rgb(image), display_side)  # a new image: the file can close
    display = orient(display, orientation)
    display.info = {}  # nothing of the original's metadata (EXIF, XMP, comments) travels on
    thumb = resize_within(display, thumb_side)  # from the display image, before the stamp
    stamp_.draw_stamp(display, stamp)  # the hashes are of the thumbnail: the stamp never makes two photos alike
    return Variants(
        display=encode_jpeg(display, quality=quality, icc_profile=icc),
        thumb=encode_jpeg(thumb, quality=quality, icc_profile=icc),
        display_size=display.size,
        hashes=tuple(likeness.photo_hashes(thumb)),
    )


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    with open(path, "rb") as fp:
        return hashlib.file_digest(fp, "sha256").hexdigest()


# ---------------------------------------------------------------------------------------------- detection


def sniff_format(head: bytes) -> str | None:
    """The Pillow format name for the first bytes of a file, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and _is_hevc_heif(head):
        return "HEIF"
    return None


def _is_hevc_heif(head: bytes) -> bool:
    """HEVC-coded HEIF (what phones write); AVIF is refused, libheif here has no AV1 decoder."""
    major = head[8:12]
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    if major in _HEVC_BRANDS:
        return True
    return major in _GENERIC_HEIF_BRANDS and not (compatible & _AVIF_BRANDS)


def _in_memory(source: Source) -> bool:
    return isinstance(source, bytes | bytearray | memoryview)


@contextmanager
def _binary(source: Source) -> Iterator[IO[bytes]]:
    if _in_memory(source):
        yield io.BytesIO(source)
    else:
        with open(source, "rb") as fp:
            yield fp


@contextmanager
def _opened(source: Source, max_pixels: int) -> Iterator[tuple[ImageFile.ImageFile, str]]:
    """An opened (not decoded) image of an accepted format within ``max_pixels``, and its format name.

    While the caller's block runs, Pillow's DecompressionBombWarning is an error (and becomes PhotoTooLarge).
    ``warnings.catch_warnings`` swaps process-wide filters, so under threads the warning may stay a warning
    for a moment; the header check against ``max_pixels`` (below Pillow's threshold) does not rely on it.
    """
    with _binary(source) as fp:
        fmt = sniff_format(fp.read(_HEAD_BYTES))
        if fmt is None:
            raise UnsupportedPhoto()
        fp.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                try:
                    image = Image.open(fp, formats=[fmt])
                except _DECODE_ERRORS as exc:  # the magic matched, so this is a damaged file of that type
                    raise CorruptPhoto(fmt) from exc
                with image:
                    check_pixels(image.size, max_pixels=max_pixels)
                    yield image, fmt
        except _BOMB_ERRORS as exc:
            raise PhotoTooLarge(max_pixels=max_pixels) from exc


def check_pixels(size: tuple[int, int], *, max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise CorruptPhoto("unknown")
    if width * height > max_pixels:
        raise PhotoTooLarge(max_pixels=max_pixels, width=width, height=height)


def _content_type(image: Image.Image, fmt: str) -> str:
    if fmt == "HEIF" and getattr(image, "custom_mimetype", None) == "image/heic":
        return "image/heic"
    return CONTENT_TYPES[fmt]


# ---------------------------------------------------------------------------------------------- EXIF


# ---------------------------------------------------------------------------------------------- pixels


def fit_within(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled so the longest side is at most ``side``; never enlarged."""
    width, height = size
    longest = max(width, height)
    if longest <= side:
        return width, height
    return max(1, round(width * side / longest)), max(1, round(height * side / longest))


def resize_within(image: Image.Image, side: int) -> Image.Image:
    """A new image whose longest side is at most ``side``: box-average by the whole factor, then resample.

    The last step is bilinear, except for a residual shrink of at most 2% (a 4032 px photo decoded at half
    size is 2016 px for a 2000 px target): nearest neighbour then drops one row or column in 50 or more,
    which does not show, and costs a tenth of a bilinear pass over three megapixels.
    """
    target = fit_within(image.size, side)
    if target == image.size:
        return image.copy()
    factor = min(image.width // target[0], image.height // target[1])
    if factor >= 2:
        image = image.reduce(factor)
        if image.size == target:
            return image
    shrink = max(image.width / target[0], image.height / target[1])
    resample = Image.Resampling.NEAREST if shrink <= _NEAREST_MAX_SHRINK else Image.Resampling.BILINEAR
    return image.resize(target, resample)


def orient(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` itself when it is RGB, else an RGB conversion; transparency goes on white."""
    if image.mode in _ALPHA_MODES or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode.startswith("I"):  # 16/32-bit grey: scale to 8 bits rather than clip
        rgb = image.convert("I").point(lambda value: value * (1 / 257)).convert("L").convert("RGB")
    else:
        rgb = image.convert("RGB") if image.mode != "RGB" else image
    return rgb


def _icc_profile(image: Image.Image) -> bytes | None:
    """The source's RGB colour profile (phones shoot Display P3); kept so colours survive, if small."""
    icc = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA") or not isinstance(icc, bytes) or len(icc) > _MAX_ICC_BYTES:
        return None
    return icc or None


def encode_jpeg(image: Image.Image, *, quality: int, icc_profile: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=b"", icc_profile=icc_profile)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- stamp


