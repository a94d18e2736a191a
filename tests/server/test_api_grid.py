"""安消一体化 grid checks end to end: a grid worker's check of a small venue → referrals to the enforcing
departments (tasks), never an order, a hazard or a visit; grid workers refused at every enforcement endpoint."""

import uuid

import pytest
from sqlmodel import func, select

from hazards.models import Hazard, RectificationOrder
from inspection.grid.models import GridCheck
from inspection.models import Referral, Visit
from inspection.types import utcnow

API = "/api/v1"
PASSWORD = "grid-pass-1234"


@pytest.fixture()
def grid(client, world):
    """A grid worker of 河海街道 (where 乙餐饮店 is), made by the office, logged in with their password."""
    r = client.post(f"{API}/grid/workers", headers=world.headers("office"), json={
        "username": "wangge1", "full_name": "网格员 周敏", "password": PASSWORD, "street": "河海街道"})
    assert r.status_code == 201, r.text
    token = client.post(f"{API}/auth/token", data={"username": "wangge1", "password": PASSWORD})
    assert token.status_code == 200 and token.json()["role"] == "grid"
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def answers(client, headers, fails=()):
    sheet = client.get(f"{API}/grid/checklist", headers=headers).json()
    codes = [item["code"] for section in sheet["sections"] for item in section["items"]]
    return [{"item_code": code, "result": "fail", "note": f"{code} 现场发现问题"} if code in fails else
            {"item_code": code, "result": "pass"} for code in codes]


def check_body(world, results, **extra):
    return {"client_uuid": str(uuid.uuid4()), "enterprise_id": world.enterprise_b.id,
            "checked_at": utcnow().isoformat(), "results": results, **extra}


def count(session, table):
    session.rollback()  # a fresh read snapshot
    return session.exec(select(func.count()).select_from(table)).one()


def test_a_grid_worker_sees_their_street_and_the_venue_checklist(client, world, grid):
    me = client.get(f"{API}/me", headers=grid).json()
    assert me["role"] == "grid"
    venues = client.get(f"{API}/grid/venues", headers=grid).json()
    assert venues["street"] == "河海街道" and [v["name"] for v in venues["items"]] == ["乙餐饮店"]
    sheet = client.get(f"{API}/grid/checklist", headers=grid).json()
    assert sheet["kind"] == "VENUE" and sheet["catalogue"] is True
    items = {item["code"]: item for section in sheet["sections"] for item in section["items"]}
    assert items["VENUE-01"]["departments"] == ["消防"] and items["VENUE-06"]["departments"] == ["住建"]
    assert all(item["duty_basis"] for item in items.values())


def test_a_grid_check_refers_each_failure_to_its_department_and_never_makes_an_order(client, world, grid, session):
    body = check_body(world, answers(client, grid, fails={"VENUE-01", "VENUE-06"}), note="例行网格巡查")
    r = client.post(f"{API}/grid/checks", headers=grid, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["failed"], out["referrals"], out["street"], out["kind"]) == (2, 2, "河海街道", "VENUE")
    by_code = {row["item_code"]: row for row in out["results"]}
    assert by_code["VENUE-01"]["departments"] == ["消防"] and by_code["VENUE-06"]["departments"] == ["住建"]
    assert by_code["VENUE-02"]["referral_ids"] == []

    # advice only: no hazard, no order, no visit
    assert (count(session, Hazard), count(session, RectificationOrder), count(session, Visit)) == (0, 0, 0)
    referrals = session.exec(select(Referral).order_by(Referral.id)).all()
    assert [(r.item_code, r.to_department_id, r.origin, r.from_department_id) for r in referrals] == [
        ("VENUE-01", world.fire.id, "grid_check", None), ("VENUE-06", world.gas.id, "grid_check", None)]

    # each department sees its referral task, the others do not
    fire = client.get(f"{API}/tasks", headers=world.headers("fire_inspector"), params={"source": "referral"}).json()
    assert fire["total"] == 1 and fire["items"][0]["status"] == "unassigned" and not fire["items"][0]["announced"]
    safety = client.get(f"{API}/tasks", headers=world.headers("inspector"), params={"source": "referral"}).json()
    assert safety["total"] == 0

    # a retry of the phone is the same check
    again = client.post(f"{API}/grid/checks", headers=grid, json=body)
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert count(session, GridCheck) == 1 and count(session, Referral) == 2
    listed = client.get(f"{API}/grid/checks", headers=grid).json()
    assert [c["id"] for c in listed] == [out["id"]]
    assert client.get(f"{API}/grid/checks/{out['id']}", headers=world.headers("office")).json()["referrals"] == 2


def test_the_referred_department_inspects_with_the_venue_checklist(client, world, grid, session):
    body = check_body(world, answers(client, grid, fails={"VENUE-01"}))
    assert client.post(f"{API}/grid/checks", headers=grid, json=body).status_code == 201
    (task,) = client.get(f"{API}/tasks", headers=world.headers("fire_inspector"),
                         params={"source": "referral"}).json()["items"]
    r = client.post(f"{API}/tasks/{task['id']}/assign", headers=world.headers("fire_inspector"),
                    json={"inspector_ids": [world.users["fire_inspector"].id, world.users["fire_inspector2"].id]})
    assert r.status_code == 200, r.text
    assert client.post(f"{API}/admin/jobs/inspect_once/run", headers=world.headers("office")).json()["ok"]
    task = client.get(f"{API}/tasks/{task['id']}", headers=world.headers("fire_inspector")).json()
    assert task["visit_id"] is not None
    sheet = client.get(f"{API}/visits/{task['visit_id']}/checklist", headers=world.headers("fire_inspector")).json()
    codes = [item["code"] for section in sheet["sections"] for item in section["items"]]
    assert "VENUE-01" in codes


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/visits", {"enterprise_id": 1, "planned_date": "2026-12-03"}),
    ("get", "/visits", None),
    ("post", "/tasks", {"enterprise_id": 1, "window_start": "2026-12-03", "window_end": "2026-12-10"}),
    ("get", "/tasks", None),
    ("get", "/hazards", None),
    ("post", "/hazards/1/accept", {"note": "x"}),
    ("post", "/orders/1/reinspection", {}),
    ("get", "/enterprises", None),
    ("get", "/stats/closure", None),
    ("post", "/campaigns", {}),
    ("get", "/draws", None),
])
def test_a_grid_worker_is_refused_at_every_enforcement_endpoint(client, world, grid, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    r = getattr(client, method)(f"{API}{path}", headers=grid, **kwargs)
    assert r.status_code == 403, (path, r.text)
    error = r.json()["error"]
    assert error["code"] == "no_enforcement_power" and "网格员没有执法权限" in error["message"]


def test_bad_grid_checks_are_answered_with_a_clear_4xx(client, world, grid):
    results = answers(client, grid)
    r = client.post(f"{API}/grid/checks", headers=grid, json=check_body(world, results[:-1]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_grid_check"
    assert r.json()["error"]["details"][0]["problem"] == "missing_item"
    r = client.post(f"{API}/grid/checks", headers=grid,
                    json=check_body(world, [*results, {"item_code": "DUST-01", "result": "pass"}]))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["problem"] == "unknown_item"
    failed_without_note = [{**results[0], "result": "fail"}, *results[1:]]
    r = client.post(f"{API}/grid/checks", headers=grid, json=check_body(world, failed_without_note))
    assert r.status_code == 422 and "须写明情况" in r.text
    r = client.post(f"{API}/grid/checks", headers=grid,
                    json={**check_body(world, results), "enterprise_id": world.enterprise_a.id})  # 三井街道
    assert r.status_code == 404 and r.json()["error"]["code"] == "venue_not_in_grid"
    r = client.post(f"{API}/grid/checks", headers=world.headers("inspector"), json=check_body(world, results))
    assert r.status_code == 403


def test_grid_workers_are_made_by_the_office_once(client, world, grid):
    body = {"username": "wangge1", "full_name": "重名", "password": PASSWORD, "street": "三井街道"}
    r = client.post(f"{API}/grid/workers", headers=world.headers("office"), json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "username_taken"
    r = client.post(f"{API}/grid/workers", headers=world.headers("inspector"), json={**body, "username": "wg2"})
    assert r.status_code == 403
    r = client.post(f"{API}/grid/workers", headers=grid, json={**body, "username": "wg3"})
    assert r.status_code == 403


def test_grid_figures_count_referrals_not_enforcement_visits(client, world, grid):
    body = check_body(world, answers(client, grid, fails={"VENUE-01", "VENUE-02", "VENUE-07"}))
    assert client.post(f"{API}/grid/checks", headers=grid, json=body).status_code == 201
    figures = client.get(f"{API}/grid/stats", headers=world.headers("office")).json()
    assert (figures["checks"], figures["venues"], figures["failed_items"], figures["referrals"]) == (1, 1, 3, 3)
    rows = {(r["street"], r["department_code"]): r["referrals"] for r in figures["rows"]}
    assert rows == {("河海街道", "消防"): 2, ("河海街道", "住建"): 1}
    # no enforcement visit, no hazard: the burden and closure figures do not move
    merged = client.get(f"{API}/tasks/merge-report", headers=world.headers("office")).json()
    assert (merged["visits"], merged["trips"]) == (0, 0)
    closure = client.get(f"{API}/stats/closure", headers=world.headers("office")).json()
    assert closure["total"]["found"] == 0
    assert client.get(f"{API}/grid/stats", headers=world.headers("enterprise_a")).status_code == 403
    r = client.get(f"{API}/grid/stats", headers=world.headers("office"), params={"from": "2026-12-31",
                                                                               "to": "2026-01-01"})
    assert r.status_code == 422
