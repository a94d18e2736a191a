"""The hazard ledger (隐患台账) and the overdue list as streamed CSV and XLSX: content, filters, scope, formula
injection. The data set is tests/hazards/stats_dataset.py ("now" pinned to 2026-07-01 10:00 Shanghai)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from hazards.models import OrderHazard, RectificationOrder
from inspection.clock import local
from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW

API = "/api/v1/stats"
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
ORDER_NUMBER = "应急责改〔2026〕7号"


@pytest.fixture()
def data(session, world, monkeypatch):
    monkeypatch.setattr("server.routes.stats.utcnow", lambda: NOW)
    monkeypatch.setattr("server.routes.ledgers.utcnow", lambda: NOW)
    dataset = stats_dataset.build(session, world)
    h1 = dataset.h["h1"]
    order = RectificationOrder(number=ORDER_NUMBER, doc_code="责改", department_id=h1.department_id,
                               enterprise_id=h1.enterprise_id, year=2026, serial=7, issued_at=h1.found_at)
    session.add(order)
    session.flush()
    session.add(OrderHazard(order_id=order.id, hazard_id=h1.id))
    session.commit()
    return dataset


def get(client, data, path, who="office", **params):
    return client.get(f"{API}{path}", params=params, headers=data.world.headers(who))


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_ledger_lists_every_hazard_found_in_the_period_as_the_statistics_count_them(client, data):
    rows = csv_rows(get(client, data, "/ledger", **JUNE))
    total = get(client, data, "/closure", **JUNE).json()["total"]["found"]
    h = data.h
    assert len(rows) == total == 7  # h8 was voided: left out, as from every figure
    assert [int(r["隐患编号"]) for r in rows] == sorted(h[k].id for k in ("h1", "h2", "h3", "h4", "h5", "h7", "h9"))
    first = rows[0]
    assert first == {
        "隐患编号": str(h["h1"].id), "企业名称": data.world.enterprise_a.name, "街道": "三井街道",
        "检查部门": data.world.safety.name, "检查类别": "粉尘涉爆", "检查项编号": "DUST-01",
        "检查项内容": first["检查项内容"], "隐患等级": "重大事故隐患", "发现时间": "2026-06-02 10:00",
        "整改期限": "2026-06-09 23:59", "状态": "已销号", "销号时间": "2026-06-05 15:00", "整改天数": "3",
        "整改指令书编号": ORDER_NUMBER}
    assert first["检查项内容"]
    open_one = next(r for r in rows if r["隐患编号"] == str(h["h4"].id))
    assert [open_one[k] for k in ("状态", "销号时间", "整改天数", "整改指令书编号")] == ["整改中", "", "", ""]


def test_the_ledger_is_filtered_and_scoped_like_the_statistics(client, data):
    assert {r["街道"] for r in csv_rows(get(client, data, "/ledger", street="河海街道", **JUNE))} == {"河海街道"}
    mine = csv_rows(get(client, data, "/ledger", who="enterprise_a", **JUNE))
    assert {r["企业名称"] for r in mine} == {data.world.enterprise_a.name} and len(mine) == 4
    fire = csv_rows(get(client, data, "/ledger", who="fire_inspector", **JUNE))
    assert {r["检查部门"] for r in fire} == {data.world.fire.name}
    assert get(client, data, "/ledger", **{"from": "2026-07-01", "to": "2026-06-01"}).status_code == 422
    assert get(client, data, "/ledger", format="pdf").status_code == 422
    assert client.get(f"{API}/ledger").status_code == 401


def test_the_ledger_as_xlsx_has_the_same_rows(client, data):
    response = get(client, data, "/ledger", format="xlsx", **JUNE)
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:3] == ("隐患编号", "企业名称", "街道") and lines[0][-1] == "整改指令书编号"
    by_id = {line[0]: line for line in lines[1:]}
    assert set(by_id) == {data.h[k].id for k in ("h1", "h2", "h3", "h4", "h5", "h7", "h9")}
    h1 = by_id[data.h["h1"].id]
    assert h1[8] == local(data.h["h1"].found_at).replace(tzinfo=None)  # a date the spreadsheet can sort
    assert (h1[12], h1[13]) == (3, ORDER_NUMBER)
    assert book.sheetnames[1] == "说明"


def test_the_overdue_list_exports_what_overdue_counts(client, data):
    rows = csv_rows(get(client, data, "/overdue/export"))
    listed = get(client, data, "/overdue").json()
    assert {int(r["隐患编号"]) for r in rows} == {i["hazard_id"] for i in listed["items"]}
    days = {int(r["隐患编号"]): int(r["逾期天数"]) for r in rows}
    assert days[data.h["h9"].id] == 23
    then = csv_rows(get(client, data, "/overdue/export", at="2026-06-11"))
    assert {int(r["隐患编号"]) for r in then} == {data.h["h2"].id, data.h["h9"].id}
    book = load_workbook(io.BytesIO(get(client, data, "/overdue/export", format="xlsx").content))
    assert book.worksheets[0].cell(1, 15).value == "逾期天数" and book.worksheets[0].max_row == 3
    assert get(client, data, "/overdue/export", at="soon").status_code == 422


def test_no_cell_of_an_export_is_a_formula(client, data, session):
    hazard = data.h["h4"]
    hazard.street = "=HYPERLINK(\"http://evil\",\"x\")"
    enterprise = data.world.enterprise_b
    enterprise.name = "@SUM(1+1)\x07"
    department = session.get(type(data.world.safety), hazard.department_id)
    department.name = "-2+3"
    session.add_all([hazard, enterprise, department])
    session.commit()
    rows = csv_rows(get(client, data, "/ledger", **JUNE))
    line = next(r for r in rows if r["隐患编号"] == str(hazard.id))
    assert line["街道"] == "'=HYPERLINK(\"http://evil\",\"x\")" and line["企业名称"] == "'@SUM(1+1)"
    assert line["检查部门"] == "'-2+3"
    sheet = load_workbook(io.BytesIO(get(client, data, "/ledger", format="xlsx", **JUNE).content)).worksheets[0]
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value == hazard.id][0]
    assert cells[2].value == "'=HYPERLINK(\"http://evil\",\"x\")" and cells[2].data_type == "s"
    assert cells[1].value == "'@SUM(1+1)" and cells[3].value == "'-2+3"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
