"""Layout pieces shared by the printed documents: the CJK font, paragraph styles, tables, images, page footers.

Chinese is drawn with a TrueType CJK font embedded as a subset (``inspection.fonts.pdf_font``: AR PL UMing, a
宋体-like face, when installed), so a document prints the same on every reader and printer. Without one it falls
back to reportlab's CID font STSong-Light, not embedded (readers substitute their own face), with a logged
warning. Output is deterministic (``invariant``; the subset's name prefix is fixed): the same data gives the
same bytes.
"""

import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

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


@dataclass(frozen=True)
class SignatureMark:
    """One signature stamped at the foot of every page: the image captured, or the recorded refusal, or a blank
    line to sign by hand."""

    label: str  # 被检查单位 / 执法人员 张三
    image: Path | None = None
    refusal: str = ""  # 当事人拒绝签字（见证人：…）


@dataclass(frozen=True)
class PageMarks:
    """What every page carries besides its text: the document's number, its content hash, the signatures."""

    number: str
    digest: str = ""
    signatures: tuple[SignatureMark, ...] = ()
    note: str = ""  # under the footer line, e.g. that the instrument's form is not yet verified


SIGNATURE_BAND = 15 * mm  # height of the signature strip above the footer line
FOOT_LINE = 9 * mm


def page_label(page: int, total: int) -> str:
    return f"第 {page} 页 共 {total} 页"


class _NumberedCanvas(canvas.Canvas):
    """Draws, once the count is known, at the foot of every page: 第 n 页 共 N 页, the document's number, its
    content hash and the signatures (or the refusal)."""

    def __init__(self, *args: Any, marks: PageMarks, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._marks = marks
        self._segment = 0  # which document of several printed together (``build_many``) this page belongs to
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def _signature(self, mark: SignatureMark, x: float, width: float) -> None:
        y = FOOT_LINE + 4 * mm
        self.setFont(FONT, 7.5)
        self.drawString(x, y + SIGNATURE_BAND - 4 * mm, f"{mark.label}签名：")
        box_y, box_h = y, SIGNATURE_BAND - 5 * mm
        if mark.refusal:
            self.setFont(FONT, 7.5)
            for index, line in enumerate(_wrap(mark.refusal, int(width / 7.5))[:2]):
                self.drawString(x, box_y + box_h - 3 * mm - index * 3.2 * mm, line)
            return
        if mark.image is not None:
            try:
                self.drawImage(str(mark.image), x, box_y, width=min(width - 2 * mm, 32 * mm), height=box_h,
                               mask="auto", preserveAspectRatio=True, anchor="sw")
                return
            except (OSError, ValueError):
                pass  # unreadable: a line to sign by hand
        self.setLineWidth(0.4)
        self.line(x, box_y + 1 * mm, x + min(width - 4 * mm, 32 * mm), box_y + 1 * mm)

    def save(self) -> None:
        totals = Counter(state["_segment"] for state in self._pages)
        seen: Counter[int] = Counter()
        for state in self._pages:
            self.__dict__.update(state)
            marks = self._marks
            seen[self._segment] += 1
            self.setFont(FONT, 8.5)
            self.drawCentredString(A4[0] / 2, FOOT_LINE, page_label(seen[self._segment], totals[self._segment]))
            self.setFont(FONT, 7.5)
            if marks.number:
                self.drawString(MARGIN, FOOT_LINE, marks.number)
            if marks.digest:
                self.drawRightString(A4[0] - MARGIN, FOOT_LINE, f"校验码 {marks.digest}")
            if marks.note:
                self.setFont(FONT, 6.5)
                self.drawCentredString(A4[0] / 2, FOOT_LINE - 3.2 * mm, marks.note)
            if marks.signatures:
                width = WIDTH / len(marks.signatures)
                for index, mark in enumerate(marks.signatures):
                    self._signature(mark, MARGIN + index * width, width)
            super().showPage()
        super().save()


def _wrap(text: str, width: int) -> list[str]:
    width = max(width, 8)
    return [text[i:i + width] for i in range(0, len(text), width)]


class _SwitchMarks(Flowable):
    """Takes no room: from the page it lands on, pages carry the next document's marks and page count."""

    def __init__(self, marks: PageMarks, segment: int) -> None:
        super().__init__()
        self.marks, self.segment = marks, segment

    def wrap(self, *_: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._marks = self.marks  # type: ignore[attr-defined]  # a _NumberedCanvas
        self.canv._segment = self.segment  # type: ignore[attr-defined]


def build_many(documents: Sequence[tuple[list[Flowable], PageMarks]], *, title: str, author: str,
               footer: str) -> bytes:
    """Several documents printed one after the other in one PDF, each from a new page with its own marks (number,
    content hash, signatures, note) and its own 第 n 页 共 N 页."""
    if not documents:
        raise ValueError("nothing to print")
    story: list[Flowable] = []
    for index, (part, marks) in enumerate(documents):
        story += ([PageBreak()] if index else []) + [_SwitchMarks(marks, index), *part]
    return build(story, title=title, author=author, footer=footer, marks=documents[0][1])


def build(story: list[Flowable], *, title: str, author: str, footer: str, marks: PageMarks | None = None) -> bytes:
    marks = marks or PageMarks(footer)
    bottom = FOOT_LINE + 6 * mm + (SIGNATURE_BAND if marks.signatures else 0)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                            bottomMargin=max(bottom, 20 * mm), title=title, author=author, subject=footer,
                            keywords=marks.digest, creator="xuncha", invariant=1)
    maker: Callable[..., canvas.Canvas] = partial(_NumberedCanvas, marks=marks)
    doc.build(story, canvasmaker=maker)
    return out.getvalue()
