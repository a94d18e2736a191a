"""Each user's inbox, fed by the outbox: the enterprise, the inspectors, the heads, the office and the leaders
see what they were told; unread counts; marking read; the escalation ladder walked by the sweep."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from hazards.models import Hazard
from hazards.notify.models import InboxItem, Outbox
from inspection import audit
from inspection.clock import local_date
from inspection.types import utcnow
from server.jobs import functions as jobs
from tests.server.test_api_hazards import _evidence_photo, _visit_with_failures

API = "/api/v1"


def inbox(client, world, who, **params):
    response = client.get(f"{API}/inbox", params=params, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


def titles(client, world, who):
    return [item["title"] for item in inbox(client, world, who)["items"]]


@pytest.fixture()
def general(client, world, session):
    out = _visit_with_failures(client, world, session, {"DUST-12"})
    return out["hazard_ids"][0], out["order_ids"][0]


def test_the_enterprise_is_told_of_its_order_and_nobody_else_is(client, world, general):
    mine = inbox(client, world, "enterprise_a")
    assert mine["unread"] == 1 and mine["total"] == 1
    item = mine["items"][0]
    assert item["event_type"] == "order.issued" and item["title"].startswith("收到责令限期整改指令书")
    assert item["hazard_id"] == general[0] and item["read_at"] is None
    assert inbox(client, world, "enterprise_b")["total"] == 0
    assert inbox(client, world, "fire_inspector")["total"] == 0


def test_review_outcomes_and_extension_decisions_reach_the_enterprise_and_evidence_the_inspectors(
        client, world, session, general):
    hazard_id, _ = general
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [_evidence_photo(session, world)]},
                headers=world.headers("enterprise_a"))
    for who in ("inspector", "inspector2"):  # the visit's inspectors: the evidence awaits their review
        assert titles(client, world, who) == ["整改材料待审核"]
    assert titles(client, world, "fire_inspector") == []
    new_date = local_date(utcnow() + timedelta(days=30))
    client.post(f"{API}/hazards/{hazard_id}/reject", json={"reason": "照片不清晰", "new_due_date": str(new_date)},
                headers=world.headers("inspector"))
    rejected = inbox(client, world, "enterprise_a")["items"][0]
    assert rejected["title"] == "整改未通过审核" and "照片不清晰" in rejected["body"]
    wanted = local_date(utcnow() + timedelta(days=40))
    ext = client.post(f"{API}/hazards/{hazard_id}/extensions",
                      json={"reason": "设备订货周期长", "requested_due_date": str(wanted)},
                      headers=world.headers("enterprise_a")).json()
    assert "延期申请待审批" in titles(client, world, "inspector")
    client.post(f"{API}/extensions/{ext['id']}/approve", json={"note": "同意"}, headers=world.headers("inspector"))
    decided = inbox(client, world, "enterprise_a")["items"][0]
    assert decided["title"] == "延期申请已批准" and f"{wanted.month}月{wanted.day}日" in decided["body"]
    assert inbox(client, world, "enterprise_a")["unread"] == 3


def test_marking_read_one_and_all_and_never_another_users_item(client, world, session, general):
    hazard_id, _ = general
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [_evidence_photo(session, world)]},
                headers=world.headers("enterprise_a"))
    client.post(f"{API}/hazards/{hazard_id}/reject",
                json={"reason": "未整改到位", "new_due_date": str(local_date(utcnow() + timedelta(days=9)))},
                headers=world.headers("inspector"))
    items = inbox(client, world, "enterprise_a")["items"]
    assert len(items) == 2
    first = items[-1]["id"]
    assert client.post(f"{API}/inbox/{first}/read", headers=world.headers("enterprise_b")).status_code == 404
    read = client.post(f"{API}/inbox/{first}/read", headers=world.headers("enterprise_a"))
    assert read.status_code == 200 and read.json()["read_at"]
    again = client.post(f"{API}/inbox/{first}/read", headers=world.headers("enterprise_a")).json()
    assert again["read_at"] == read.json()["read_at"]  # the first reading stays
    count = client.get(f"{API}/inbox/unread-count", headers=world.headers("enterprise_a")).json()
    assert count == {"unread": 1}
    assert [i["id"] for i in inbox(client, world, "enterprise_a", unread="true")["items"]] == [items[0]["id"]]
    assert client.post(f"{API}/inbox/read-all", headers=world.headers("enterprise_a")).json() == {"marked": 1}
    assert inbox(client, world, "enterprise_a")["unread"] == 0
    assert inbox(client, world, "inspector")["unread"] == 1  # another user's inbox untouched
    assert client.post(f"{API}/inbox/999999/read", headers=world.headers("enterprise_a")).status_code == 404
    assert client.get(f"{API}/inbox", params={"limit": 0}, headers=world.headers("enterprise_a")).status_code == 422
    assert client.get(f"{API}/inbox").status_code == 401


def _due_day(session, hazard_id):
    hazard = session.get(Hazard, hazard_id)
    day = local_date(hazard.due_at)
    session.rollback()
    return day


def _at(day, hour=10):
    from inspection.clock import SHANGHAI
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=hour)


def test_the_ladder_reaches_enterprise_inspectors_head_office_and_leader_once_each(client, world, session, general):
    hazard_id, _ = general
    head_id = world.users["inspector2"].id  # inspector2 heads the safety department
    url = f"{API}/users/{head_id}/department-head"
    assert client.put(url, json={"department_head": True}, headers=world.headers("inspector")).status_code == 403
    marked = client.put(url, json={"department_head": True}, headers=world.headers("office"))
    assert marked.status_code == 200 and marked.json()["department_head"] is True
    assert client.get(f"{API}/me", headers=world.headers("inspector2")).json()["department_head"] is True
    assert client.put(f"{API}/users/{world.users['office'].id}/department-head", json={"department_head": True},
                      headers=world.headers("office")).status_code == 422
    due = _due_day(session, hazard_id)

    def sweep(days_after, times=1):
        for _ in range(times):
            jobs.deadline_sweep(_at(due + timedelta(days=days_after)))

    def escalations():
        session.rollback()  # a fresh snapshot
        return [e.after["recipient"] for e in audit.history(session, "hazard", hazard_id)
                if e.action == "hazard.escalated"]

    sweep(-3)
    assert titles(client, world, "enterprise_a")[0] == "整改期限提醒：还有 3 天到期"
    sweep(1, times=2)
    assert titles(client, world, "enterprise_a")[0] == "隐患已逾期未整改"
    assert titles(client, world, "inspector") == ["隐患已逾期未整改"]
    assert escalations() == ["inspector"]
    sweep(3, times=2)
    assert titles(client, world, "inspector2") == ["逾期隐患升级至部门负责人", "隐患已逾期未整改"]
    assert titles(client, world, "office") == []
    sweep(7)
    assert titles(client, world, "office") == ["逾期隐患升级至安委办"]
    sweep(15, times=3)
    assert titles(client, world, "office") == ["逾期隐患升级至区分管领导", "逾期隐患升级至安委办"]
    assert escalations() == ["inspector", "head", "office", "leader"]
    history = client.get(f"{API}/hazards/{hazard_id}/history", headers=world.headers("office")).json()
    reasons = [e["reason"] for e in history if e["action"] == "hazard.escalated"]
    assert reasons[-1].endswith("告知区分管领导") and "逾期15天" in reasons[-1]
    assert titles(client, world, "fire_inspector") == []
    session.rollback()
    per_user = session.exec(select(InboxItem.user_id, InboxItem.outbox_id)).all()
    assert len(per_user) == len(set(per_user))
    kinds = sorted(k.split(":")[0] for k in session.exec(select(Outbox.dedup_key)).all())
    assert kinds.count("escalate-leader") == 1 and kinds.count("escalate") == 1


def test_a_major_hazard_reaches_the_office_at_once(client, world, session):
    out = _visit_with_failures(client, world, session, {"DUST-01"}, major_note="重大隐患")
    hazard = session.get(Hazard, out["hazard_ids"][0])
    if hazard.level != "major":
        pytest.skip("DUST-01 is not a major item in this checklist version")
    due = local_date(hazard.due_at)
    session.rollback()
    jobs.deadline_sweep(_at(due + timedelta(days=1)))
    assert "逾期隐患升级至安委办" in titles(client, world, "office")


def test_an_assignment_reaches_the_inspectors_named(client, world, session):
    task = client.post(f"{API}/tasks", json={
        "enterprise_id": world.enterprise_a.id, "department_id": world.safety.id, "kinds": ["DUST"],
        "window_start": str(local_date(utcnow()) + timedelta(days=5)),
        "window_end": str(local_date(utcnow()) + timedelta(days=20))}, headers=world.headers("office"))
    assert task.status_code == 201, task.text
    assigned = client.post(f"{API}/tasks/{task.json()['id']}/assign",
                           json={"inspector_ids": [world.users["inspector"].id, world.users["inspector2"].id]},
                           headers=world.headers("office"))
    assert assigned.status_code == 200, assigned.text
    for who in ("inspector", "inspector2"):
        item = inbox(client, world, who)["items"][0]
        assert item["title"] == "新的检查任务" and world.enterprise_a.name in item["body"]
        assert item["link"] == f"task:{task.json()['id']}"
