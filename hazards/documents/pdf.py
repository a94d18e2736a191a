"""Layout pieces shared by the printed documents: the CJK font, paragraph styles, tables, images, page footers.

Chinese is drawn with a TrueType CJK font embedded as a subset (``inspection.fonts.pdf_font``: AR PL UMing, a
宋体-like face, when installed), so a document prints the same on every reader and printer. Without one it falls
back to reportlab's CID font STSong-Light, not embedded (readers substitute their own face), with a logged
warning. Output is deterministic (``invariant``; the subset's name prefix is fixed): the same data gives the
same bytes.
"""

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from inspection import fonts
from inspection.clock import local

FONT = fonts.pdf_font()

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN  # the text frame


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(at: datetime) -> str:
    moment = local(at)
    return f"{cn_date(moment.date())} {moment:%H:%M}"


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as PNG bytes (error correction M: survives a crease or a stamp's edge)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", alignment=TA_JUSTIFY)
    return {
        "body": base,
        "authority": ParagraphStyle("authority", base, fontSize=15, leading=22, alignment=TA_CENTER),
        "title": ParagraphStyle("title", base, fontSize=20, leading=28, alignment=TA_CENTER, spaceBefore=2),
        "number": ParagraphStyle("number", base, alignment=TA_CENTER, spaceAfter=8),
        "heading": ParagraphStyle("heading", base, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=3),
        "item": ParagraphStyle("item", base, leftIndent=7 * mm, firstLineIndent=-7 * mm, spaceBefore=4),
        "detail": ParagraphStyle("detail", base, fontSize=10, leading=15, leftIndent=7 * mm),
        "para": ParagraphStyle("para", base, firstLineIndent=22, spaceBefore=4),
        "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=13, alignment=0),
        "small": ParagraphStyle("small", base, fontSize=8, leading=11, alignment=0),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "caption": ParagraphStyle("caption", base, fontSize=8.5, leading=12, alignment=TA_CENTER),
    }


STYLES = _styles()


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: names and notes may contain & or <)."""
    return Paragraph(escape(text), STYLES[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A paragraph of trusted markup (escape the data inside it yourself)."""
    return Paragraph(text, STYLES[style])


def grid(rows: list[list[Any]], widths: Sequence[float], *, header: bool = False, lines: bool = True) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if lines:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    else:
        style.append(("LEFTPADDING", (0, 0), (0, -1), 0))
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
    table.setStyle(TableStyle(style))
    return table


def fit_image(path: Path | None, box: tuple[float, float], *, mask: str | None = None) -> Image | None:
    """The image at ``path`` scaled to fit ``box`` (points), or None when it is missing or unreadable."""
    if path is None:
        return None
    try:
        with PILImage.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    scale = min(box[0] / width, box[1] / height)
    return Image(str(path), width=width * scale, height=height * scale, mask=mask)


class _NumberedCanvas(canvas.Canvas):
    """Draws "第 N 页 / 共 M 页" and the document's number at the foot of every page, once the count is known."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 9)
            self.drawCentredString(A4[0] / 2, 12 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
            if self._footer:
                self.setFont(FONT, 8)
                self.drawRightString(A4[0] - MARGIN, 12 * mm, self._footer)
            super().showPage()
        super().save()


def build(story: list[Flowable], *, title: str, author: str, footer: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                            bottomMargin=20 * mm, title=title, author=author, subject=footer, creator="xuncha",
                            invariant=1)
    maker: Callable[..., canvas.Canvas] = partial(_NumberedCanvas, footer=footer)
    doc.build(story, canvasmaker=maker)
    return out.getvalue()
