"""An XLSX workbook written as it is sent: its first bytes go out at once, memory stays flat at any size.

openpyxl's write-only mode keeps the rows in a temporary file and zips the package only at ``save``, so a client
waits for the whole ledger before the first byte (25 minutes at a million rows on the shared VM). Here the package
is zipped as it is produced: the standard library's ``zipfile`` writes to a sink that cannot seek, so every entry
carries a data descriptor after its compressed bytes, and the sheet's XML is compressed batch by batch and
handed on. The parts that name the sheets (workbook, relationships, content types) go last, once the row count
has said how many sheets there are: a sheet holds at most 1,048,576 rows (Excel's limit), the header included;
more continue on the next sheet, headed again.

Cells are inline strings, numbers and dates (serial days with a date format), never formulas, and never shared
strings (no table to hold in memory). Every text cell goes through ``export.safe_cell``: no control character
XML cannot hold, and text a spreadsheet would read as a formula keeps its leading ``'`` as in every export.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from hazards.stats.export import safe_cell

MAX_ROWS = 1_048_576  # rows of one sheet, Excel's limit
MAX_SHEET_BYTES = 3 * 2**30  # a sheet's XML stays under zip's 4 GiB entry size (no ZIP64 entries: not needed)
COMPRESS_LEVEL = 6  # zlib's default; 1 wrote ledger XML ~20 % faster and ~25 % larger, writing XML costs more
EPOCH = datetime(1899, 12, 30)  # day 0 of a spreadsheet's 1900 date system (the 1900 leap-year bug included)
DAY_SECONDS = 86400

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# styles: 0 plain, 1 date and time, 2 date, 3 bold (the header)
STYLE_DATETIME, STYLE_DATE, STYLE_HEADER = 1, 2, 3
STYLES = (XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
          '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
          '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '</styleSheet>')
SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


class _Sink:
    """Where ``zipfile`` writes: kept until taken. No ``seek``/``tell``, so ``zipfile`` streams (data
    descriptors) instead of going back to patch the local headers."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def _serial(value: datetime | date) -> float | int:
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + (delta.seconds + delta.microseconds / 1e6) / DAY_SECONDS
    return (value - EPOCH.date()).days


def _cell(ref: str, value: Any, style: int = 0) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{_serial(value)}</v></c>'
    text = escape(safe_cell(value if isinstance(value, str) else str(value)))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number: int, letters: Sequence[str], values: Sequence[Any], style: int = 0) -> str:
    cells = [_cell(f"{letter}{number}", value, style) for letter, value in zip(letters, values, strict=False)]
    return f'<row r="{number}">{"".join(cells)}</row>'


def _sheet_head(widths: Sequence[float], frozen_header: bool, selected: bool) -> str:
    pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if frozen_header else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    tab = ' tabSelected="1"' if selected else ""
    return (XML_HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")


SHEET_TAIL = "</sheetData></worksheet>"


def sheet_name(title: str, number: int) -> str:
    """A legal sheet name (at most 31 characters, none of ``[]:*?/\\``); the second sheet of one list is
    ``title (2)``."""
    suffix = "" if number == 1 else f" ({number})"
    return (SHEET_NAME_ILLEGAL.sub("_", title).strip("'") or "Sheet")[:31 - len(suffix)] + suffix


def _package_parts(names: list[str]) -> dict[str, str]:
    """The workbook, its relationships and the content types for sheets ``sheet1.xml`` ... in this order."""
    sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, 1))
    sheet_rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(names) + 1))
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{OFFICE}.worksheet+xml"/>'
                        for i in range(1, len(names) + 1))
    return {
        "xl/workbook.xml": (XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView/>'
                            f"</bookViews><sheets>{sheets}</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL}">{sheet_rels}'
                                       f'<Relationship Id="rId{len(names) + 1}" Type="{REL}/styles" '
                                       'Target="styles.xml"/></Relationships>'),
        "_rels/.rels": (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
                        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "[Content_Types].xml": (
            XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE}.styles+xml"/>{overrides}</Types>'),
    }


def xlsx_chunks(title: str, headers: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], *,
                widths: Sequence[float] = (), notes: Sequence[tuple[str, str]] = (), notes_title: str = "说明",
                max_rows: int = MAX_ROWS) -> Iterator[bytes]:
    """The workbook's bytes as they are made: one chunk after the sheet's head, then one per batch of rows,
    then the notes sheet (label, value) and the package parts. ``max_rows`` (header included) is Excel's limit;
    tests set it small."""
    sink = _Sink()
    letters = [get_column_letter(i) for i in range(1, max(len(headers), 2) + 1)]
    names: list[str] = []
    package = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
    sheet: Any = None

    def open_sheet() -> tuple[Any, int]:
        names.append(sheet_name(title, len(names) + 1))
        entry = package.open(f"xl/worksheets/sheet{len(names)}.xml", "w")
        entry.write((_sheet_head(widths, True, len(names) == 1) + _row(1, letters, headers, STYLE_HEADER)).encode())
        return entry, 1

    try:
        package.writestr("xl/styles.xml", STYLES)
        sheet, number = open_sheet()
        written = 0
        yield sink.take()
        for batch in batches:
            lines = []
            for values in batch:
                if number >= max_rows or written >= MAX_SHEET_BYTES:
                    sheet.write(("".join(lines) + SHEET_TAIL).encode())
                    sheet.close()
                    lines, written = [], 0
                    sheet, number = open_sheet()
                number += 1
                line = _row(number, letters, values)
                written += len(line) * 3  # UTF-8 bytes, at most
                lines.append(line)
            sheet.write("".join(lines).encode())
            yield sink.take()
        sheet.write(SHEET_TAIL.encode())
        sheet.close()
        if notes:
            names.append(sheet_name(notes_title, 1))
            package.writestr(f"xl/worksheets/sheet{len(names)}.xml",
                             _sheet_head((24, 60), False, False)
                             + "".join(_row(i, letters[:2], pair) for i, pair in enumerate(notes, 1)) + SHEET_TAIL)
        for name, text in _package_parts(names).items():
            package.writestr(name, text)
        package.close()
    except BaseException:  # the client gone, or the rows' reading failed: drop the half-made package, quietly
        if sheet is not None and not sheet.closed:
            sheet.close()
        package.close()
        raise
    yield sink.take()
