"""The hazard loop as its users drive it: enterprise evidence, review, extensions, re-inspection, 首违免罚."""

import json
import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hazards.models import Hazard, PenaltyDecision
from hazards.notify.models import Outbox
from inspection import audit
from inspection.clock import end_of_local_day, local_date
from inspection.models import Department, Enterprise, InspectionTask
from inspection.types import utcnow
from server.cli import app as cli
from tests import factories

API = "/api/v1"


def _visit_with_failures(client, world, session, fails, enterprise=None, major_note=""):
    enterprise = enterprise or world.enterprise_a
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    body = {"enterprise_id": enterprise.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    sections = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in sections["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [photo.id], "note": major_note} if c in fails
               else {"item_code": c, "result": "pass"} for c in codes]
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    return out.json()


@pytest.fixture()
def general(client, world, session):
    """One general hazard (DUST-12, 15 days) at enterprise A, with its order."""
    out = _visit_with_failures(client, world, session, {"DUST-12"})
    return out["hazard_ids"][0], out["order_ids"][0]


def _evidence_photo(session, world, who="enterprise_a"):
    photo = factories.make_photo(session, world.users[who])
    session.commit()
    return photo.id


def test_enterprise_sees_its_own_orders_and_hazards_only(client, world, general):
    hazard_id, order_id = general
    mine = client.get(f"{API}/orders", headers=world.headers("enterprise_a")).json()
    assert [o["id"] for o in mine["items"]] == [order_id]
    assert mine["items"][0]["hazards"][0]["item_code"] == "DUST-12"
    assert client.get(f"{API}/orders", headers=world.headers("enterprise_b")).json()["total"] == 0
    assert client.get(f"{API}/orders/{order_id}", headers=world.headers("enterprise_b")).status_code == 404
    assert client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("enterprise_b")).status_code == 404
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("enterprise_a")).json()
    assert hazard["status"] == "open" and hazard["overdue"] is False and hazard["days_left"] == 15


def test_evidence_then_accept_closes_the_hazard(client, world, session, general):
    hazard_id, _ = general
    photo_id = _evidence_photo(session, world)
    evidence = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"note": "已建立制度", "photo_ids": [photo_id]},
                           headers=world.headers("enterprise_a"))
    assert evidence.status_code == 201, evidence.text
    assert client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("office")).json()["status"] == "submitted"
    closed = client.post(f"{API}/hazards/{hazard_id}/accept", json={"note": "核查属实"},
                         headers=world.headers("inspector2"))
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    history = client.get(f"{API}/hazards/{hazard_id}/history", headers=world.headers("enterprise_a")).json()
    assert [e["action"] for e in history] == ["hazard.created", "hazard.submit", "hazard.accept"]
    assert audit.verify_chain(session).ok
    kinds = {row.event_type for row in session.exec(select(Outbox)).all()}
    assert {"order.issued", "evidence.submitted", "hazard.closed"} <= kinds


def test_reject_reopens_with_a_new_deadline(client, world, session, general):
    hazard_id, _ = general
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [_evidence_photo(session, world)]},
                headers=world.headers("enterprise_a"))
    new_date = local_date(utcnow() + timedelta(days=30))
    rejected = client.post(f"{API}/hazards/{hazard_id}/reject",
                           json={"reason": "照片不清晰", "new_due_date": str(new_date)},
                           headers=world.headers("office"))
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "open"
    assert local_date(Hazard.model_validate(rejected.json()).due_at) == new_date
    evidence = client.get(f"{API}/hazards/{hazard_id}/evidence", headers=world.headers("enterprise_a")).json()
    assert evidence[0]["accepted"] is False and evidence[0]["review_reason"] == "照片不清晰"


def test_illegal_transition_is_409_and_says_what_is_allowed(client, world, general):
    hazard_id, _ = general
    response = client.post(f"{API}/hazards/{hazard_id}/accept", json={}, headers=world.headers("office"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "submit" in error["details"]["allowed"]


def test_only_the_right_roles_act_on_a_hazard(client, world, session, general):
    hazard_id, _ = general
    photo_id = _evidence_photo(session, world)
    as_inspector = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id]},
                               headers=world.headers("inspector"))
    assert as_inspector.status_code == 403
    as_other_enterprise = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id]},
                                      headers=world.headers("enterprise_b"))
    assert as_other_enterprise.status_code == 404
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id]},
                headers=world.headers("enterprise_a"))
    assert client.post(f"{API}/hazards/{hazard_id}/accept", json={},
                       headers=world.headers("fire_inspector")).status_code == 403
    assert client.post(f"{API}/hazards/{hazard_id}/accept", json={},
                       headers=world.headers("enterprise_a")).status_code == 403


def test_evidence_cannot_use_another_enterprises_photo(client, world, session, general):
    hazard_id, _ = general
    foreign = _evidence_photo(session, world, "enterprise_b")
    response = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [foreign]},
                           headers=world.headers("enterprise_a"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_photo"


def test_extension_request_and_approval_moves_the_deadline(client, world, session, general):
    hazard_id, _ = general
    wanted = local_date(utcnow() + timedelta(days=40))
    ext = client.post(f"{API}/hazards/{hazard_id}/extensions",
                      json={"reason": "设备订货周期长", "requested_due_date": str(wanted)},
                      headers=world.headers("enterprise_a"))
    assert ext.status_code == 201, ext.text
    again = client.post(f"{API}/hazards/{hazard_id}/extensions",
                        json={"reason": "再次申请", "requested_due_date": str(wanted)},
                        headers=world.headers("enterprise_a"))
    assert again.status_code == 409
    assert client.post(f"{API}/extensions/{ext.json()['id']}/approve", json={},
                       headers=world.headers("enterprise_a")).status_code == 403
    approved = client.post(f"{API}/extensions/{ext.json()['id']}/approve", json={"note": "同意"},
                           headers=world.headers("inspector"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("enterprise_a")).json()
    assert hazard["days_left"] == 40


def test_pending_extensions_list_what_waits_for_each_reviewer(client, world, session, general):
    hazard_id, _ = general
    wanted = local_date(utcnow() + timedelta(days=30))
    ext = client.post(f"{API}/hazards/{hazard_id}/extensions",
                      json={"reason": "设备订货周期长", "requested_due_date": str(wanted)},
                      headers=world.headers("enterprise_a")).json()

    def pending(who, department=None):
        query = f"?department_id={department}" if department else ""
        response = client.get(f"{API}/extensions/pending{query}", headers=world.headers(who))
        assert response.status_code == 200, response.text
        return [(row["extension"]["id"], row["hazard"]["id"]) for row in response.json()]

    safety = world.users["inspector"].department_id
    fire = world.users["fire_inspector"].department_id
    assert pending("inspector", safety) == [(ext["id"], hazard_id)]
    assert pending("office") == [(ext["id"], hazard_id)]
    assert pending("fire_inspector", fire) == []  # not the issuing department's
    assert pending("enterprise_a") == [(ext["id"], hazard_id)]  # its own, awaiting a decision
    assert pending("enterprise_b") == []
    row = client.get(f"{API}/extensions/pending", headers=world.headers("inspector")).json()[0]
    assert row["extension"]["requested_due_date"] == str(wanted) and row["hazard"]["enterprise_name"]
    other = local_date(utcnow() + timedelta(days=20))
    decided = client.post(f"{API}/extensions/{ext['id']}/approve",
                          json={"note": "同意，但须提前", "due_date": str(other)}, headers=world.headers("inspector2"))
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert pending("inspector", safety) == []
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("enterprise_a")).json()
    assert hazard["days_left"] == 20


def test_extension_after_the_deadline_is_refused(client, world, session, general):
    hazard_id, _ = general
    hazard = session.get(Hazard, hazard_id)
    hazard.due_at = utcnow() - timedelta(hours=1)
    session.add(hazard)
    session.commit()
    later = str(local_date(utcnow() + timedelta(days=9)))
    response = client.post(f"{API}/hazards/{hazard_id}/extensions",
                           json={"reason": "来不及", "requested_due_date": later},
                           headers=world.headers("enterprise_a"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "deadline_passed"


def test_major_hazard_needs_a_plan_and_closes_only_by_reinspection(client, world, session):
    out = _visit_with_failures(client, world, session, {"DUST-03"})
    hazard_id, order_id = out["hazard_ids"][0], out["order_ids"][0]
    photo_id = _evidence_photo(session, world)
    no_plan = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id]},
                          headers=world.headers("enterprise_a"))
    assert no_plan.status_code == 422 and no_plan.json()["error"]["code"] == "plan_required"
    deadline = client.post(f"{API}/hazards/{hazard_id}/deadline",
                           json={"due_date": str(local_date(utcnow() + timedelta(days=60)))},
                           headers=world.headers("office"))
    assert deadline.status_code == 200
    assert client.post(f"{API}/hazards/{hazard_id}/deadline", json={"due_date": "2030-01-01"},
                       headers=world.headers("inspector")).status_code == 403
    plan = _evidence_photo(session, world)
    ok = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id], "plan_photo_ids": [plan]},
                     headers=world.headers("enterprise_a"))
    assert ok.status_code == 201, ok.text
    refused = client.post(f"{API}/hazards/{hazard_id}/accept", json={}, headers=world.headers("inspector"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "reinspection_required"
    approved = client.post(f"{API}/hazards/{hazard_id}/plan/approve", json={}, headers=world.headers("inspector"))
    assert approved.status_code == 200 and approved.json()["plan_status"] == "approved"
    today = local_date(utcnow())
    task = InspectionTask(department_id=world.safety.id, enterprise_id=world.enterprise_a.id, kinds=["DUST"],
                          window_start=today, window_end=today + timedelta(days=10), source="reinspection",
                          hazard_id=hazard_id)
    session.add(task)
    session.commit()
    review = client.post(f"{API}/orders/{order_id}/reinspection",
                         json={"co_inspector_id": world.users["inspector2"].id,
                               "items": [{"hazard_id": hazard_id, "outcome": "rectified"}]},
                         headers=world.headers("inspector"))
    assert review.status_code == 201, review.text
    assert "应急复查〔" in review.json()["number"] and review.json()["based_on_order_id"] == order_id
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("office")).json()
    assert hazard["status"] == "closed"
    session.refresh(task)
    assert task.status == "done"  # the scheduler's re-inspection task is settled by the visit that decided it


def test_major_hazard_takes_the_enterprise_off_the_green_list(client, world, session):
    enterprise = session.get(Enterprise, world.enterprise_a.id)
    enterprise.green_listed = True
    session.add(enterprise)
    session.commit()
    _visit_with_failures(client, world, session, {"DUST-03"})
    session.expire_all()
    assert session.get(Enterprise, world.enterprise_a.id).green_listed is False
    events = audit.history(session, "enterprise", world.enterprise_a.id)
    assert events[-1].action == "green_list_revoked" and "DUST-03" in events[-1].reason


def test_general_hazard_does_not_cost_the_green_list(client, world, session):
    enterprise = session.get(Enterprise, world.enterprise_a.id)
    enterprise.green_listed = True
    session.add(enterprise)
    session.commit()
    _visit_with_failures(client, world, session, {"DUST-12"})
    session.expire_all()
    assert session.get(Enterprise, world.enterprise_a.id).green_listed is True


def _close(client, world, session, hazard_id):
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [_evidence_photo(session, world)]},
                headers=world.headers("enterprise_a"))
    return client.post(f"{API}/hazards/{hazard_id}/accept", json={}, headers=world.headers("inspector"))


def test_first_violation_closed_on_time_is_recommended_for_no_penalty(client, world, session, general):
    hazard_id, _ = general
    assert _close(client, world, session, hazard_id).status_code == 200
    decision = client.get(f"{API}/hazards/{hazard_id}/penalty", headers=world.headers("inspector")).json()
    assert decision["recommended_exempt"] is True and decision["enforcement_review"] is False
    assert any("首次发现该清单事项" in r for r in decision["reasons"]) and "按期整改完毕" in decision["reasons"]
    override = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": False},
                           headers=world.headers("inspector"))
    assert override.status_code == 422  # overriding needs a reason
    confirmed = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": True, "note": "同意"},
                            headers=world.headers("inspector"))
    assert confirmed.json()["decision"] == "confirmed"


def test_closed_late_is_flagged_for_enforcement_review(client, world, session, general):
    hazard_id, _ = general
    client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [_evidence_photo(session, world)]},
                headers=world.headers("enterprise_a"))
    hazard = session.get(Hazard, hazard_id)
    hazard.due_at = utcnow() - timedelta(days=2)
    session.add(hazard)
    session.commit()
    _ = client.post(f"{API}/hazards/{hazard_id}/accept", json={}, headers=world.headers("inspector"))
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard_id)).one()
    assert decision.recommended_exempt is False and decision.enforcement_review is True
    assert "未按期整改" in decision.reasons


def test_fatal_accident_in_three_years_is_not_exempt(client, world, session, general):
    hazard_id, _ = general
    enterprise = session.get(Enterprise, world.enterprise_a.id)
    enterprise.fatal_accident_3y = True
    session.add(enterprise)
    session.commit()
    _close(client, world, session, hazard_id)
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard_id)).one()
    assert decision.recommended_exempt is False
    assert "近三年发生过生产安全死亡事故" in decision.reasons


def test_a_second_general_hazard_of_the_same_listed_offence_is_not_a_first_violation(client, world, session,
                                                                                      general):
    """§G.9: "the same listed offence" (未采取措施消除一般事故隐患), not "the same checklist item"."""
    hazard_id, _ = general
    _close(client, world, session, hazard_id)
    out = _visit_with_failures(client, world, session, {"DUST-16"})  # another item, the same listed offence
    second = out["hazard_ids"][0]
    _close(client, world, session, second)
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == second)).one()
    assert decision.recommended_exempt is False and decision.offence == "未采取措施消除一般事故隐患"


def _working_days_department(session, world):
    department = session.get(Department, world.users["inspector"].department_id)
    department.working_days = True
    session.add(department)
    session.commit()


def _extension_to(client, world, hazard_id, day):
    ext = client.post(f"{API}/hazards/{hazard_id}/extensions",
                      json={"reason": "设备订货周期长", "requested_due_date": str(day)},
                      headers=world.headers("enterprise_a"))
    assert ext.status_code == 201, ext.text
    return ext.json()["id"]


def test_no_extension_while_the_evidence_is_under_review(client, world, session, general):
    """Extensions are asked only while a hazard is open: not while its evidence waits for the reviewer."""
    hazard_id, _ = general
    photo_id = _evidence_photo(session, world)
    assert client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [photo_id]},
                       headers=world.headers("enterprise_a")).status_code == 201
    response = client.post(f"{API}/hazards/{hazard_id}/extensions",
                           json={"reason": "再给些时间", "requested_due_date": "2030-01-07"},
                           headers=world.headers("enterprise_a"))
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "hazard_submitted"
    assert "复核" in response.json()["error"]["message"]


def test_a_working_day_department_cannot_approve_an_extension_to_a_year_without_a_calendar(
        client, world, session, general):
    """2027 has no official schedule: approving 2027-01-01 unchanged would guess; a 422 names the year."""
    hazard_id, _ = general
    _working_days_department(session, world)
    hazard = session.get(Hazard, hazard_id)
    hazard.due_at = end_of_local_day(date(2026, 12, 30))
    session.add(hazard)
    session.commit()
    extension_id = _extension_to(client, world, hazard_id, date(2027, 1, 1))
    response = client.post(f"{API}/extensions/{extension_id}/approve", json={"note": "同意"},
                           headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "calendar_missing"
    assert "2027年" in response.json()["error"]["message"]
    assert session.get(Hazard, hazard_id).due_at == end_of_local_day(date(2026, 12, 30))


def test_a_working_day_department_never_approves_a_deadline_on_a_holiday(client, world, session, general, tmp_path):
    """With 2027 loaded, 2027-01-01 (元旦) is a rest day: refused, naming the next working day."""
    hazard_id, _ = general
    _working_days_department(session, world)
    calendar_file = tmp_path / "2027.json"
    calendar_file.write_text(json.dumps(TEST_2027, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "load", str(calendar_file), "--as", "office"])
    assert result.exit_code == 0, result.output
    extension_id = _extension_to(client, world, hazard_id, date(2027, 1, 1))
    response = client.post(f"{API}/extensions/{extension_id}/approve", json={"note": "同意"},
                           headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"] == {"date": "2027-01-01", "next_working_day": "2027-01-04"}
    moved = client.post(f"{API}/extensions/{extension_id}/approve", json={"note": "同意，顺延至工作日",
                                                                          "due_date": "2027-01-04"},
                        headers=world.headers("inspector"))
    assert moved.status_code == 200, moved.text
    assert local_date(session.get(Hazard, hazard_id).due_at) == date(2027, 1, 4)


# a made-up schedule for the tests only (2027's notice is not published in the sources read)
TEST_2027 = {"year": 2027, "source": {"title": "测试用：2027年节假日安排（非官方）", "number": "测试〔2026〕1号"},
             "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}], "workdays": []}
