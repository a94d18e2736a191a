"""Statistics as the office, inspectors and enterprises see them: JSON, CSV, XLSX, the monthly PDF, scoping, errors.

The data set and its worked answers are in tests/hazards/stats_dataset.py; "now" is pinned to 2026-07-01 10:00.
"""

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW

API = "/api/v1/stats"
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}


@pytest.fixture()
def data(session, world, monkeypatch):
    monkeypatch.setattr("server.routes.stats.utcnow", lambda: NOW)
    dataset = stats_dataset.build(session, world)
    session.commit()
    return dataset


def get(client, data, path, who="office", **params):
    return client.get(f"{API}{path}", params=params, headers=data.world.headers(who))


def test_closure_grouped_by_street_and_month(client, data):
    response = get(client, data, "/closure", group_by="street,month", **JUNE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["group_by"]) == ("2026-06-01", "2026-06-30", ["street", "month"])
    rows = {(r["street"], r["month"]): r for r in body["rows"]}
    assert set(rows) == {("三井街道", "2026-06"), ("河海街道", "2026-06")}
    sanjing = rows[("三井街道", "2026-06")]
    assert (sanjing["found"], sanjing["closed"], sanjing["closure_rate"]) == (5, 4, 0.8)
    assert (sanjing["due"], sanjing["closed_on_time"], sanjing["on_time_rate"]) == (5, 2, 0.4)
    assert (sanjing["mean_days_to_close"], sanjing["median_days_to_close"]) == (6.5, 6.0)
    assert sanjing["department_id"] is None
    total = body["total"]
    assert (total["found"], total["closed"], total["due"], total["closed_on_time"], total["overdue_open"]) == (
        7, 4, 7, 3, 2)
    assert body["visits_saved"] == 0  # no inspection tasks in this data set
    assert any(d["name_zh"] == "整改闭环率" for d in body["definitions"])


def test_closure_by_department_names_it_and_filters_repeat(client, data):
    body = get(client, data, "/closure", group_by="department,kind", **JUNE).json()
    safety = next(r for r in body["rows"] if r["department_id"] == data.world.safety.id and r["kind"] == "DUST")
    assert (safety["department_name"], safety["found"]) == (data.world.safety.name, 4)
    both = client.get(f"{API}/closure?from=2026-06-01&to=2026-06-30&street=三井街道&street=河海街道",
                      headers=data.world.headers("office")).json()
    assert both["total"]["found"] == 7 and both["filters"] == {"street": ["三井街道", "河海街道"]}
    one = get(client, data, "/closure", street="河海街道", **JUNE).json()
    assert one["total"]["found"] == 2


@pytest.mark.parametrize(("who", "found", "streets"), [
    ("office", 7, {"三井街道", "河海街道"}),
    ("admin", 7, {"三井街道", "河海街道"}),
    ("inspector", 5, {"三井街道"}),  # the safety department's hazards only
    ("fire_inspector", 2, {"河海街道"}),
    ("enterprise_a", 4, {"三井街道"}),
    ("enterprise_b", 2, {"河海街道"}),
    ("tenant_user", 1, {"三井街道"}),
])
def test_role_scoping(client, data, who, found, streets):
    body = get(client, data, "/closure", who=who, group_by="street", **JUNE).json()
    assert body["total"]["found"] == found
    assert {r["street"] for r in body["rows"]} == streets
    overdue = get(client, data, "/overdue", who=who).json()
    assert {i["enterprise_id"] for i in overdue["items"]} <= {
        data.world.enterprise_a.id, data.world.enterprise_b.id, data.world.tenants[0].id}
    if who.startswith("enterprise"):
        assert overdue["count"] == {"enterprise_a": 0, "enterprise_b": 1}[who]


def test_an_inspector_cannot_read_another_department_by_filtering(client, data):
    body = get(client, data, "/closure", who="inspector", department_id=data.world.fire.id, **JUNE).json()
    assert body["total"]["found"] == 0


def test_bad_group_by_is_422_naming_the_value(client, data):
    response = get(client, data, "/closure", group_by="street,colour")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_group_by"
    assert "colour" in error["message"] and "street" in error["message"]
    assert error["details"] == {"unknown": ["colour"], "allowed": ["street", "department", "industry", "kind",
                                                                  "item_code", "risk_class", "month"]}


@pytest.mark.parametrize("params", [
    {"format": "pdf"}, {"from": "2026-07-01", "to": "2026-06-01"}, {"from": "June"}, {"month": "2026-6"},
])
def test_bad_parameters_are_422(client, data, params):
    response = get(client, data, "/closure", **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid", "invalid_period", "invalid_month"}


def test_statistics_need_a_login(client, data):
    assert client.get(f"{API}/closure").status_code == 401
    assert client.get(f"{API}/report.pdf?month=2026-06").status_code == 401


def test_csv_export(client, data):
    response = get(client, data, "/closure", group_by="street", format="csv", **JUNE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["街道", "发现隐患数", "已闭环数", "整改闭环率"]
    assert {row[0]: row[1] for row in rows[1:]} == {"三井街道": "5", "河海街道": "2", "合计": "7"}


def test_xlsx_export_matches_the_json(client, data):
    params = {"group_by": "street,month", **JUNE}
    body = get(client, data, "/closure", **params).json()
    response = get(client, data, "/closure", format="xlsx", **params)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["统计", "指标口径"]
    sheet = book["统计"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["街道", "月份", "发现隐患数"]
    lines = [dict(zip(headers, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    for row in body["rows"]:
        line = next(x for x in lines if (x["街道"], x["月份"]) == (row["street"], row["month"]))
        assert (line["发现隐患数"], line["已闭环数"], line["到期隐患数"], line["按期闭环数"], line["逾期未改数"]) == (
            row["found"], row["closed"], row["due"], row["closed_on_time"], row["overdue_open"])
        assert line["整改闭环率"] == row["closure_rate"]
    assert lines[-1]["街道"] == "合计" and lines[-1]["发现隐患数"] == body["total"]["found"]
    notes = book["指标口径"]
    assert [c.value for c in notes[1]][:2] == ["指标", "Indicator"]
    names = {row[0].value for row in notes.iter_rows(min_row=2)}
    assert {"整改闭环率", "按期整改率", "逾期未改数", "作废隐患"} <= names


def test_top_items(client, data):
    body = get(client, data, "/top-items", kind="DUST", limit=2, **JUNE).json()
    assert [(i["item_code"], i["found"], i["rank"]) for i in body["items"]] == [("DUST-26", 2, 1), ("DUST-01", 1, 2)]
    assert all(i["text"] and i["legal_basis"] for i in body["items"])
    every = get(client, data, "/top-items", **JUNE).json()
    assert {i["kind"] for i in every["items"]} == {"DUST", "FCZ", "GAS"}
    assert get(client, data, "/top-items", limit=0).status_code == 422


def test_overdue(client, data):
    body = get(client, data, "/overdue").json()
    assert (body["count"], body["major"]) == (2, 0)
    assert [i["hazard_id"] for i in body["items"]] == [data.h["h9"].id, data.h["h4"].id]
    assert body["items"][0]["item_text"] and body["items"][0]["days_overdue"] == 23
    then = get(client, data, "/overdue", at="2026-06-11").json()
    assert {i["hazard_id"] for i in then["items"]} == {data.h["h2"].id, data.h["h9"].id}
    assert get(client, data, "/overdue", at="soon").status_code == 422
    page = get(client, data, "/overdue", limit=1, offset=1).json()
    assert (page["count"], [i["hazard_id"] for i in page["items"]]) == (2, [data.h["h4"].id])


def test_monthly_report_pdf(client, data):
    response = get(client, data, "/report.pdf", month="2026-06")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("2026年6月", "全区", "发现隐患：7", "整改闭环率：57.1%", "按期闭环：3", "月末逾期未改：2"):
        assert expected in text, expected
    inspector = PdfReader(io.BytesIO(get(client, data, "/report.pdf", who="inspector", month="2026-06").content))
    text = inspector.pages[0].extract_text()
    assert data.world.safety.name in text and "发现隐患：5" in text
    assert get(client, data, "/report.pdf", month="June").status_code == 422


def test_the_monthly_report_counts_what_is_overdue_from_earlier_months(client, data):
    # `month` names the report's month: the hazards still overdue at its end that were found in June count,
    # and the trend covers the twelve months before (it once also filtered them to the month itself)
    text = PdfReader(io.BytesIO(get(client, data, "/report.pdf", month="2026-07").content)).pages[0].extract_text()
    assert "发现隐患：1" in text and "月末逾期未改：2" in text


def test_definitions(client, data):
    body = get(client, data, "/definitions").json()
    fields = {d["field"] for d in body}
    assert {"closure_rate", "on_time_rate", "overdue_open", "median_days_to_close", "visits_saved"} <= fields
