"""EXIF of an opened photo: orientation, capture time (with its offset), GPS position.

Pure reads of Pillow's ``Image.Exif``; anything malformed reads as absent, never as an error.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image

log = logging.getLogger("xuncha.photos")

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORIENTATIONS = range(1, 9)  # EXIF orientation values; anything else reads as 1 (upright)

_TAG_ORIENTATION = 0x0112


_IFD_EXIF = 0x8769


_IFD_GPS = 0x8825


_TAG_DATETIME_ORIGINAL = 0x9003


_TAG_OFFSET_TIME_ORIGINAL = 0x9011


_EXIF_DATETIME = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def read_exif(image: Image.Image) -> Image.Exif:
    """EXIF known from the header. Best effort: odd EXIF never rejects a photo."""
    if image.format == "PNG" and "exif" not in image.info:
        return Image.Exif()  # PngImageFile.getexif() would decode the whole image to look for a late eXIf
    try:
        return image.getexif()
    except Exception:  # noqa: BLE001 - any parse failure means "no EXIF"
        log.debug("unreadable EXIF ignored", exc_info=True)
        return Image.Exif()



def orientation(exif: Image.Exif) -> int:
    """EXIF orientation 1-8 (1 when absent or odd). pillow_heif applies HEIF's own rotation and reports 1."""
    try:
        value = int(exif.get(_TAG_ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1
    return value if value in ORIENTATIONS else 1



def oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    width, height = size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)



def captured_at(exif: Image.Exif) -> datetime | None:
    try:
        ifd = exif.get_ifd(_IFD_EXIF)
        return parse_exif_datetime(ifd.get(_TAG_DATETIME_ORIGINAL), ifd.get(_TAG_OFFSET_TIME_ORIGINAL))
    except Exception:  # noqa: BLE001 - best effort
        log.debug("unreadable EXIF capture time ignored", exc_info=True)
        return None



def parse_exif_datetime(value: object, offset: object = None) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" as aware UTC; local time is OffsetTimeOriginal, else Asia/Shanghai."""
    text = _exif_text(value)
    match = _EXIF_DATETIME.match(text) if text else None
    if match is None:
        return None
    try:
        local = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None
    return local.replace(tzinfo=_parse_offset(offset) or SHANGHAI).astimezone(UTC)



def _parse_offset(value: object) -> timezone | None:
    text = _exif_text(value)
    match = _EXIF_OFFSET.fullmatch(text) if text else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)



def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None



def gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """Decimal (lat, lng) from the GPS IFD, or (None, None). Zero/zero is a phone without a fix."""
    try:
        gps = exif.get_ifd(_IFD_GPS)
        lat = gps_coordinate(gps.get(2), gps.get(1), limit=90.0, negative="S")
        lng = gps_coordinate(gps.get(4), gps.get(3), limit=180.0, negative="W")
    except Exception:  # noqa: BLE001 - best effort
        log.debug("unreadable EXIF GPS ignored", exc_info=True)
        return None, None
    if lat is None or lng is None or (lat == 0 and lng == 0):
        return None, None
    return lat, lng



def gps_coordinate(value: object, ref: object, *, limit: float, negative: str) -> float | None:
    """Degrees, minutes, seconds (rationals) and a reference letter as signed decimal degrees."""
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    try:
        degrees = sum(float(part) / 60**index for index, part in enumerate(value))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    letter = (_exif_text(ref) or "").upper()[:1]
    if not math.isfinite(degrees) or not 0 <= degrees <= limit or letter not in ("", "N", "S", "E", "W"):
        return None
    return round(-degrees if letter == negative else degrees, 7)

