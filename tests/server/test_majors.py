"""Major hazards by the law (REFERENCE §G.4): never closed on the spot; a 现场处理措施决定书 of its own; the
治理方案 approved or returned; 挂牌督办; closed by re-inspection only, with the 恢复生产 decision."""

import io
import uuid
from datetime import timedelta

from pypdf import PdfReader

from hazards.documents import data as documents_data
from hazards.documents import render
from inspection import audit
from inspection.clock import local_date
from inspection.types import utcnow
from tests import factories

API = "/api/v1"


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def _visit(client, world, session):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    checklist = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    return visit, checklist, photo


def _submit(client, world, visit, checklist, photo, fails, **extra):
    codes = [i["code"] for s in checklist["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [photo.id], **extra} if c in fails
               else {"item_code": c, "result": "pass"} for c in codes]
    return client.post(f"{API}/visits/{visit['id']}/submissions",
                       json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))


def _major(client, world, session):
    visit, checklist, photo = _visit(client, world, session)
    out = _submit(client, world, visit, checklist, photo, {"DUST-03"})
    assert out.status_code == 201, out.text
    return out.json()["hazard_ids"][0], out.json()["order_ids"][0]


def test_a_major_hazard_is_never_closed_on_the_spot(client, world, session):
    visit, checklist, photo = _visit(client, world, session)
    after = factories.make_photo(session, world.users["inspector"])
    session.commit()
    out = _submit(client, world, visit, checklist, photo, {"DUST-03"}, fixed_on_spot=True, after_photo_ids=[after.id])
    assert out.status_code == 422, out.text
    problems = out.json()["error"]["details"]
    assert any(p["problem"] == "major_not_closable_on_spot" and "重大事故隐患不得当场整改" in p["message"]
               for p in problems)


def test_a_general_item_raised_to_major_is_not_closed_on_the_spot_either(client, world, session):
    visit, checklist, photo = _visit(client, world, session)
    after = factories.make_photo(session, world.users["inspector"])
    session.commit()
    out = _submit(client, world, visit, checklist, photo, {"DUST-17"}, fixed_on_spot=True,
                  after_photo_ids=[after.id], raise_to_major=True)
    assert out.status_code == 422
    assert {p["problem"] for p in out.json()["error"]["details"]} == {"major_not_closable_on_spot"}


def test_the_visit_checklist_shows_the_deadline_a_major_hazard_gets(client, world, session):
    visit, checklist, photo = _visit(client, world, session)
    items = {i["code"]: i for s in checklist["sections"] for i in s["items"]}
    assert items["DUST-03"]["level"] == "major" and items["DUST-03"]["deadline_days"] == 7
    assert items["DUST-17"]["deadline_days"] == 0  # a general item fixable on the spot keeps its 0
    out = _submit(client, world, visit, checklist, photo, {"DUST-03"})
    hazard = client.get(f"{API}/hazards/{out.json()['hazard_ids'][0]}", headers=world.headers("office")).json()
    assert hazard["deadline_days"] == items["DUST-03"]["deadline_days"]


def test_the_order_has_no_blanket_stop_work_clause(client, world, session):
    _, order_id = _major(client, world, session)
    text = _pdf_text(client.get(f"{API}/orders/{order_id}.pdf", headers=world.headers("inspector")).content)
    assert "报送治理方案" in text
    assert "撤出作业人员" not in text and "停产停业" not in text and "停止使用" not in text
    assert "向常州市新北区人民政府申请行政复议" in text  # the appeal body from the instruments' data (§G.12)


def test_onsite_measures_are_a_decision_of_their_own_with_its_number_basis_and_appeal(client, world, session):
    hazard_id, order_id = _major(client, world, session)
    body = {"hazard_ids": [hazard_id], "measures": ["withdraw", "suspend"],
            "co_inspector_id": world.users["inspector2"].id, "note": "除尘系统停用"}
    assert client.post(f"{API}/onsite-decisions", json=body,
                       headers=world.headers("enterprise_a")).status_code in (403, 404)
    alone = client.post(f"{API}/onsite-decisions", json={**body, "co_inspector_id": world.users["inspector"].id},
                        headers=world.headers("inspector"))
    assert alone.status_code == 422 and alone.json()["error"]["code"] == "two_certified_inspectors_required"
    out = client.post(f"{API}/onsite-decisions", json=body, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    decision = out.json()
    assert "应急现决〔" in decision["number"] and decision["production_stopped"] is True
    order = client.get(f"{API}/orders/{order_id}", headers=world.headers("inspector")).json()
    assert decision["number"] != order["number"]
    mine = client.get(f"{API}/hazards/{hazard_id}/onsite-decisions", headers=world.headers("enterprise_a")).json()
    assert [d["id"] for d in mine] == [decision["id"]]
    pdf = client.get(decision["pdf_url"], headers=world.headers("enterprise_a"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "现场处理措施决定书" in text and decision["number"] in text
    assert "第六十五条第一款第（三）项" in text and "从危险区域内撤出作业人员" in text and "暂时停产停业" in text
    assert "常州市新北区人民政府" in text and "行政复议" in text and "行政诉讼" in text
    assert client.get(decision["pdf_url"], headers=world.headers("enterprise_b")).status_code == 404
    general = client.post(f"{API}/onsite-decisions", json={**body, "hazard_ids": [hazard_id, 10 ** 6]},
                          headers=world.headers("inspector"))
    assert general.status_code == 404
    assert [e.action for e in audit.history(session, "onsite_decision", decision["id"])] == ["onsite_decision.issued"]


def test_measures_are_for_major_hazards_only(client, world, session):
    visit, checklist, photo = _visit(client, world, session)
    out = _submit(client, world, visit, checklist, photo, {"DUST-12"})
    body = {"hazard_ids": out.json()["hazard_ids"], "measures": ["suspend"],
            "co_inspector_id": world.users["inspector2"].id}
    refused = client.post(f"{API}/onsite-decisions", json=body, headers=world.headers("inspector"))
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["problem"] == "not_major"


def _plan(client, world, session, hazard_id):
    plan = factories.make_photo(session, world.users["enterprise_a"])
    session.commit()
    out = client.post(f"{API}/hazards/{hazard_id}/plan", json={"plan_photo_ids": [plan.id]},
                      headers=world.headers("enterprise_a"))
    assert out.status_code == 200, out.text
    assert out.json()["plan_status"] == "submitted"


def test_the_department_approves_or_returns_the_plan_with_reasons_audited(client, world, session):
    hazard_id, _ = _major(client, world, session)
    assert client.post(f"{API}/hazards/{hazard_id}/plan/approve", json={},
                       headers=world.headers("inspector")).json()["error"]["code"] == "no_plan_to_review"
    _plan(client, world, session, hazard_id)
    no_reason = client.post(f"{API}/hazards/{hazard_id}/plan/return", json={}, headers=world.headers("inspector"))
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
    assert client.post(f"{API}/hazards/{hazard_id}/plan/approve", json={},
                       headers=world.headers("enterprise_a")).status_code == 403
    returned = client.post(f"{API}/hazards/{hazard_id}/plan/return", json={"note": "缺少资金和应急措施"},
                           headers=world.headers("inspector"))
    assert returned.status_code == 200 and returned.json()["plan_status"] == "returned"
    assert returned.json()["plan_review_note"] == "缺少资金和应急措施"
    _plan(client, world, session, hazard_id)
    approved = client.post(f"{API}/hazards/{hazard_id}/plan/approve", json={"note": "方案可行"},
                           headers=world.headers("inspector"))
    assert approved.status_code == 200 and approved.json()["plan_status"] == "approved"
    history = [(e.action, e.reason) for e in audit.history(session, "hazard", hazard_id)]
    assert ("hazard.plan_returned", "缺少资金和应急措施") in history and ("hazard.plan_approved", "方案可行") in history
    assert audit.verify_chain(session).ok


def test_the_office_puts_a_major_hazard_under_supervision(client, world, session):
    hazard_id, _ = _major(client, world, session)
    due = str(local_date(utcnow() + timedelta(days=30)))
    body = {"supervisor": "新北区安委办", "due_date": due, "note": "挂牌督办"}
    assert client.post(f"{API}/hazards/{hazard_id}/supervision", json=body,
                       headers=world.headers("inspector")).status_code == 403
    out = client.post(f"{API}/hazards/{hazard_id}/supervision", json=body, headers=world.headers("office"))
    assert out.status_code == 200, out.text
    shown = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("enterprise_a")).json()
    assert (shown["supervised"], shown["supervisor"], shown["supervision_due"]) == (True, "新北区安委办", due)
    assert audit.history(session, "hazard", hazard_id)[-1].action == "hazard.supervised"


def test_a_major_closes_by_reinspection_after_an_approved_plan_and_records_the_resumption(client, world, session):
    hazard_id, order_id = _major(client, world, session)
    stop = client.post(f"{API}/onsite-decisions", headers=world.headers("inspector"),
                       json={"hazard_ids": [hazard_id], "measures": ["stop_equipment"],
                             "co_inspector_id": world.users["inspector2"].id}).json()
    _plan(client, world, session, hazard_id)
    review = {"co_inspector_id": world.users["inspector2"].id, "items": [{"hazard_id": hazard_id,
                                                                           "outcome": "rectified"}]}
    early = client.post(f"{API}/orders/{order_id}/reinspection", json={**review, "resume_production": True},
                        headers=world.headers("inspector"))
    assert early.status_code == 422 and early.json()["error"]["details"][0]["problem"] == "plan_not_approved"
    client.post(f"{API}/hazards/{hazard_id}/plan/approve", json={}, headers=world.headers("inspector"))
    undecided = client.post(f"{API}/orders/{order_id}/reinspection", json=review, headers=world.headers("inspector"))
    assert undecided.status_code == 422 and undecided.json()["error"]["code"] == "resumption_decision_required"
    done = client.post(f"{API}/orders/{order_id}/reinspection", headers=world.headers("inspector"),
                       json={**review, "resume_production": True, "resumption_note": "除尘系统改造完毕"})
    assert done.status_code == 201, done.text
    record = done.json()
    assert record["resumption"]["approved"] is True and record["resumption"]["decisions"] == [stop["number"]]
    hazard = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("office")).json()
    assert hazard["status"] == "closed"
    lifted = client.get(f"{API}/onsite-decisions/{stop['id']}", headers=world.headers("office")).json()
    assert lifted["resumed_at"] and lifted["resumption_record_id"] == record["id"]
    text = _pdf_text(client.get(f"{API}/orders/{record['id']}.pdf", headers=world.headers("inspector")).content)
    assert "恢复生产决定" in text and "同意你单位恢复生产经营" in text and stop["number"] in text


def test_the_measures_pdf_is_made_from_data_with_embedded_fonts(session, world, client):
    hazard_id, _ = _major(client, world, session)
    decision = client.post(f"{API}/onsite-decisions", headers=world.headers("inspector"),
                           json={"hazard_ids": [hazard_id], "measures": ["withdraw"],
                                 "co_inspector_id": world.users["inspector2"].id}).json()
    document = documents_data.load_measures_document(session, decision["id"])
    assert document.basis.startswith("《中华人民共和国安全生产法》")
    assert document.measures == ("从危险区域内撤出作业人员",)
    text = _pdf_text(render.measures_pdf(document))
    assert "经本机关审查同意，方可恢复生产经营和使用" in text
