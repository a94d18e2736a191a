"""专项行动 campaigns end to end: define → plan tasks → merge into visits → progress → report read back."""

import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from hazards.campaigns.models import CampaignTask
from hazards.campaigns.progress import Counts, missing_for
from inspection.clock import local_date
from inspection.models import InspectionTask
from inspection.types import utcnow
from schemas.campaigns import CompletionRule
from tests import factories

API = "/api/v1"


def period(start: int = 0, end: int = 30) -> dict[str, str]:
    today = local_date(utcnow())
    return {"start_date": str(today + timedelta(days=start)), "end_date": str(today + timedelta(days=end))}


def dust_campaign(**extra):
    return {"name": "粉尘涉爆企业专项整治", "kinds": ["DUST"], "target_filter": {"dust_involved": True},
            **period(), **extra}


def test_the_office_defines_a_campaign_by_filter_and_by_list(client, world):
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json=dust_campaign())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["targets"] == 1 and body["kinds"] == ["DUST"]
    assert body["rule"] == {"visited": True, "hazards_closed": True, "majors_reinspected": True, "min_visits": 1}

    listed = {"name": "除患治违", "kinds": ["GAS", "FCZ"], **period(),
              "credit_codes": [world.enterprise_b.credit_code, world.landlord.credit_code.lower()]}
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json=listed)
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    assert r.json()["targets"] == 2
    r = client.post(f"{API}/campaigns/{campaign_id}/targets", headers=world.headers("office"),
                    json={"credit_codes": [world.tenants[0].credit_code, world.enterprise_b.credit_code]})
    assert r.status_code == 200 and r.json()["targets"] == 3
    page = client.get(f"{API}/campaigns", headers=world.headers("inspector"), params={"active": True}).json()
    assert page["total"] == 2


@pytest.mark.parametrize(("change", "code"), [
    ({"target_filter": {"streets": ["没有这个街道"]}}, "no_targets"),
    ({"target_filter": None}, "no_targets"),
    ({"target_filter": {}}, "empty_filter"),
    ({"credit_codes": ["91320411MA1XXXXXXX"]}, "unknown_credit_codes"),
    ({"kinds": []}, "invalid"),
    ({"kinds": ["DUST", "DUST"]}, "invalid"),
    ({"end_date": "2000-01-01"}, "invalid"),
    ({"rule": {"visited": False, "hazards_closed": False, "majors_reinspected": False, "min_visits": 0}}, "invalid"),
    ({"name": ""}, "invalid"),
])
def test_a_campaign_without_targets_or_with_bad_input_is_refused(client, world, change, code):
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json={**dust_campaign(), **change})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_only_the_office_defines_and_plans_enterprises_see_nothing(client, world):
    r = client.post(f"{API}/campaigns", headers=world.headers("inspector"), json=dust_campaign())
    assert r.status_code == 403 and "无权" in r.json()["error"]["message"]
    campaign_id = client.post(f"{API}/campaigns", headers=world.headers("office"), json=dust_campaign()).json()["id"]
    assert client.post(f"{API}/campaigns/{campaign_id}/plan", headers=world.headers("inspector"),
                       json={}).status_code == 403
    for url in (f"{API}/campaigns", f"{API}/campaigns/{campaign_id}", f"{API}/campaigns/{campaign_id}/progress"):
        assert client.get(url, headers=world.headers("enterprise_a")).status_code == 403
    assert client.get(f"{API}/campaigns/999999", headers=world.headers("office")).status_code == 404


def test_campaign_to_tasks_to_joint_visit_to_progress_to_report(client, world, session):
    factories.make_enterprise(session, name="丁木业有限公司", dust_involved=True, dust_kind="wood", street="河海街道")
    session.commit()
    office = world.headers("office")
    r = client.post(f"{API}/campaigns", headers=office, json=dust_campaign(
        rule={"visited": True, "hazards_closed": True, "majors_reinspected": False, "min_visits": 1}))
    campaign_id = r.json()["id"]
    assert r.json()["targets"] == 2

    r = client.post(f"{API}/campaigns/{campaign_id}/plan", headers=office, json={"announced": False})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert (plan["created"], plan["existing"], plan["unassigned"]) == (2, 0, 0)  # DUST: 应急 only, two targets
    again = client.post(f"{API}/campaigns/{campaign_id}/plan", headers=office, json={"announced": False}).json()
    assert (again["created"], again["existing"]) == (0, 2)  # planned once however often
    tasks = client.get(f"{API}/campaigns/{campaign_id}/tasks", headers=office).json()
    assert {t["source"] for t in tasks} == {"campaign"} and {t["status"] for t in tasks} == {"planned"}
    assert all(len(t["inspector_ids"]) == 2 for t in tasks)
    assert len(session.exec(select(CampaignTask)).all()) == 2

    # a fire task of the office's own for the same enterprise: the merge makes one joint visit of both
    r = client.post(f"{API}/tasks", headers=world.headers("fire_inspector"), json={
        "enterprise_id": world.enterprise_a.id, "kinds": ["DUST"], "announced": False,
        "window_start": str(local_date(utcnow())), "window_end": str(local_date(utcnow()) + timedelta(days=30)),
        "inspector_ids": [world.users["fire_inspector"].id, world.users["fire_inspector2"].id]})
    assert r.status_code == 201, r.text
    run = client.post(f"{API}/admin/jobs/inspect_once/run", headers=office).json()
    assert run["ok"], run
    session.rollback()  # end the test session's read snapshot
    mine = session.exec(select(InspectionTask).where(InspectionTask.enterprise_id == world.enterprise_a.id)).all()
    assert len(mine) == 2 and len({t.visit_id for t in mine}) == 1 and {t.status for t in mine} == {"merged"}
    visit_id = mine[0].visit_id
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("inspector")).json()
    assert visit["source"] == "joint" and len(visit["departments"]) == 2

    progress = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=office).json()
    assert progress["total"]["targets"] == 2 and progress["total"]["visited"] == 0
    assert progress["enterprises"][0]["missing"] == ["尚未检查"]

    # the visit: one failed item left open, one fixed on the spot
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    sheet = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers("inspector")).json()
    results = []
    for section in sheet["sections"]:
        for item in section["items"]:
            result = {"item_code": item["code"], "result": "pass"}
            if item["code"] in ("DUST-12", "DUST-16"):
                result = {"item_code": item["code"], "result": "fail", "note": "不合格", "photo_ids": [photo.id]}
            if item["code"] == "DUST-16":
                result.update(fixed_on_spot=True, after_photo_ids=[photo.id])
            results.append(result)
    r = client.post(f"{API}/visits/{visit_id}/submissions", headers=world.headers("inspector"),
                    json={"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results})
    assert r.status_code == 201, r.text

    progress = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=office).json()
    row = next(e for e in progress["enterprises"] if e["enterprise_id"] == world.enterprise_a.id)
    assert (row["visited"], row["visits"], row["hazards_found"], row["hazards_closed"], row["done"]) == (
        True, 1, 2, 1, False)
    assert row["missing"] == ["隐患未闭环1项"]
    streets = {s["street"]: s for s in progress["streets"]}
    assert set(streets) == {"三井街道", "河海街道"}
    assert (streets["三井街道"]["visited"], streets["三井街道"]["hazards_found"]) == (1, 2)
    assert progress["total"]["visited_rate"] == 0.5 and progress["total"]["done"] == 0

    xlsx = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=office, params={"format": "xlsx"})
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx.headers["content-type"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["企业进度", "街道进度", "说明"]
    rows = list(book["企业进度"].values)
    assert rows[0][0] == "企业名称" and {r[0] for r in rows[1:]} == {"甲铝业有限公司", "丁木业有限公司"}
    assert list(book["街道进度"].values)[-1][0] == "合计"
    pdf = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=office, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "粉尘涉爆企业专项整治" in text and "隐患未闭环1项" in text


def test_planning_refuses_a_finished_campaign_and_a_department_that_enforces_none_of_it(client, world):
    office = world.headers("office")
    past = client.post(f"{API}/campaigns", headers=office, json=dust_campaign(**period(-40, -10))).json()["id"]
    r = client.post(f"{API}/campaigns/{past}/plan", headers=office, json={})
    assert r.status_code == 422 and r.json()["error"]["code"] == "campaign_window"
    current = client.post(f"{API}/campaigns", headers=office, json=dust_campaign()).json()["id"]
    r = client.post(f"{API}/campaigns/{current}/plan", headers=office, json={"department_ids": [world.gas.id]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "department_not_enforcing"
    r = client.post(f"{API}/campaigns/{current}/plan", headers=office, json={"department_ids": [2_000_000]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_department"


def test_without_assignment_campaign_tasks_wait_for_inspectors(client, world):
    office = world.headers("office")
    campaign_id = client.post(f"{API}/campaigns", headers=office, json=dust_campaign()).json()["id"]
    plan = client.post(f"{API}/campaigns/{campaign_id}/plan", headers=office, json={"assign": False}).json()
    assert (plan["created"], plan["unassigned"]) == (1, 1)
    (task,) = client.get(f"{API}/campaigns/{campaign_id}/tasks", headers=office).json()
    assert task["status"] == "unassigned"


def test_the_report_keeps_typed_text_as_text(client, world):
    office = world.headers("office")
    campaign_id = client.post(f"{API}/campaigns", headers=office,
                              json=dust_campaign(name="=HYPERLINK(\"http://x\")专项")).json()["id"]
    xlsx = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=office, params={"format": "xlsx"})
    notes = dict(list(load_workbook(io.BytesIO(xlsx.content))["说明"].values))
    assert notes["专项行动"] == "'=HYPERLINK(\"http://x\")专项"


def test_the_completion_rule_names_what_is_missing():
    rule = CompletionRule(min_visits=2)
    assert missing_for(rule, Counts()) == ["尚未检查", "检查次数不足（0/2）"]
    assert missing_for(rule, Counts(visits=2, found=3, closed=3, majors=1, majors_reinspected=0)) == [
        "重大隐患未经复查销号1项"]
    assert missing_for(rule, Counts(visits=2, found=3, closed=3, majors=1, majors_reinspected=1)) == []
    assert missing_for(CompletionRule(visited=False, min_visits=0), Counts(found=1)) == ["隐患未闭环1项"]
