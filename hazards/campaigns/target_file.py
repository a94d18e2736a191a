"""A campaign's target list uploaded as a file: one 统一社会信用代码 per row, CSV (UTF-8 or GBK) or XLSX.

Every row is checked before anything is added (all or nothing): a malformed code, a duplicate or a code no
enterprise is registered under is reported by its row. Cells are read as text and never evaluated: a cell holding
a formula (``=...``, ``+...``, ``-...``, ``@...``) is refused as a formula, and its text is not echoed back.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from sqlmodel import Session, col, select

from inspection.errors import InvalidInput
from inspection.models import Enterprise
from inspection.registry import creditcode

HEADERS = {"统一社会信用代码", "社会信用代码", "信用代码", "credit_code", "credit code"}
MAX_ROWS = 5000
MAX_COLUMNS = 30
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ListedCode:
    row: int  # the row in the file as a spreadsheet numbers it (a header is row 1)
    value: str


def read_codes(data: bytes, filename: str | None) -> list[ListedCode]:
    """The non-blank codes of the file, by row. An unreadable file or no code column: InvalidInput."""
    table = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data, filename)
    if not table:
        raise InvalidInput("文件中没有内容 / the file is empty", code="empty_file")
    column, first = _code_column(table[0])
    codes = []
    for number, cells in enumerate(table[first:], start=first + 1):
        value = cells[column] if column < len(cells) else ""
        if value.strip():
            codes.append(ListedCode(number, value))
    if not codes:
        raise InvalidInput("文件中没有统一社会信用代码 / the file lists no credit code", code="empty_file")
    if len(codes) > MAX_ROWS:
        raise InvalidInput(f"名单最多{MAX_ROWS}行 / at most {MAX_ROWS} rows", code="too_many_rows",
                           details={"max_rows": MAX_ROWS})
    return codes


def _code_column(header: list[str]) -> tuple[int, int]:
    """(the column holding the codes, the index of the first data row): by a known header, or a header-less
    list whose first cell already is a valid code."""
    for index, cell in enumerate(header):
        if cell.strip().lower() in HEADERS:
            return index, 1
    first = next((c for c in header if c.strip()), "")
    if first and creditcode.check(first).ok:
        return header.index(first), 0
    raise InvalidInput("文件缺少“统一社会信用代码”列 / no column headed 统一社会信用代码", code="no_code_column",
                       details={"headers": sorted(HEADERS)})


def _csv_rows(data: bytes, filename: str | None) -> list[list[str]]:
    if filename and filename.lower().endswith((".xlsx", ".xls")):
        raise InvalidInput("无法读取Excel文件，请另存为.xlsx或.csv / not a readable XLSX file", code="unreadable_file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gbk")
        except UnicodeDecodeError as exc:
            raise InvalidInput("文件既不是UTF-8或GBK编码的CSV，也不是XLSX / neither CSV nor XLSX",
                               code="unreadable_file") from exc
    if "\x00" in text:
        raise InvalidInput("文件不是文本CSV / not a text CSV file", code="unreadable_file")
    try:
        rows = []
        for cells in csv.reader(io.StringIO(text)):
            rows.append([c for c in cells[:MAX_COLUMNS]])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error as exc:
        raise InvalidInput("CSV文件格式错误 / malformed CSV", code="unreadable_file") from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput("无法读取XLSX文件 / not a readable XLSX file", code="unreadable_file") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            rows.append(["" if v is None else str(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception as exc:  # a damaged sheet: openpyxl raises many kinds
        raise InvalidInput("无法读取XLSX文件 / not a readable XLSX file", code="unreadable_file") from exc
    finally:
        workbook.close()


def resolve(session: Session, listed: list[ListedCode]) -> list[int]:
    """The enterprises of the listed codes, in file order; any bad row: InvalidInput listing every bad row."""
    problems: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    good: list[tuple[int, str]] = []
    for item in listed:
        raw = item.value.strip()
        if raw.startswith(FORMULA_STARTS):
            problems.append({"row": item.row, "problem": "单元格是公式，不作为代码读取 / a formula, not read"})
            continue
        check = creditcode.check(raw)
        if not check.ok:
            problems.append({"row": item.row, "credit_code": check.code[:32], "problem": check.errors[0]})
            continue
        if check.code in seen:
            problems.append({"row": item.row, "credit_code": check.code,
                             "problem": f"与第{seen[check.code]}行重复 / duplicate of row {seen[check.code]}"})
            continue
        seen[check.code] = item.row
        good.append((item.row, check.code))
    found: dict[str, int] = {}
    codes = [code for _, code in good]
    for start in range(0, len(codes), 500):
        found.update(session.exec(select(Enterprise.credit_code, Enterprise.id).where(
            col(Enterprise.credit_code).in_(codes[start:start + 500]))).all())
    for row, code in good:
        if code not in found:
            problems.append({"row": row, "credit_code": code, "problem": "该代码未登记 / not registered"})
    if problems:
        problems.sort(key=lambda p: int(str(p["row"])))
        rows = "、".join(str(p["row"]) for p in problems[:10]) + ("等" if len(problems) > 10 else "")
        raise InvalidInput(f"名单有{len(problems)}行有误（第{rows}行），未添加任何企业 / {len(problems)} bad rows, "
                           "nothing added", code="bad_target_rows", details={"rows": problems[:200]})
    return [found[code] for _, code in good]
