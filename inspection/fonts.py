"""Find a font that can draw Chinese on this machine (photo watermarks, QR plaques, charts), and fit text to a width.

Pure lookups on the file system; nothing is downloaded. ``find_cjk_font()`` is cached for the life of the
process, so installing a font needs a restart to be picked up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

# Best first: Noto Sans CJK (Debian/Ubuntu fonts-noto-cjk, Fedora, Arch), then Noto Serif CJK, WenQuanYi,
# Droid Sans Fallback. Regular weights read best at watermark sizes; bold is an acceptable fallback.
KNOWN_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
)

# File-name patterns searched recursively under SEARCH_ROOTS when no known path exists, best first.
PATTERNS: tuple[str, ...] = (
    "NotoSansCJK*-Regular.ttc",
    "NotoSansCJK*.ttc",
    "NotoSansSC-*.otf",
    "NotoSerifCJK*.ttc",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallback*.ttf",
)

SEARCH_ROOTS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts")

# Face names inside a CJK collection, best first: Simplified Chinese glyph forms for a mainland audience.
_PREFERRED_FACES: tuple[str, ...] = ("SC", "CN", "GB", "TC", "HK", "JP", "KR")


def first_existing(paths: Iterable[str | Path]) -> Path | None:
    for candidate in paths:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def search(roots: Sequence[str | Path], patterns: Sequence[str]) -> Path | None:
    """The best match for ``patterns`` (in order) below any of ``roots``; sorted, so the answer is stable."""
    for pattern in patterns:
        for root in roots:
            base = Path(root)
            if not base.is_dir():
                continue
            matches = sorted(path for path in base.rglob(pattern) if path.is_file())
            if matches:
                return matches[0]
    return None


@cache
def find_cjk_font() -> Path | None:
    """A font file able to draw Chinese, or None when the system has none (the caller degrades to ASCII)."""
    return first_existing(KNOWN_PATHS) or search(SEARCH_ROOTS, PATTERNS)


def _face_rank(family: str) -> int:
    words = family.replace("-", " ").split()
    for rank, tag in enumerate(_PREFERRED_FACES):
        if tag in words:
            return rank
    return len(_PREFERRED_FACES)


@lru_cache(maxsize=32)
def _best_face_index(path: Path) -> int:
    """Index of the Simplified Chinese face in a .ttc collection (Noto's order is JP, KR, SC, TC, HK)."""
    if path.suffix.lower() != ".ttc":
        return 0
    ranked: list[tuple[int, int]] = []
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(path), size=12, index=index).getname()
        except OSError:  # past the last face
            break
        ranked.append((_face_rank(family or ""), index))
    return min(ranked)[1] if ranked else 0


@lru_cache(maxsize=64)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A FreeType font of ``size`` px from ``path``, the Simplified Chinese face for collections. Cached."""
    return ImageFont.truetype(str(path), size=size, index=_best_face_index(path))


# Cached FreeType faces are shared between request threads; FreeType faces are not thread-safe: draw under this lock.
TEXT_LOCK = threading.Lock()


def fit_text(text: str, measure: Callable[[str], float], max_width: float, ellipsis: str) -> str:
    """``text`` cut and ended with ``ellipsis`` so that ``measure(text) <= max_width``."""
    if measure(text) <= max_width:
        return text
    for end in range(len(text) - 1, 0, -1):
        candidate = text[:end].rstrip() + ellipsis
        if measure(candidate) <= max_width:
            return candidate
    return ellipsis


def wrap(text: str, measure: Callable[[str], float], max_width: float, max_lines: int, ellipsis: str
         ) -> list[str]:
    """Greedy line breaks (between any two characters: Chinese has no spaces), the last line cut with
    ``ellipsis`` if the text does not fit in ``max_lines``."""
    text = " ".join(text.split())
    lines: list[str] = []
    while text and len(lines) < max_lines - 1:
        end = len(text)
        while end > 1 and measure(text[:end]) > max_width:
            end -= 1
        space = text.rfind(" ", 0, end)
        if end < len(text) and space > 0:  # a Latin word is not split when a space is at hand
            end = space
        lines.append(text[:end].strip())
        text = text[end:].strip()
    if text:
        lines.append(fit_text(text, measure, max_width, ellipsis))
    return lines


# --- the PDF font -------------------------------------------------------------------------------------------------

# TrueType (glyf) CJK fonts reportlab can embed as a subset, best first: AR PL UMing (Debian fonts-arphic-uming, a
# Song/宋体-like face close to official documents; face 0 is the mainland "CN" one), then WenQuanYi Zen Hei and
# Droid Sans Fallback. CFF/OpenType faces (Noto CJK) cannot be embedded by reportlab and are not listed.
PDF_FONT_PATHS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/arphic-uming/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
PDF_FONT = "XunchaCJK"  # the registered name of an embedded TrueType font
PDF_FALLBACK_FONT = "STSong-Light"  # reportlab's CID font: no file, not embedded (the reader substitutes a face)

_pdf_lock = threading.Lock()
_pdf_font: str | None = None


def find_pdf_font() -> tuple[Path, int] | None:
    """A TrueType CJK font file and its face index, or None."""
    for path, index in PDF_FONT_PATHS:
        if Path(path).is_file():
            return Path(path), index
    return None


def pdf_font() -> str:
    """The font name every PDF draws Chinese with, registered with reportlab once per process.

    An embedded TrueType CJK font when the machine has one (each PDF carries the subset of glyphs it uses, so it
    prints the same everywhere); otherwise STSong-Light, not embedded, with a warning.
    """
    global _pdf_font
    with _pdf_lock:
        if _pdf_font is not None:
            return _pdf_font
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        found = find_pdf_font()
        if found is not None:
            path, index = found
            try:
                pdfmetrics.registerFont(TTFont(PDF_FONT, str(path), subfontIndex=index))
                _pdf_font = PDF_FONT
                return _pdf_font
            except TTFError as error:
                logging.getLogger("xuncha.fonts").warning("cannot embed %s (%s)", path, error)
        logging.getLogger("xuncha.fonts").warning(
            "no TrueType CJK font found (install fonts-arphic-uming): PDFs use STSong-Light, not embedded; "
            "readers substitute their own face")
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FALLBACK_FONT))
        _pdf_font = PDF_FALLBACK_FONT
        return _pdf_font
