"""The closure table as CSV (UTF-8 with BOM, so Excel opens the Chinese) and XLSX (definitions on sheet two).

Pure functions: a ``ClosureReport`` in, bytes out. Headers are Chinese and come from ``definitions.DEFINITIONS``
and ``definitions.DIMENSIONS``, so the files say what the API and the PDF say.

Every cell goes through ``safe_cell``: streets, industries, names and the echoed filters are whatever someone
typed, and a spreadsheet must neither run them as formulas (CSV injection) nor choke on control characters.
"""

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hazards.stats import closure as stats
from hazards.stats import definitions
from inspection.clock import local

RATES = {"closure_rate", "on_time_rate"}
TOTAL_LABEL = "合计"

# What XML 1.0 (so XLSX) cannot hold: C0 controls but tab, line feed and carriage return (openpyxl raises
# IllegalCharacterError on them), lone surrogates and U+FFFE/U+FFFF. Removed from CSV too, so both files agree.
ILLEGAL_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as every export writes it: text without XML-illegal control characters, and text that a
    spreadsheet would take for a formula prefixed with ``'`` so it stays text. Numbers and None pass unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CONTROL.sub("", value)
    return f"'{value}" if value.startswith(FORMULA_START) else value


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append`` through ``safe_cell``, every text cell typed as a string: openpyxl stores a string that
    starts with ``=`` as a formula, and no cell of an export is one."""
    sheet.append([safe_cell(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = TYPE_STRING


def columns(report: stats.ClosureReport) -> list[tuple[str, str]]:
    """(key, Chinese header) of every column: the dimensions grouped by, then every figure."""
    out: list[tuple[str, str]] = []
    for name in report.group_by:
        out.append((name, definitions.DIMENSIONS[name].name_zh))
        if name == "item_code":
            out.append(("item_text", "检查项内容"))
    out += [(name, definitions.FIGURE_NAMES[name]) for name in stats.FIGURE_FIELDS]
    return out


def rows(report: stats.ClosureReport) -> list[list[Any]]:
    """The groups, then a 合计 row (only the total when nothing is grouped)."""
    keys = [key for key, _ in columns(report)]
    out = []
    for row in report.rows:
        values = {**row.key, **vars(row.figures)}
        if "department" in row.key:
            values["department"] = row.labels.get("department") or row.key["department"]
        if "item_code" in row.key:
            values["item_text"] = row.labels.get("item_code", "")
        out.append([values.get(key) for key in keys])
    total = {**vars(report.total)}
    dims = [key for key in keys if key not in total]
    if dims:
        total[dims[0]] = TOTAL_LABEL
    out.append([total.get(key) for key in keys])
    return out


def to_csv(report: stats.ClosureReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for _, header in columns(report)])
    for row in rows(report):
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: stats.ClosureReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    cols = columns(report)
    append_row(sheet, [header for _, header in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in rows(report):
        append_row(sheet, values)
    for index, (key, header) in enumerate(cols, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, 2 * len(header) + 2))
        if key in RATES:
            for cell in sheet[letter][1:]:
                cell.number_format = "0.0%"
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("指标口径")
    append_row(notes, ["指标", "Indicator", "口径 / Definition", "字段 / Field"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for definition in report.definitions:
        append_row(notes, [definition.name_zh, definition.name_en, definition.formula, definition.field])
    append_row(notes, [])
    for label, value in meta(report):
        append_row(notes, [label, value])
    for letter, width in (("A", 22), ("B", 30), ("C", 90), ("D", 28)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_col=3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def meta(report: stats.ClosureReport) -> list[tuple[str, str]]:
    filters = "; ".join(f"{name}={','.join(map(str, values))}" for name, values in report.filters.as_dict().items())
    return [
        ("统计期间 / period", f"{report.period.start.isoformat()} — {report.period.end.isoformat()}（上海时间）"),
        ("分组 / group by", ", ".join(report.group_by) or "—"),
        ("筛选 / filters", filters or "—"),
        ("数据截至 / as of", local(report.as_of).strftime("%Y-%m-%d %H:%M")),
        ("联合检查减少入企次数 / visits saved",
         "—" if report.visits_saved is None else str(report.visits_saved)),
    ]
