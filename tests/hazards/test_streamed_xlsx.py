"""The XLSX written as it is sent (``hazards.stats.streamed_xlsx``): its first bytes come before any row is read,
the package opens in openpyxl (and in LibreOffice when it is installed) with every row, type and sheet, a list
longer than a sheet continues on the next, and no cell is ever a formula."""

import csv
import io
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from hazards.stats import streamed_xlsx

HEADERS = ["编号", "企业名称", "发现时间", "日期", "天数", "备注"]


def rows(first: int, count: int) -> list[list[object]]:
    return [[k, f"企业 <{k}> & 分厂", datetime(2026, 6, 2, 10, k % 60), date(2026, 1, 1 + k % 28), k * 0.5,
             None if k % 3 else "=HYPERLINK(\"http://evil\")\x07"] for k in range(first, first + count)]


def workbook_bytes(batches, **kwargs) -> bytes:
    return b"".join(streamed_xlsx.xlsx_chunks("隐患台账/2026:上半年", HEADERS, batches, **kwargs))


def test_the_first_bytes_go_out_before_any_row_is_read():
    read = []

    def batches():
        read.append("first batch asked for")
        yield rows(1, 3)

    chunks = streamed_xlsx.xlsx_chunks("台账", HEADERS, batches())
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and read == []  # a zip entry begun, no row read yet
    rest = b"".join(chunks)
    assert read == ["first batch asked for"]
    assert load_workbook(io.BytesIO(first + rest)).worksheets[0].max_row == 4


def test_the_workbook_reads_back_with_its_rows_types_and_notes():
    data = workbook_bytes([rows(1, 40), rows(41, 2), []], widths=(8, 30), notes=[("筛选", "=street"), ("导出", "x")])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        entries = package.infolist()
        assert all(entry.flag_bits & 0x08 for entry in entries)  # streamed: sizes after the data
        assert "xl/sharedStrings.xml" not in package.namelist()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["隐患台账_2026_上半年", "说明"]  # / and : are not allowed in a sheet name
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width == 30
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == tuple(HEADERS) and len(lines) == 43
    assert lines[1] == (1, "企业 <1> & 分厂", datetime(2026, 6, 2, 10, 1), datetime(2026, 1, 2), 0.5, None)
    assert lines[3][5] == "'=HYPERLINK(\"http://evil\")"  # neutralised, control character gone
    assert [list(line) for line in book["说明"].iter_rows(values_only=True)] == [["筛选", "'=street"], ["导出", "x"]]
    for cells in book.worksheets:
        assert not any(cell.data_type == "f" for line in cells.iter_rows() for cell in line)


def test_a_list_longer_than_a_sheet_continues_on_the_next_headed_again():
    data = workbook_bytes([rows(1, 4), rows(5, 6)], max_rows=4)  # 3 rows and the header per sheet
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["隐患台账_2026_上半年", "隐患台账_2026_上半年 (2)", "隐患台账_2026_上半年 (3)",
                               "隐患台账_2026_上半年 (4)"]
    seen = []
    for sheet in book.worksheets:
        lines = list(sheet.iter_rows(values_only=True))
        assert lines[0] == tuple(HEADERS) and 2 <= len(lines) <= 4
        seen += [line[0] for line in lines[1:]]
    assert seen == list(range(1, 11))


def test_sheet_names_are_legal():
    assert streamed_xlsx.sheet_name("逾期隐患清单20260701", 1) == "逾期隐患清单20260701"
    long = streamed_xlsx.sheet_name("x" * 40, 12)
    assert len(long) == 31 and long.endswith(" (12)")
    assert streamed_xlsx.sheet_name("'[]'", 1) == "__"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.skipif("postgresql" in os.environ.get("XUNCHA_TEST_DATABASE_URL", ""),
                    reason="no database here: runs once, on the SQLite run")
def test_libreoffice_opens_the_workbook(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook_bytes([rows(1, 5)], notes=[("说明", "已撤销的隐患不计入")]))
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
                           str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = list(csv.reader((tmp_path / "ledger.csv").read_text(encoding="utf-8").splitlines()))
    assert lines[0] == HEADERS and len(lines) == 6
    assert lines[1][:2] == ["1", "企业 <1> & 分厂"] and lines[1][2] == "2026-06-02 10:01"
    assert lines[3][5] == "'=HYPERLINK(\"http://evil\")"


def test_a_client_gone_or_a_failing_read_leaves_quietly_with_its_own_error():
    chunks = streamed_xlsx.xlsx_chunks("台账", HEADERS, iter([rows(1, 2), rows(3, 2)]))
    next(chunks)
    next(chunks)
    chunks.close()  # the client went away mid-sheet: no error of the half-made zip's

    def failing():
        yield rows(1, 2)
        raise LookupError("the database went away")

    with pytest.raises(LookupError, match="went away"):
        b"".join(streamed_xlsx.xlsx_chunks("台账", HEADERS, failing()))
