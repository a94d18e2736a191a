"""`xuncha import enterprises FILE`: every row is checked first, then all rows are imported or none."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from inspection.identity.accounts import actor_for
from inspection.models import Enterprise, Event
from inspection.registry import importer
from inspection.types import utcnow
from server.cli import app as cli
from server.db import get_engine
from tests.factories import credit_code

HEADER = ["企业名称", "统一社会信用代码", "街道", "风险分类", "粉尘涉爆", "燃气用户", "气源", "联系电话"]


def good_rows(n=3, start=500):
    return [[f"导入企业{i}有限公司", credit_code(start + i), "罗溪镇", "C", "是" if i % 2 else "否",
             "否" if i % 2 else "是", "" if i % 2 else "lpg", f"1390000{i:04d}"] for i in range(n)]


def bad_rows(world):
    """Rows 2 and 4 are fine; 3: wrong check character; 5: duplicate of row 2; 6: already in the database;
    7: risk class "E"."""
    first, second = good_rows(2, start=600)
    broken = credit_code(610)
    return [
        first,
        ["坏代码企业", broken[:17] + ("0" if broken[17] != "0" else "1"), "罗溪镇", "B", "否", "否", "", ""],
        second,
        ["重复企业", first[1].lower(), "罗溪镇", "B", "否", "否", "", ""],
        ["已登记企业", world.enterprise_a.credit_code, "罗溪镇", "B", "否", "否", "", ""],
        ["错分类企业", credit_code(611), "罗溪镇", "E", "否", "否", "", ""],
    ]


def write_csv(path: Path, rows, header=HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))  # what Excel's "CSV UTF-8" writes
    return path


def write_xlsx(path: Path, rows, header=HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def count_enterprises():
    with Session(get_engine()) as session:
        return session.exec(select(func.count()).select_from(Enterprise)).one()


def import_file(session, world, path):
    report = importer.import_file(session, path, actor=actor_for(world.users["office"]), now=utcnow())
    if report.ok:
        session.commit()
    else:
        session.rollback()
    return report


@pytest.fixture(params=["csv", "xlsx"])
def writer(request):
    return {"csv": write_csv, "xlsx": write_xlsx}[request.param], request.param


def test_good_file_imports_every_row_with_its_values(world, session, tmp_path, writer):
    write, ext = writer
    rows = good_rows(4)
    report = import_file(session, world, write(tmp_path / f"good.{ext}", rows))
    assert report.ok and (report.rows, report.imported) == (4, 4)
    assert count_enterprises() == 6 + 4
    first = session.exec(select(Enterprise).where(Enterprise.credit_code == rows[1][1])).one()
    assert (first.name, first.street, first.risk_class) == ("导入企业1有限公司", "罗溪镇", "C")
    assert first.dust_involved is True and first.gas_user is False and first.contact_phone == "13900000001"
    gas = session.exec(select(Enterprise).where(Enterprise.credit_code == rows[0][1])).one()
    assert gas.gas_user is True and gas.gas_supply == "lpg"


def test_each_imported_enterprise_is_an_audit_event(world, session, tmp_path):
    import_file(session, world, write_csv(tmp_path / "good.csv", good_rows(3)))
    events = session.exec(select(Event).where(Event.entity == "enterprise", Event.action == "created")).all()
    assert len(events) == 3


def test_bad_file_imports_nothing_and_names_each_row_and_column(world, session, tmp_path, writer):
    write, ext = writer
    report = import_file(session, world, write(tmp_path / f"bad.{ext}", bad_rows(world)))
    assert report.imported == 0 and report.rows == 6
    assert count_enterprises() == 6
    problems = {(p.row, p.column): p.problem for p in report.problems}
    assert set(problems) == {(3, "统一社会信用代码"), (5, "统一社会信用代码"), (6, "统一社会信用代码"),
                             (7, "风险分类")}
    assert "check character" in problems[(3, "统一社会信用代码")]
    assert "duplicate of row 2" in problems[(5, "统一社会信用代码")]
    assert "already registered" in problems[(6, "统一社会信用代码")]


def test_blank_lines_are_skipped_not_reported(world, session, tmp_path):
    rows = good_rows(2)
    rows.insert(1, [""] * len(HEADER))
    report = import_file(session, world, write_csv(tmp_path / "gaps.csv", rows))
    assert report.ok and report.imported == 2


def test_missing_credit_code_is_reported(world, session, tmp_path):
    rows = good_rows(1) + [["无代码企业", "", "罗溪镇", "B", "否", "否", "", ""]]
    report = import_file(session, world, write_csv(tmp_path / "missing.csv", rows))
    assert [(p.row, p.column) for p in report.problems] == [(3, "统一社会信用代码")]
    assert count_enterprises() == 6


def test_gbk_csv_with_english_headers_imports(world, session, tmp_path):
    header = ["name", "credit_code", "street", "risk_class"]
    rows = [["国标编码企业", credit_code(700), "新桥街道", "A"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path = tmp_path / "gbk.csv"
    path.write_bytes(buffer.getvalue().encode("gbk"))
    report = import_file(session, world, path)
    assert report.ok and report.imported == 1
    assert session.exec(select(Enterprise).where(Enterprise.name == "国标编码企业")).one().risk_class == "A"


# --- through the command -------------------------------------------------------------------------------

def test_import_command_imports_a_good_file(world, tmp_path):
    result = CliRunner().invoke(cli, ["import", "enterprises", str(write_xlsx(tmp_path / "good.xlsx", good_rows(3)))])
    assert result.exit_code == 0, result.output
    assert "imported 3 of 3 rows" in result.output
    assert count_enterprises() == 9


def test_import_command_exits_1_and_names_the_bad_rows(world, tmp_path):
    path = write_csv(tmp_path / "bad.csv", bad_rows(world))
    result = CliRunner().invoke(cli, ["import", "enterprises", str(path)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    reported = {line.split("│")[1].strip() for line in result.output.splitlines()
                if line.count("│") >= 3 and line.split("│")[1].strip().isdigit()}
    assert reported == {"3", "5", "6", "7"}
    assert "风险分类" in result.output and "统一社会信用代码" in result.output
    assert count_enterprises() == 6


def test_import_command_refuses_a_user_who_may_not_register(world, tmp_path):
    path = write_csv(tmp_path / "good.csv", good_rows(2))
    result = CliRunner().invoke(cli, ["import", "enterprises", str(path), "--as", "inspector"])
    assert result.exit_code == 2
    assert count_enterprises() == 6


def test_import_command_refuses_an_unknown_user_instead_of_crashing(world, tmp_path):
    path = write_csv(tmp_path / "good.csv", good_rows(2))
    result = CliRunner().invoke(cli, ["import", "enterprises", str(path), "--as", "nobody"])
    assert result.exit_code == 2, result.output
    assert "no user named nobody" in result.output
    assert count_enterprises() == 6
