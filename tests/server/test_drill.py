"""From every figure to its hazards: each row of every grouping links to a list whose count is the figure (the same
period, scope, filters and voided rule); the repeat offenders with their items and dates; top items link too."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW

API = "/api/v1/stats"
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
COUNTED = ["found", "closed", "due", "closed_on_time", "overdue_open", "major_found", "major_open", "fixed_on_spot",
           "repeat_hazards", "suspected_false_rectification"]


@pytest.fixture()
def data(session, world, monkeypatch):
    monkeypatch.setattr("server.routes.stats.utcnow", lambda: NOW)
    monkeypatch.setattr("server.routes.drill.utcnow", lambda: NOW)
    dataset = stats_dataset.build(session, world)
    session.commit()
    return dataset


def follow(client, data, url, who="office", **extra):
    parts = urlsplit(url)
    assert parts.path == f"{API}/hazards"
    response = client.get(parts.path, params=[*parse_qsl(parts.query), *extra.items()],
                          headers=data.world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("group_by", ["", "street", "department", "kind", "month", "item_code", "street,month"])
def test_every_figure_of_every_row_lists_exactly_its_hazards(client, data, group_by):
    body = client.get(f"{API}/closure", params={**JUNE, "group_by": group_by, "kind": ["DUST", "GAS", "FCZ"]},
                      headers=data.world.headers("office")).json()
    for row in [*body["rows"], body["total"]]:
        for figure in COUNTED:
            listed = follow(client, data, row["hazards_url"], figure=figure, limit=500)
            assert listed["count"] == row[figure] == len(listed["items"]), (group_by, row, figure)
        assert follow(client, data, row["hazards_url"], figure="not_closed")["count"] == row["found"] - row["closed"]
        assert follow(client, data, row["hazards_url"], figure="late")["count"] == row["due"] - row["closed_on_time"]
        assert follow(client, data, row["hazards_url"], figure="closure_rate")["count"] == row["found"]


def test_the_list_says_what_each_hazard_is(client, data):
    total = client.get(f"{API}/closure", params=JUNE, headers=data.world.headers("office")).json()["total"]
    overdue = follow(client, data, total["hazards_url"], figure="overdue_open")
    assert overdue["figure"] == "overdue_open"
    h4 = next(i for i in overdue["items"] if i["hazard_id"] == data.h["h4"].id)
    assert (h4["enterprise_name"], h4["street"], h4["item_code"], h4["overdue"], h4["days_overdue"]) == (
        "乙餐饮店", "河海街道", "GAS-01", True, 18)
    assert h4["department_name"] and h4["item_text"] and h4["legal_basis"]
    voided = data.h["h8"].id
    assert voided not in [i["hazard_id"] for i in follow(client, data, total["hazards_url"], limit=500)["items"]]
    page = follow(client, data, total["hazards_url"], limit=2, offset=2)
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (7, 2, 2, 2)


def test_an_inspector_drills_into_their_department_only(client, data):
    body = client.get(f"{API}/closure", params={**JUNE, "group_by": "department"},
                      headers=data.world.headers("inspector")).json()
    listed = follow(client, data, body["total"]["hazards_url"], who="inspector", limit=500)
    assert {i["department_id"] for i in listed["items"]} == {data.world.safety.id}
    asked = follow(client, data, f"{API}/hazards?from=2026-06-01&to=2026-06-30&department_id={data.world.fire.id}",
                   who="inspector")
    assert asked["count"] == 0


def test_repeat_offenders_with_items_and_dates(client, data):
    response = client.get(f"{API}/repeat-offenders", params=JUNE, headers=data.world.headers("office"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 1
    offender = body["items"][0]
    assert (offender["enterprise_name"], offender["street"], offender["repeat_hazards"]) == (
        "甲铝业有限公司", "三井街道", 1)
    repeat = offender["repeats"][0]
    assert (repeat["hazard_id"], repeat["item_code"], repeat["earlier_hazard_id"]) == (
        data.h["h7"].id, "DUST-26", data.h["h0"].id)
    assert repeat["found_at"].startswith("2026-06-15") and repeat["earlier_found_at"].startswith("2025-03-01")
    assert repeat["legal_basis"]
    closure = client.get(f"{API}/closure", params=JUNE, headers=data.world.headers("office")).json()
    assert closure["total"]["repeat_enterprises"] == body["count"]
    assert client.get(f"{API}/repeat-offenders", params=JUNE,
                      headers=data.world.headers("enterprise_b")).json()["count"] == 0


def test_top_items_link_to_their_hazards(client, data):
    items = client.get(f"{API}/top-items", params=JUNE, headers=data.world.headers("office")).json()["items"]
    for item in items:
        listed = follow(client, data, item["hazards_url"], limit=500)
        assert listed["count"] == item["found"]
        assert {h["item_code"] for h in listed["items"]} == {item["item_code"]}


@pytest.mark.parametrize("params", [{"figure": "everything"}, {"limit": 0}, {"limit": 501}, {"month": "2026-13"},
                                    {"from": "2026-07-01", "to": "2026-06-01"}])
def test_bad_drill_parameters_are_422(client, data, params):
    response = client.get(f"{API}/hazards", params=params, headers=data.world.headers("office"))
    assert response.status_code == 422, response.text
