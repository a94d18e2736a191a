"""The watermark strip of a display photo: when and where, who was inspected, who inspected, the verify code.

Drawn with a CJK font when the machine has one (``inspection.fonts``), ASCII otherwise with one logged warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from inspection import fonts

log = logging.getLogger("xuncha.photos")

SHANGHAI = ZoneInfo("Asia/Shanghai")


# Watermark strip: font ~2.2% of the width, band darkened to 40% brightness, white text.
_FONT_SCALE = 0.022


_MIN_FONT_PX = 10


_LINE_SPACING = 1.3


_MAX_STRIP_SHARE = 0.3


_DARKEN = [round(value * 0.4) for value in range(256)] * 3


_TEXT_COLOUR = (255, 255, 255)


@dataclass(frozen=True)
class Stamp:
    """What the watermark strip says; ``captured_at`` is shown in Shanghai time (a naive value is UTC)."""

    captured_at: datetime | None
    enterprise: str
    inspector: str
    lat: float | None
    lng: float | None
    verify_code: str



def format_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")



def format_gps(lat: float | None, lng: float | None) -> str | None:
    if lat is None or lng is None:
        return None
    return f"{abs(lat):.4f}{'S' if lat < 0 else 'N'} {abs(lng):.4f}{'W' if lng < 0 else 'E'}"



def stamp_lines(stamp: Stamp, *, ascii_only: bool) -> list[str]:
    """The strip's text, three lines: when and where, who is inspected, who inspected and the code."""
    when = format_time(stamp.captured_at)
    where = format_gps(stamp.lat, stamp.lng)
    if ascii_only:
        return [
            f"time {when or 'unknown'}  gps {where or 'none'}",
            f"ent {_ascii(stamp.enterprise) or '-'}",
            f"insp {_ascii(stamp.inspector) or '-'}  code {_ascii(stamp.verify_code)}",
        ]
    return [
        f"{when or '拍摄时间未知'}  {where or '无定位'}",
        stamp.enterprise.strip() or "-",
        f"检查人 {stamp.inspector.strip() or '-'}  核验码 {stamp.verify_code}",
    ]



def _ascii(text: str) -> str:
    return " ".join("".join(char for char in text if " " <= char <= "~").split())



def font_px(size: tuple[int, int], lines: int) -> int:
    """~2.2% of the width, shrunk so the strip never covers more than 30% of a wide, short image."""
    width, height = size
    by_height = int(height * _MAX_STRIP_SHARE / (lines * _LINE_SPACING + 0.9))
    return max(_MIN_FONT_PX, min(round(width * _FONT_SCALE), by_height))



def draw_stamp(image: Image.Image, stamp: Stamp) -> None:
    """Darken a band along the bottom of ``image`` (in place) and write the stamp on it."""
    font_path = fonts.find_cjk_font()
    if font_path is None:
        _warn_no_cjk_font_once()
    lines = stamp_lines(stamp, ascii_only=font_path is None)
    size = font_px(image.size, len(lines))
    font = fonts.load_font(font_path, size) if font_path is not None else _default_font(size)
    pad = max(4, round(size * 0.45))
    line_height = round(size * _LINE_SPACING)
    width, height = image.size
    top = max(0, height - (2 * pad + line_height * len(lines)))
    box = (0, top, width, height)
    band = image.crop(box).point(_DARKEN)
    draw = ImageDraw.Draw(band)
    ellipsis = "..." if font_path is None else "…"

    def measure(text: str) -> float:
        return draw.textlength(text, font=font)

    with fonts.TEXT_LOCK:
        for row, line in enumerate(lines):
            text = fonts.fit_text(line, measure, width - 2 * pad, ellipsis)
            draw.text((pad, pad + row * line_height), text, font=font, fill=_TEXT_COLOUR)
    image.paste(band, box)



@lru_cache(maxsize=32)
def _default_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)



@cache
def _warn_no_cjk_font_once() -> None:
    log.warning("no CJK font found (e.g. apt-get install fonts-noto-cjk): photo stamps are ASCII only")

