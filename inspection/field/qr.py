"""QR plaques (扫码入企): signed tokens naming an enterprise or a plant site, and printable codes.

A plaque is bolted to the wall for years, so its token has no expiry. It is signed (``inspection.identity.tokens``,
purpose ``plaque``): it cannot be forged, ids cannot be enumerated, and it is refused for any other purpose.
The name is printed under the code: PNG with the CJK font when the machine has one (ASCII otherwise, with
one logged warning), SVG as a <text> element with CJK font fallbacks, left to the printer's fonts.
"""

import io
import logging
from datetime import datetime
from enum import StrEnum
from functools import cache
from xml.sax.saxutils import escape

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from inspection import fonts
from inspection.errors import NotFound
from inspection.identity import tokens

log = logging.getLogger("xuncha.qr")

PURPOSE = "plaque"
BOX_PX = 12  # pixels per module in the PNG: ~540 px wide, sharp at 4-5 cm printed
BORDER = 4  # the quiet zone the QR standard asks for, in modules
MAX_CAPTION_LINES = 2
SVG_MODULE_MM = 2  # printed size of one module: ~9 cm for a typical plaque code
SVG_FONTS = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'SimHei', "
             "'WenQuanYi Micro Hei', sans-serif")


class PlaqueKind(StrEnum):
    ENTERPRISE = "e"
    SITE = "s"


def plaque_token(secret: str, kind: PlaqueKind | str, id: int) -> str:
    return tokens.sign(secret, PURPOSE, {"k": PlaqueKind(kind).value, "i": int(id)})


def read_plaque(secret: str, token: str, *, now: datetime) -> tuple[PlaqueKind, int]:
    """(kind, id) of a genuine plaque token; NotFound (code invalid_token) for anything else."""
    payload = tokens.verify(secret, PURPOSE, token, now=now)
    try:
        return PlaqueKind(payload["k"]), int(payload["i"])
    except (KeyError, TypeError, ValueError) as exc:
        raise NotFound("链接无效 / invalid or forged link", code="invalid_token") from exc


def plaque_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/q/{token}"


def qr_matrix(url: str) -> list[list[bool]]:
    """Dark modules of the code for ``url``, quiet zone included; medium error correction survives grime."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


# --- captions --------------------------------------------------------------------------------------------------

def ascii_only(text: str) -> str:
    return " ".join("".join(char for char in text if " " <= char <= "~").split())


# --- PNG -------------------------------------------------------------------------------------------------------

def qr_png(url: str, caption: str) -> bytes:
    """The code with ``caption`` (an enterprise or site name) printed underneath, as a PNG."""
    matrix = qr_matrix(url)
    modules = len(matrix)
    code = Image.new("1", (modules, modules), 1)
    code.putdata([0 if dark else 1 for row in matrix for dark in row])
    side = modules * BOX_PX
    code = code.resize((side, side), Image.Resampling.NEAREST)

    font_path = fonts.find_cjk_font()
    if font_path is None:
        _warn_no_cjk_font_once()
        caption = ascii_only(caption)
    size = max(14, side // 18)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont = (
        fonts.load_font(font_path, size) if font_path is not None else ImageFont.load_default(size=size))
    margin = BORDER * BOX_PX
    line_height = round(size * 1.35)
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    with fonts.TEXT_LOCK:
        lines = fonts.wrap(caption, lambda text: scratch.textlength(text, font=font), side - 2 * margin,
                     MAX_CAPTION_LINES, "…" if font_path is not None else "...") if caption else []
        caption_height = line_height * len(lines) + (margin // 2 if lines else 0)
        plaque = Image.new("L", (side, side + caption_height), 255)
        plaque.paste(code.convert("L"), (0, 0))
        draw = ImageDraw.Draw(plaque)
        for row, line in enumerate(lines):
            draw.text((side / 2, side + row * line_height), line, font=font, fill=0, anchor="ma")
    out = io.BytesIO()
    plaque.save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def _warn_no_cjk_font_once() -> None:
    log.warning("no CJK font found (e.g. apt-get install fonts-noto-cjk): QR plaque captions are ASCII only")


# --- SVG -------------------------------------------------------------------------------------------------------

def _estimated_em(text: str) -> float:
    """Width in em without a font at hand: CJK and full-width characters 1 em, the rest about half."""
    return sum(1.0 if ord(char) > 0x2E7F else 0.55 for char in text)


def qr_svg(url: str, caption: str) -> str:
    """The code as SVG paths in module units, ``caption`` in a <text> element underneath; scales to any size."""
    matrix = qr_matrix(url)
    modules = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < modules:
            if row[x]:
                start = x
                while x < modules and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    font_size = modules / 18
    line_height = font_size * 1.35
    lines = fonts.wrap(caption, lambda text: _estimated_em(text) * font_size, modules - 2 * BORDER, MAX_CAPTION_LINES,
                 "…") if caption else []
    height = modules + (line_height * len(lines) + BORDER / 2 if lines else 0)
    texts = "".join(
        f'<text x="{modules / 2:g}" y="{modules + font_size + row * line_height:.2f}" '
        f'text-anchor="middle">{escape(line)}</text>'
        for row, line in enumerate(lines))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {modules} {height:.2f}" '
        f'width="{modules * SVG_MODULE_MM}mm" height="{height * SVG_MODULE_MM:.2f}mm" shape-rendering="crispEdges">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/>'
        f'<g font-family="{escape(SVG_FONTS, {chr(34): "&quot;"})}" font-size="{font_size:.2f}" fill="#000">'
        f"{texts}</g></svg>"
    )
