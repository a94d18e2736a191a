"""Joint visits that stay per department (issue 16): each department submits its own part, a shared check is
answered once, findings outside a department's jurisdiction are referred, advisory items are advice."""

import threading
import uuid

import pytest
from sqlmodel import select

from hazards.models import Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.models import Event, InspectionTask, Referral
from inspection.types import utcnow
from schemas.tasks import ReferralStatus, TaskSource, TaskStatus
from tests import factories
from tests.server.test_documents import pdf_text

API = "/api/v1"


@pytest.fixture()
def gas_people(session, world):
    """Two certified inspectors of 住建（燃气）."""
    return factories.gas_officers(session, world)


@pytest.fixture()
def photo(session, world):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    return photo


@pytest.fixture()
def joint(client, session, world, gas_people):
    """A joint visit of 应急 (DUST) and 住建 (GAS) to a wood-dust workshop with a canteen on LPG."""
    enterprise = factories.make_enterprise(session, name="戊木业食堂综合体", dust_involved=True, dust_kind="wood",
                                           gas_user=True, gas_supply="lpg", industry="catering")
    session.commit()
    people = [world.users[n].id for n in ("inspector", "inspector2", "gas_inspector1", "gas_inspector2")]
    body = {"enterprise_id": enterprise.id, "inspector_ids": people, "source": "joint",
            "planned_date": str(local_date(utcnow())),
            "departments": [{"department_id": world.safety.id, "kinds": ["DUST"]},
                            {"department_id": world.gas.id, "kinds": ["GAS"]}]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("office"))
    assert response.status_code == 201, response.text
    return response.json()


def part(client, world, visit_id, who):
    response = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return {item["code"]: item for section in response.json()["sections"] for item in section["items"]}


def body(items, fails=(), photo_id=None, outcomes=None, skip=()):
    results = []
    for code in items:
        if code in skip:
            continue
        if code in fails:
            results.append({"item_code": code, "result": "fail", "note": f"{code} 不合格",
                            "photo_ids": [photo_id] if photo_id else []})
        else:
            results.append({"item_code": code, "result": (outcomes or {}).get(code, "pass")})
    return {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}


def first_plain(items, kind, *, advisory=False, shared=False):
    return next(code for code, item in items.items() if code.startswith(kind) and item["advisory"] == advisory
                and item["shared"] == shared and item["refer_to"] is None and item["level"] == "general"
                and item["deadline_days"] > 0)


def test_each_department_submits_its_own_part_at_the_same_time(client, world, session, joint, photo):
    visit_id = joint["id"]
    safety, gas = part(client, world, visit_id, "inspector"), part(client, world, visit_id, "gas_inspector1")
    assert any(c.startswith("DUST") for c in safety) and not any(c.startswith("DUST") for c in gas)
    assert {"GAS-01", "GAS-14"} <= set(safety) & set(gas)  # 住建 and 应急 both enforce them: shared
    assert safety["GAS-01"]["shared"] and gas["GAS-01"]["shared"]
    gas_only = [c for c, item in gas.items() if not item["shared"]]
    assert gas_only and not set(gas_only) & set(safety)  # 住建's own items are not 应急's to answer
    dust_fail, gas_fail = first_plain(safety, "DUST"), first_plain(gas, "GAS")
    shared = [c for c in safety if safety[c]["shared"]]
    answers: dict[str, object] = {}

    def send(who, payload):
        answers[who] = client.post(f"{API}/visits/{visit_id}/submissions", json=payload, headers=world.headers(who))

    gas_payload = body(gas, [gas_fail], photo.id)
    threads = [threading.Thread(target=send, args=("inspector", body(safety, [dust_fail], photo.id))),
               threading.Thread(target=send, args=("gas_inspector1", gas_payload))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {who: r.status_code for who, r in answers.items()} == {"inspector": 201, "gas_inspector1": 201}
    mine, theirs = answers["inspector"].json(), answers["gas_inspector1"].json()
    assert (mine["department_id"], theirs["department_id"]) == (world.safety.id, world.gas.id)
    # a shared check is stored once, by whichever part came first
    stored = [r["item_code"] for r in mine["results"]] + [r["item_code"] for r in theirs["results"]]
    assert all(stored.count(code) == 1 for code in shared)
    orders = {o.department_id: o for o in session.exec(select(RectificationOrder)).all()}
    assert set(orders) == {world.safety.id, world.gas.id}
    assert "应急责改" in orders[world.safety.id].number and "住建燃改" in orders[world.gas.id].number
    hazards = {h.item_code: h.department_id for h in session.exec(select(Hazard)).all()}
    assert hazards == {dust_fail: world.safety.id, gas_fail: world.gas.id}
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
    assert visit["status"] == "submitted" and {d["part"] for d in visit["departments"]} == {"submitted"}
    text = pdf_text(client.get(f"{API}/orders/{orders[world.gas.id].id}.pdf", headers=world.headers("office")).content)
    assert "责令限期改正通知书" in text and "《城镇燃气管理条例》第四十九条" in text and dust_fail not in text
    # a replay of one part is that part, again
    again = client.post(f"{API}/visits/{visit_id}/submissions", json=gas_payload,
                        headers=world.headers("gas_inspector1"))
    assert again.status_code == 200 and again.json()["id"] == theirs["id"] and again.json()["replayed"]
    assert again.json()["order_ids"] == theirs["order_ids"]


def test_the_first_part_submitted_answers_a_shared_check_and_the_other_sees_it(client, world, session, joint,
                                                                                   photo):
    visit_id = joint["id"]
    safety = part(client, world, visit_id, "inspector")
    first = client.post(f"{API}/visits/{visit_id}/submissions", json=body(safety, ["GAS-01"], photo.id),
                        headers=world.headers("inspector"))
    assert first.status_code == 201, first.text
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
    assert visit["status"] == "started"  # 住建's part is still open
    gas = part(client, world, visit_id, "gas_inspector1")
    assert (gas["GAS-01"]["answered_by_department_id"], gas["GAS-01"]["answer"]) == (world.safety.id, "fail")
    # 住建 leaves out what 应急 answered, except GAS-14, which it answers otherwise: the first answer stands
    answered = {c for c, item in gas.items() if item["answered_by_department_id"]}
    payload = body(gas, skip=answered - {"GAS-14"}, outcomes={"GAS-14": "fail"})
    payload["results"] = [r | {"photo_ids": [photo.id]} if r["item_code"] == "GAS-14" else r
                          for r in payload["results"]]
    second = client.post(f"{API}/visits/{visit_id}/submissions", json=payload, headers=world.headers("gas_inspector1"))
    assert second.status_code == 201, second.text
    assert "GAS-14" not in [r["item_code"] for r in second.json()["results"]]
    hazards = session.exec(select(Hazard).where(Hazard.item_code == "GAS-01")).all()
    # one finding, answered by 应急: each enforcing department its own hazard (tests/server/test_shared_findings.py)
    assert [h.department_id for h in hazards] == [world.safety.id, world.gas.id]
    event = session.exec(select(Event).where(Event.entity == "visit", Event.action == "visit.submit")
                         .order_by(Event.id.desc())).first()
    assert event.after["shared_disagreements"][0]["item_code"] == "GAS-14"
    assert client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()["status"] == "submitted"


def test_a_part_must_answer_its_own_items_and_not_the_others(client, world, joint):
    visit_id = joint["id"]
    safety, gas = part(client, world, visit_id, "inspector"), part(client, world, visit_id, "gas_inspector1")
    foreign = next(c for c in gas if c not in safety)
    response = client.post(f"{API}/visits/{visit_id}/submissions", json=body([*safety, foreign]),
                           headers=world.headers("inspector"))
    assert response.status_code == 422
    problems = {p["item_code"]: p["problem"] for p in response.json()["error"]["details"]}
    assert problems == {foreign: "other_department_item"}
    missing = client.post(f"{API}/visits/{visit_id}/submissions", json=body(safety, skip=["GAS-01"]),
                          headers=world.headers("inspector"))
    assert missing.status_code == 422  # nobody answered the shared check yet: the first part must


def test_a_department_withdraws_its_part_with_a_reason(client, world, joint):
    visit_id = joint["id"]
    safety = part(client, world, visit_id, "inspector")
    assert client.post(f"{API}/visits/{visit_id}/submissions", json=body(safety),
                       headers=world.headers("inspector")).status_code == 201
    cancel = client.post(f"{API}/visits/{visit_id}/cancel", json={"reason": "改期"}, headers=world.headers("office"))
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "part_submitted"
    url = f"{API}/visits/{visit_id}/departments/{world.gas.id}/withdraw"
    assert client.post(url, json={"reason": "燃气检查人员另有紧急任务"},
                       headers=world.headers("inspector")).status_code == 403  # not 应急's part
    response = client.post(url, json={"reason": "燃气检查人员另有紧急任务"}, headers=world.headers("gas_inspector1"))
    assert response.status_code == 200, response.text
    visit = response.json()
    assert visit["status"] == "submitted"
    assert {d["code"]: d["part"] for d in visit["departments"]} == {"应急": "submitted", "住建": "withdrawn"}
    again = client.post(url, json={"reason": "x"}, headers=world.headers("office"))
    assert again.status_code == 409
    late = client.post(f"{API}/visits/{visit_id}/submissions", json=body(part(client, world, visit_id,
                                                                              "gas_inspector1")),
                       headers=world.headers("gas_inspector1"))
    assert late.status_code == 409


def test_a_finding_outside_the_departments_jurisdiction_is_referred(client, world, session, gas_people, photo):
    enterprise = world.enterprise_b  # a restaurant on LPG: its gas items are 住建's
    create = client.post(f"{API}/visits", json={"enterprise_id": enterprise.id, "kinds": ["GAS"],
                                                 "inspector_ids": [world.users["inspector2"].id]},
                         headers=world.headers("inspector"))
    assert create.status_code == 201, create.text
    visit_id = create.json()["id"]
    items = part(client, world, visit_id, "inspector")
    referred = next(c for c, item in items.items() if item["refer_to"] == "住建" and not item["advisory"])
    assert items[referred]["departments"] == ["住建"]
    response = client.post(f"{API}/visits/{visit_id}/submissions", json=body(items, [referred], photo.id),
                           headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["hazard_ids"] == [] and answer["order_ids"] == [] and len(answer["referral_ids"]) == 1
    referral = session.get(Referral, answer["referral_ids"][0])
    assert (referral.to_department_id, referral.from_department_id, referral.item_code) == (
        world.gas.id, world.safety.id, referred)
    task = session.get(InspectionTask, referral.task_id)
    assert (task.department_id, task.source, task.announced) == (world.gas.id, TaskSource.REFERRAL, False)
    # the receiving department sees it and takes it on; the sender sees it as sent
    received = client.get(f"{API}/referrals", headers=world.headers("gas_inspector1")).json()
    assert [r["id"] for r in received] == [referral.id]
    assert client.get(f"{API}/referrals", headers=world.headers("inspector")).json() == []
    assert [r["id"] for r in client.get(f"{API}/referrals", params={"direction": "sent"},
                                        headers=world.headers("inspector")).json()] == [referral.id]
    refused = client.post(f"{API}/referrals/{referral.id}/accept", json={}, headers=world.headers("inspector"))
    assert refused.status_code == 403
    accepted = client.post(f"{API}/referrals/{referral.id}/accept", json={"note": "已安排"},
                           headers=world.headers("gas_inspector1"))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    # the task goes through the planner: inspectors assigned, the merge makes its visit, 住建 submits it
    people = [world.users["gas_inspector1"].id, world.users["gas_inspector2"].id]
    assigned = client.post(f"{API}/tasks/{task.id}/assign", json={"inspector_ids": people},
                           headers=world.headers("gas_inspector1"))
    assert assigned.status_code == 200, assigned.text
    assert client.post(f"{API}/admin/jobs/inspect_once/run", headers=world.headers("office")).status_code == 200
    session.rollback()  # a new read transaction: see what the requests committed
    task = session.get(InspectionTask, task.id)
    assert task.visit_id is not None, task
    gas_items = part(client, world, task.visit_id, "gas_inspector1")
    done = client.post(f"{API}/visits/{task.visit_id}/submissions", json=body(gas_items),
                       headers=world.headers("gas_inspector1"))
    assert done.status_code == 201, done.text
    assert client.post(f"{API}/admin/jobs/inspect_once/run", headers=world.headers("office")).status_code == 200
    session.rollback()  # a new read transaction: see what the requests committed
    assert session.get(InspectionTask, task.id).status == TaskStatus.DONE
    assert session.get(Referral, referral.id).status == ReferralStatus.DONE


def test_a_declined_referral_cancels_its_task(client, world, session, gas_people, photo):
    create = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"],
                                                 "inspector_ids": [world.users["inspector2"].id]},
                         headers=world.headers("inspector"))
    visit_id = create.json()["id"]
    items = part(client, world, visit_id, "inspector")
    referred = next(c for c, item in items.items() if item["refer_to"] == "住建" and not item["advisory"])
    answer = client.post(f"{API}/visits/{visit_id}/submissions", json=body(items, [referred], photo.id),
                         headers=world.headers("inspector")).json()
    referral_id = answer["referral_ids"][0]
    url = f"{API}/referrals/{referral_id}/decline"
    assert client.post(url, json={"reason": ""}, headers=world.headers("gas_inspector1")).status_code == 422
    declined = client.post(url, json={"reason": "该点位已停用燃气"}, headers=world.headers("gas_inspector1"))
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["status_reason"] == "该点位已停用燃气"
    task = session.get(InspectionTask, declined.json()["task_id"])
    assert task.status == TaskStatus.CANCELLED and "该点位已停用燃气" in task.status_reason
    assert client.post(f"{API}/referrals/{referral_id}/accept", json={},
                       headers=world.headers("gas_inspector1")).status_code == 409
    assert client.get(f"{API}/referrals/{referral_id}", headers=world.headers("enterprise_b")).status_code == 403


def test_an_advisory_item_is_advice_on_the_visit_record_not_a_hazard(client, world, session, gas_people, photo):
    create = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"],
                                                 "inspector_ids": [world.users["gas_inspector2"].id]},
                         headers=world.headers("gas_inspector1"))
    assert create.status_code == 201, create.text
    visit_id = create.json()["id"]
    items = part(client, world, visit_id, "gas_inspector1")
    advisory = next(c for c, item in items.items() if item["advisory"] and item["refer_to"] is None)
    answer = client.post(f"{API}/visits/{visit_id}/submissions", json=body(items, [advisory], photo.id),
                         headers=world.headers("gas_inspector1"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["advice"] == [advisory]
    assert answer.json()["hazard_ids"] == [] and answer.json()["order_ids"] == []
    assert session.exec(select(Hazard)).all() == []
    text = pdf_text(client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("enterprise_b")).content)
    assert advisory in text and "提示（建议改进）" in text
    advice = client.get(f"{API}/visits/{visit_id}/advice", headers=world.headers("enterprise_b")).json()
    assert [(a["item_code"], a["department_id"]) for a in advice] == [(advisory, world.gas.id)]
    assert client.get(f"{API}/visits/{visit_id}/advice", headers=world.headers("enterprise_a")).status_code == 404

