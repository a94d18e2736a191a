import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from hazards.models import Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.types import utcnow
from server.settings import get_settings
from tests import factories

API = "/api/v1"


@pytest.fixture()
def visit(client, world):
    """An ad hoc visit by two certified safety inspectors to the aluminium-dust enterprise."""
    body = {"enterprise_id": world.enterprise_a.id, "planned_date": str(local_date(utcnow())),
            "inspector_ids": [world.users["inspector2"].id]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture()
def photo(session, world):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    return photo


def checklist_codes(client, world, visit_id, who="inspector"):
    response = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return [item["code"] for section in response.json()["sections"] for item in section["items"]]


def payload(codes, fails=(), photo_id=None, **extra):
    results = []
    for code in codes:
        if code in fails:
            results.append({"item_code": code, "result": "fail", "note": f"{code} 不合格",
                            "photo_ids": [photo_id] if photo_id else []})
        else:
            results.append({"item_code": code, "result": "pass"})
    return {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results, **extra}


def test_inspector_plans_a_visit_and_sees_it_in_todays_work_list(client, world, visit):
    assert visit["departments"][0]["kinds"] == ["DUST"]
    assert {i["user_id"] for i in visit["inspectors"]} == {world.users["inspector"].id, world.users["inspector2"].id}
    today = str(local_date(utcnow()))
    mine = client.get(f"{API}/visits", params={"assigned": "me", "date": today}, headers=world.headers("inspector"))
    assert [v["id"] for v in mine.json()] == [visit["id"]]
    other = client.get(f"{API}/visits", params={"assigned": "me", "date": today},
                       headers=world.headers("fire_inspector"))
    assert other.json() == []


def test_start_far_from_the_enterprise_is_flagged_not_refused(client, world, visit):
    far = client.post(f"{API}/visits/{visit['id']}/start", json={"latitude": 31.90, "longitude": 119.97},
                      headers=world.headers("inspector"))
    assert far.status_code == 200
    assert far.json()["far_from_site"] is True
    assert far.json()["start_distance_m"] > 7000
    near = client.post(f"{API}/visits/{visit['id']}/start", json={"latitude": 31.8301, "longitude": 119.9701},
                       headers=world.headers("inspector"))
    assert near.json()["far_from_site"] is False
    assert near.json()["start_distance_m"] < 50


def test_checklist_follows_the_enterprise_profile(client, world, visit):
    codes = checklist_codes(client, world, visit["id"])
    assert "DUST-06" in codes and "DUST-24" in codes  # aluminium/magnesium items
    assert "DUST-09" not in codes  # wood only
    assert not any(c.startswith("GAS") for c in codes)


def test_all_pass_submission_opens_no_hazard(client, world, visit):
    codes = checklist_codes(client, world, visit["id"])
    response = client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes),
                           headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    assert response.json()["hazard_ids"] == [] and response.json()["order_ids"] == []
    assert client.get(f"{API}/visits/{visit['id']}", headers=world.headers("inspector")).json()["status"] == "submitted"


def test_failed_items_open_hazards_and_one_numbered_order(client, world, visit, photo, session):
    codes = checklist_codes(client, world, visit["id"])
    body = payload(codes, fails={"DUST-07", "DUST-12"}, photo_id=photo.id)
    response = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    out = response.json()
    assert len(out["hazard_ids"]) == 2 and len(out["order_ids"]) == 1
    hazards = {h.item_code: h for h in session.exec(select(Hazard)).all()}
    assert hazards["DUST-07"].level == "major" and hazards["DUST-07"].plan_required
    assert hazards["DUST-12"].level == "general" and hazards["DUST-12"].deadline_days == 15
    order = session.get(RectificationOrder, out["order_ids"][0])
    assert order.number == f"（新北）应急责改〔{utcnow().year}〕0001号"
    assert sorted(order.inspector_ids) == sorted([world.users["inspector"].id, world.users["inspector2"].id])


@pytest.mark.parametrize(("change", "problem"), [
    (lambda r, codes: r.pop(), "missing_item"),
    (lambda r, codes: r.append({"item_code": "DUST-99", "result": "pass"}), "unknown_item"),
    (lambda r, codes: r.append({"item_code": "DUST-09", "result": "pass"}), "not_applicable_item"),
    (lambda r, codes: r.__setitem__(0, {"item_code": codes[0], "result": "fail"}), "photo_required"),
    (lambda r, codes: r.append(dict(r[0])), "duplicate"),
])
def test_bad_submissions_are_refused_with_each_problem_listed(client, world, visit, change, problem, session):
    codes = checklist_codes(client, world, visit["id"])
    body = payload(codes)
    change(body["results"], codes)
    response = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_submission"
    assert problem in [p["problem"] for p in error["details"]]
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 0  # atomic: nothing stored


def test_replay_returns_the_original_and_a_different_payload_is_409(client, world, visit, photo, session):
    codes = checklist_codes(client, world, visit["id"])
    body = payload(codes, fails={"DUST-12"}, photo_id=photo.id)
    first = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    again = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["hazard_ids"] == first.json()["hazard_ids"]
    assert again.json()["replayed"] is True
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 1
    body["results"][0]["note"] = "changed"
    clash = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "idempotency_conflict"


def test_second_submission_with_a_new_uuid_must_be_a_correction(client, world, visit):
    codes = checklist_codes(client, world, visit["id"])
    client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes), headers=world.headers("inspector"))
    again = client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes),
                        headers=world.headers("inspector"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_submitted"


def test_sync_answers_each_submission_and_one_bad_one_does_not_sink_the_others(client, world, session, photo):
    visits = []
    for _ in range(2):
        body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
        visits.append(client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json())
    codes = checklist_codes(client, world, visits[0]["id"])
    good = {**payload(codes, fails={"DUST-12"}, photo_id=photo.id), "visit_id": visits[0]["id"]}
    bad = {**payload([*codes, "DUST-99"]), "visit_id": visits[1]["id"]}
    response = client.post(f"{API}/sync", json={"submissions": [good, bad, good]}, headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "error", "replayed"]
    assert response.json()["results"][1]["http_status"] == 422
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 1
    untouched = client.get(f"{API}/visits/{visits[1]['id']}", headers=world.headers("inspector")).json()
    assert untouched["status"] == "planned"


def test_correction_is_a_new_version_and_hazards_follow_it(client, world, visit, photo, session):
    codes = checklist_codes(client, world, visit["id"])
    first = client.post(f"{API}/visits/{visit['id']}/submissions",
                        json=payload(codes, fails={"DUST-12", "DUST-14"}, photo_id=photo.id),
                        headers=world.headers("inspector")).json()
    corrected = client.post(f"{API}/visits/{visit['id']}/corrections",
                            json=payload(codes, fails={"DUST-14", "DUST-15"}, photo_id=photo.id),
                            headers=world.headers("inspector2"))
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["version"] == 2 and corrected.json()["supersedes_id"] == first["id"]
    hazards = {h.item_code: h for h in session.exec(select(Hazard)).all()}
    assert hazards["DUST-12"].status == "voided" and hazards["DUST-12"].closed_at is None  # never "closed"
    assert hazards["DUST-14"].status == "open" and hazards["DUST-14"].submission_id == corrected.json()["id"]
    assert hazards["DUST-15"].status == "open"
    # the voided hazard leaves its order's list, with a note on the order (API, enterprise view, PDF)
    order = client.get(f"{API}/orders/{first['order_ids'][0]}", headers=world.headers("enterprise_a")).json()
    assert [h["item_code"] for h in order["hazards"]] == ["DUST-14"]
    assert [(v["hazard_id"], v["item_code"]) for v in order["voided"]] == [(hazards["DUST-12"].id, "DUST-12")]
    assert "作废" in order["voided"][0]["note"] and "检查结果更正" in order["voided"][0]["note"]
    listed = client.get(f"{API}/hazards?status=voided", headers=world.headers("office")).json()
    assert [h["item_code"] for h in listed["items"]] == ["DUST-12"]
    closed = client.get(f"{API}/hazards?status=closed", headers=world.headers("office")).json()
    assert closed["total"] == 0
    refused = client.post(f"{API}/hazards/{hazards['DUST-12'].id}/extensions",
                          json={"reason": "来不及", "requested_due_date": "2030-01-07"},
                          headers=world.headers("enterprise_a"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "hazard_voided"
    assert "作废" in refused.json()["error"]["message"]
    history = client.get(f"{API}/visits/{visit['id']}/submissions", headers=world.headers("office")).json()
    assert [h["version"] for h in history] == [1, 2]


def test_correction_after_the_window_is_refused(client, world, visit, monkeypatch):
    codes = checklist_codes(client, world, visit["id"])
    client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes), headers=world.headers("inspector"))
    monkeypatch.setattr(get_settings(), "correction_hours", -1)
    late = client.post(f"{API}/visits/{visit['id']}/corrections", json=payload(codes),
                       headers=world.headers("inspector"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "correction_window_closed"


def test_an_order_needs_two_certified_inspectors(client, world, photo, session):
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["uncertified"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    codes = checklist_codes(client, world, visit["id"])
    response = client.post(f"{API}/visits/{visit['id']}/submissions",
                           json=payload(codes, fails={"DUST-12"}, photo_id=photo.id),
                           headers=world.headers("inspector"))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["problem"] == "two_certified_inspectors_required"
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 0


def test_who_may_see_and_submit_a_visit(client, world, visit):
    vid = visit["id"]
    assert client.get(f"{API}/visits/{vid}", headers=world.headers("enterprise_b")).status_code == 404
    assert client.get(f"{API}/visits/{vid}", headers=world.headers("enterprise_a")).status_code == 200
    codes = checklist_codes(client, world, vid)
    as_enterprise = client.post(f"{API}/visits/{vid}/submissions", json=payload(codes),
                                headers=world.headers("enterprise_a"))
    assert as_enterprise.status_code == 403
    other_inspector = client.post(f"{API}/visits/{vid}/submissions", json=payload(codes),
                                  headers=world.headers("fire_inspector"))
    assert other_inspector.status_code == 403
    assert client.post(f"{API}/visits/{vid}/submissions", json=payload(codes),
                       headers=world.headers("enterprise_b")).status_code == 404


def test_fixed_on_the_spot_is_created_closed_and_needs_an_after_photo(client, world, visit, photo, session):
    codes = checklist_codes(client, world, visit["id"])
    body = payload(codes, fails={"DUST-16"}, photo_id=photo.id)
    fail = next(r for r in body["results"] if r["item_code"] == "DUST-16")
    fail["fixed_on_spot"] = True
    refused = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert refused.status_code == 422
    assert "after_photo_required" in [p["problem"] for p in refused.json()["error"]["details"]]
    fail["after_photo_ids"] = [photo.id]
    body["client_uuid"] = str(uuid.uuid4())
    response = client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    hazard = session.exec(select(Hazard)).one()
    assert hazard.status == "closed" and hazard.fixed_on_spot and hazard.closed_at is not None
    assert response.json()["order_ids"] == []  # nothing left to order


def test_plant_site_hazard_attributed_to_both_gives_each_party_a_linked_order(client, world, photo, session):
    tenant = world.tenants[0]
    body = {"enterprise_id": tenant.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    assert visit["departments"][0]["kinds"] == ["FCZ"]
    codes = checklist_codes(client, world, visit["id"])
    assert "FCZ-10" in codes and "FCZ-21" not in codes  # tenant side only; FCZ-21 is the landlord's register
    sub = payload(codes, fails={"FCZ-10"}, photo_id=photo.id)
    next(r for r in sub["results"] if r["item_code"] == "FCZ-10")["party"] = "both"
    response = client.post(f"{API}/visits/{visit['id']}/submissions", json=sub, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    hazards = session.exec(select(Hazard).order_by(Hazard.id)).all()
    assert {(h.enterprise_id, h.party) for h in hazards} == {(tenant.id, "tenant"), (world.landlord.id, "landlord")}
    assert hazards[0].linked_hazard_id == hazards[1].id
    orders = session.exec(select(RectificationOrder).order_by(RectificationOrder.id)).all()
    assert {o.enterprise_id for o in orders} == {tenant.id, world.landlord.id}
    assert orders[0].linked_order_id == orders[1].id
    assert orders[0].number.endswith("0001号") and orders[1].number.endswith("0002号")


def test_repeat_failure_within_a_year_flags_suspected_false_rectification(client, world, visit, photo, session):
    earlier = Hazard(enterprise_id=world.enterprise_a.id, department_id=world.safety.id, kind="DUST",
                     item_code="DUST-12", level="general", status="closed", due_at=utcnow() - timedelta(days=60),
                     closed_at=utcnow() - timedelta(days=50), found_at=utcnow() - timedelta(days=70))
    session.add(earlier)
    session.commit()
    codes = checklist_codes(client, world, visit["id"])
    client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes, fails={"DUST-12"}, photo_id=photo.id),
                headers=world.headers("inspector"))
    session.expire_all()
    new = session.exec(select(Hazard).where(Hazard.id != earlier.id)).one()
    assert new.repeat_of_id == earlier.id and new.suspected_false_rectification
    assert session.get(Hazard, earlier.id).suspected_false_rectification


def test_a_retried_visit_creation_with_the_same_client_key_returns_the_first_visit(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "client_uuid": "7d6f3c52-4a4e-4b0f-9a53-0f2f6f1d9e11"}
    first = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    again = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    mine = client.get(f"{API}/visits", headers=world.headers("inspector")).json()
    assert [v["id"] for v in mine].count(first.json()["id"]) == 1


def test_a_client_key_of_another_users_visit_is_refused(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "client_uuid": "0b8f2d4e-5c1a-4e7b-8d9c-3a2b1c0d9e8f"}
    assert client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).status_code == 201

    other = client.post(f"{API}/visits", json=body, headers=world.headers("office"))

    assert other.status_code == 409 and other.json()["error"]["code"] == "client_uuid_taken"


def test_the_visit_list_is_paged(client, world):
    for _ in range(3):
        assert client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_a.id},
                           headers=world.headers("inspector")).status_code == 201
    everything = client.get(f"{API}/visits", headers=world.headers("inspector")).json()
    page = client.get(f"{API}/visits", params={"limit": 2, "offset": 1}, headers=world.headers("inspector")).json()

    assert [v["id"] for v in page] == [v["id"] for v in everything][1:3]


def test_a_visit_leaves_its_creation_start_submission_and_signature_in_the_audit_chain(client, world, visit, session,
                                                                                        photo):
    from inspection import audit

    headers = world.headers("inspector")
    assert client.post(f"{API}/visits/{visit['id']}/start", json={"latitude": 31.8, "longitude": 119.9},
                       headers=headers).status_code == 200
    codes = checklist_codes(client, world, visit["id"])
    assert client.post(f"{API}/visits/{visit['id']}/submissions", json=payload(codes), headers=headers
                       ).status_code == 201
    signature = factories.make_photo(session, world.users["inspector"], purpose="signature")
    session.commit()
    assert client.post(f"{API}/visits/{visit['id']}/signature", json={"photo_id": signature.id}, headers=headers
                       ).status_code == 200

    events = audit.history(session, "visit", visit["id"])
    assert [e.action for e in events] == ["visit.create", "visit.start", "visit.submit", "visit.sign",
                                          "document.sign"]
    assert events[2].after["outcomes"] == {"pass": len(codes)}
    assert audit.verify_chain(session).ok
