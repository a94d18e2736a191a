"""Documents a court accepts (REFERENCE §G.7, §G.8, §G.12), through the API: the 现场检查记录's number and fields,
every page stamped with page n/N, number, content hash and signatures; signatures as their own capture
(re-signing with a reason, refusals with a witness); consent to electronic service and the 送达回执."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from inspection import audit
from inspection.types import utcnow
from tests import factories

API = "/api/v1"
RECORD = {"representative_name": "王建国", "representative_title": "法定代表人", "representative_phone": "13912345678",
          "place_inspected": "二号车间铝粉抛光工段", "credentials_shown": True, "recusal_explained": True}


def page_texts(content: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def upload(client, world, who: str, *, purpose: str | None = "signature", visit_id: int | None = None,
           color=(20, 20, 20)) -> dict:
    image = Image.new("RGB", (600, 200), (255, 255, 255))
    for x in range(50, 550):
        image.putpixel((x, 100 + (x % 40) - 20), color)
    data = io.BytesIO()
    image.save(data, "PNG")
    fields = {"client_uuid": str(uuid.uuid4())}
    if purpose:
        fields["purpose"] = purpose
    if visit_id:
        fields["visit_id"] = str(visit_id)
    response = client.post(f"{API}/photos", files={"file": ("s.png", data.getvalue(), "image/png")}, data=fields,
                           headers=world.headers(who))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture()
def inspected(client, world, session):
    """Enterprise A visited with the record's fields given at start and the end time at submission; DUST-12 and
    DUST-16 failed, one order issued."""
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    started = client.post(f"{API}/visits/{visit['id']}/start",
                          json={"latitude": 31.83, "longitude": 119.97, "record": RECORD},
                          headers=world.headers("inspector"))
    assert started.status_code == 200, started.text
    checklist = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in checklist["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [photo.id]} if c in ("DUST-12", "DUST-16")
               else {"item_code": c, "result": "pass"} for c in codes]
    ended = utcnow()
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results, "ended_at": ended.isoformat()},
                      headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    return {"visit_id": visit["id"], "order_id": out.json()["order_ids"][0]}


def test_the_visit_record_has_a_number_and_every_field_of_g7(client, world, inspected):
    visit = client.get(f"{API}/visits/{inspected['visit_id']}", headers=world.headers("inspector")).json()
    assert re.fullmatch(r"（新北）应急检记〔\d{4}〕\d{4}号", visit["record_number"]), visit["record_number"]
    assert visit["representative_name"] == "王建国" and visit["credentials_shown"] is True
    assert visit["ended_at"] is not None
    content = client.get(f"{API}/visits/{inspected['visit_id']}.pdf", headers=world.headers("enterprise_a")).content
    text = "".join(page_texts(content))
    for expected in [visit["record_number"], "法定代表人：王建国", "联系电话：13912345678",
                     "检查场所：二号车间铝粉抛光工段",
                     "出示执法证件", "申请回避", "32041100001", "32041100002", "至"]:
        assert expected in text, expected
    assert "系统编号" not in text and "（未记录）" not in text


def test_a_visit_without_the_fields_says_they_were_not_recorded(client, world):
    visit = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_a.id},
                        headers=world.headers("inspector")).json()
    checklist = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    results = [{"item_code": i["code"], "result": "pass"} for s in checklist["sections"] for i in s["items"]]
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text  # an all-clear visit is numbered too
    pdf = client.get(f"{API}/visits/{visit['id']}.pdf", headers=world.headers("inspector"))
    text = "".join(page_texts(pdf.content))
    assert "检查场所：（未记录）" in text and "应急检记〔" in text


def test_the_end_of_an_inspection_cannot_be_before_its_start(client, world, session):
    visit = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_a.id},
                        headers=world.headers("inspector")).json()
    client.post(f"{API}/visits/{visit['id']}/start", json={"latitude": 31.83, "longitude": 119.97},
                headers=world.headers("inspector"))
    checklist = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    results = [{"item_code": i["code"], "result": "pass"} for s in checklist["sections"] for i in s["items"]]
    early = (utcnow() - timedelta(days=1)).isoformat()
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results, "ended_at": early},
                      headers=world.headers("inspector"))
    assert out.status_code == 422 and out.json()["error"]["code"] == "ended_before_start"


def test_every_page_carries_page_n_of_n_the_number_and_the_content_hash(client, world, inspected):
    for kind, document_id, url in (("order", inspected["order_id"], f"{API}/orders/{inspected['order_id']}.pdf"),
                                   ("visit", inspected["visit_id"], f"{API}/visits/{inspected['visit_id']}.pdf")):
        digest = client.get(f"{API}/documents/{kind}/{document_id}/digest", headers=world.headers("inspector")).json()
        assert len(digest["sha256"]) == 64 and digest["sha256"].startswith(digest["printed"])
        pages = page_texts(client.get(url, headers=world.headers("inspector")).content)
        for n, text in enumerate(pages, 1):
            assert f"第{n}页共{len(pages)}页" in text, (kind, n)
            assert digest["number"] in text and f"校验码{digest['printed']}" in text, (kind, n)
            assert "被检查单位签名" in text and "执法人员" in text, (kind, n)
        checked = client.get(f"{API}/documents/{kind}/{document_id}/digest", params={"code": digest["printed"]},
                             headers=world.headers("enterprise_a")).json()
        assert checked["matches"] is True
        wrong = client.get(f"{API}/documents/{kind}/{document_id}/digest", params={"code": "0" * 16},
                           headers=world.headers("inspector")).json()
        assert wrong["matches"] is False


def test_a_signature_is_a_signature_capture_by_the_one_who_captured_it(client, world, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/signatures"
    plain = upload(client, world, "inspector", purpose=None)
    refused = client.post(path, json={"party": "enterprise", "photo_id": plain["id"], "signer_name": "王建国"},
                          headers=world.headers("inspector"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_signature"
    others = upload(client, world, "inspector2")
    refused = client.post(path, json={"party": "enterprise", "photo_id": others["id"], "signer_name": "王建国"},
                          headers=world.headers("inspector"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_signature"
    capture = upload(client, world, "inspector", visit_id=inspected["visit_id"])
    assert capture["purpose"] == "signature"
    nameless = client.post(path, json={"party": "enterprise", "photo_id": capture["id"]},
                           headers=world.headers("inspector"))
    assert nameless.status_code == 422
    signed = client.post(path, json={"party": "enterprise", "photo_id": capture["id"], "signer_name": "王建国"},
                         headers=world.headers("inspector"))
    assert signed.status_code == 201, signed.text
    assert signed.json()["signer_name"] == "王建国" and signed.json()["captured_by"] == world.users["inspector"].id
    assert client.post(path, json={"party": "inspector", "photo_id": capture["id"]},
                       headers=world.headers("enterprise_a")).status_code == 403
    assert client.get(path, headers=world.headers("enterprise_b")).status_code == 404
    bad = client.post(f"{API}/photos", files={"file": ("s.png", b"x", "image/png")},
                      data={"client_uuid": str(uuid.uuid4()), "purpose": "selfie"}, headers=world.headers("inspector"))
    assert bad.status_code in (415, 422)


def test_signing_again_needs_a_reason_and_both_stay_in_the_audit(client, world, session, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/signatures"
    first = upload(client, world, "enterprise_a")
    assert client.post(path, json={"party": "enterprise", "photo_id": first["id"], "signer_name": "王建国"},
                       headers=world.headers("enterprise_a")).status_code == 201
    second = upload(client, world, "enterprise_a", color=(0, 0, 120))
    again = client.post(path, json={"party": "enterprise", "photo_id": second["id"], "signer_name": "王建国"},
                        headers=world.headers("enterprise_a"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"
    again = client.post(path, json={"party": "enterprise", "photo_id": second["id"], "signer_name": "王建国",
                                    "reason": "首次签名笔迹不清"}, headers=world.headers("enterprise_a"))
    assert again.status_code == 201, again.text
    history = client.get(path, headers=world.headers("inspector")).json()
    assert [row["superseded_at"] is not None for row in history] == [True, False]
    assert history[1]["reason"] == "首次签名笔迹不清"
    events = audit.history(session, "order", inspected["order_id"])
    resign = [e for e in events if e.action == "document.resign"]
    assert len(resign) == 1 and resign[0].reason == "首次签名笔迹不清"
    assert [e.action for e in events].count("document.sign") == 1


def test_signatures_of_both_sides_are_stamped_on_every_page(client, world, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/signatures"
    mine = upload(client, world, "inspector")
    assert client.post(path, json={"party": "inspector", "photo_id": mine["id"]},
                       headers=world.headers("inspector")).status_code == 201
    theirs = upload(client, world, "inspector", color=(0, 90, 0))
    assert client.post(path, json={"party": "enterprise", "photo_id": theirs["id"], "signer_name": "王建国"},
                       headers=world.headers("inspector")).status_code == 201
    before = client.get(f"{API}/documents/order/{inspected['order_id']}/digest", headers=world.headers("inspector"))
    content = client.get(f"{API}/orders/{inspected['order_id']}.pdf", headers=world.headers("inspector")).content
    pages = PdfReader(io.BytesIO(content)).pages
    stamped = [{image.name for image in page.images if image.name.endswith(".jpg")} for page in pages]
    assert len(set.intersection(*stamped)) == 2  # both signatures (their display copies) on every page
    assert before.json()["printed"] in "".join(page_texts(content))  # signing does not change the content hash


def test_a_refusal_to_sign_is_recorded_with_its_witness_and_printed_on_every_page(client, world, session, inspected):
    path = f"{API}/documents/visit/{inspected['visit_id']}/refusal"
    missing = client.post(path, json={"refusal_reason": "认为检查结论有误", "witness": ""},
                          headers=world.headers("inspector"))
    assert missing.status_code == 422
    assert client.post(path, json={"refusal_reason": "认为检查结论有误", "witness": "李见证"},
                       headers=world.headers("enterprise_a")).status_code == 403
    out = client.post(path, json={"refusal_reason": "认为检查结论有误", "witness": "李见证（街道安监员）"},
                      headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    pdf = client.get(f"{API}/visits/{inspected['visit_id']}.pdf", headers=world.headers("inspector"))
    pages = page_texts(pdf.content)
    for text in pages:
        assert "当事人拒绝签字" in text and "李见证（街道安监员）" in text
    assert "document.refuse" in [e.action for e in audit.history(session, "visit", inspected["visit_id"])]


def test_electronic_service_only_after_recorded_consent(client, world, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/service"
    served_at = utcnow().isoformat()
    refused = client.post(path, json={"method": "electronic", "served_at": served_at},
                          headers=world.headers("inspector"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "no_service_consent"
    order = client.get(f"{API}/orders/{inspected['order_id']}", headers=world.headers("enterprise_a")).json()
    assert order["service"] == {"served": False, "served_at": None, "method": None, "receipt_id": None}
    consents = f"{API}/enterprises/{world.enterprise_a.id}/service-consents"
    mine = {"signer_name": "王建国", "channel": "portal", "address": "enterprise_a", "agreed_at": served_at}
    assert client.post(consents, json=mine, headers=world.headers("enterprise_b")).status_code in (403, 404)
    consent = client.post(consents, json={"signer_name": "王建国", "channel": "portal", "address": "enterprise_a",
                                          "agreed_at": (utcnow() - timedelta(minutes=5)).isoformat()},
                          headers=world.headers("inspector"))
    assert consent.status_code == 201, consent.text
    served = client.post(path, json={"method": "electronic", "served_at": served_at},
                         headers=world.headers("inspector"))
    assert served.status_code == 201, served.text
    receipt = served.json()
    assert receipt["consent_id"] == consent.json()["id"] and receipt["address"] == "enterprise_a"
    order = client.get(f"{API}/orders/{inspected['order_id']}", headers=world.headers("enterprise_a")).json()
    assert order["service"]["served"] is True and order["service"]["method"] == "electronic"
    text = "".join(page_texts(client.get(receipt["pdf_url"], headers=world.headers("enterprise_a")).content))
    assert "送达回执" in text and "电子送达" in text and "送达地址确认书" in text and "（条款未核实）" in text
    revoked = client.post(f"{API}/service-consents/{consent.json()['id']}/revoke", json={"reason": "企业书面撤回"},
                          headers=world.headers("office"))
    assert revoked.status_code == 200
    later = client.post(path, json={"method": "electronic", "served_at": (utcnow() + timedelta(minutes=1)).isoformat()},
                        headers=world.headers("inspector"))
    assert later.status_code == 422


def test_service_left_at_the_premises_needs_the_reason_witnesses_and_place(client, world, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/service"
    body = {"method": "left", "served_at": utcnow().isoformat(), "recipient_name": "王建国"}
    incomplete = client.post(path, json=body, headers=world.headers("inspector"))
    assert incomplete.status_code == 422
    assert {p["field"] for p in incomplete.json()["error"]["details"]} == {"left_reason", "witnesses", "place"}
    out = client.post(path, json={**body, "left_reason": "拒绝签收", "witnesses": ["赵见证"],
                                  "place": "企业门卫室"}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    content = client.get(out.json()["pdf_url"], headers=world.headers("inspector")).content
    pages = page_texts(content)
    text = "".join(pages)
    assert "留置送达" in text and "拒绝签收" in text and "赵见证" in text and "企业门卫室" in text
    assert all("第1页共" in pages[0] and "责改〔" in page for page in pages)
    assert client.get(out.json()["pdf_url"], headers=world.headers("enterprise_b")).status_code == 404


def test_direct_service_carries_the_recipients_signature(client, world, inspected):
    path = f"{API}/documents/order/{inspected['order_id']}/service"
    unsigned = client.post(path, json={"method": "direct", "served_at": utcnow().isoformat(),
                                       "recipient_name": "王建国"}, headers=world.headers("inspector"))
    assert unsigned.status_code == 422
    capture = upload(client, world, "inspector")
    out = client.post(path, json={"method": "direct", "served_at": utcnow().isoformat(), "recipient_name": "王建国",
                                  "signature_photo_id": capture["id"]}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    content = client.get(out.json()["pdf_url"], headers=world.headers("inspector")).content
    assert all(page.images for page in PdfReader(io.BytesIO(content)).pages)
    listed = client.get(path, headers=world.headers("enterprise_a")).json()
    assert [r["method"] for r in listed] == ["direct"]


def test_the_appeal_notice_names_the_district_government_and_the_court(client, world, inspected):
    text = "".join(page_texts(client.get(f"{API}/orders/{inspected['order_id']}.pdf",
                                         headers=world.headers("inspector")).content))
    assert "向常州市新北区人民政府申请行政复议" in text and "向常州市新北区人民法院提起行政诉讼" in text
    assert "有管辖权" not in text


def test_a_district_without_appeal_bodies_refuses_to_print(client, world, session, inspected):
    world.safety.district_short = "未知区"
    session.add(world.safety)
    session.commit()
    response = client.get(f"{API}/orders/{inspected['order_id']}.pdf", headers=world.headers("inspector"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "appeal_bodies_missing"


def test_a_signature_capture_is_never_a_finding_nor_evidence(client, world, session, inspected):
    capture = upload(client, world, "inspector")
    visit = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_a.id},
                        headers=world.headers("inspector")).json()
    checklist = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in checklist["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [capture["id"]]} if c == "DUST-16"
               else {"item_code": c, "result": "pass"} for c in codes]
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))
    assert out.status_code == 422 and any(p.get("problem") == "not_a_photo" for p in out.json()["error"]["details"])
    theirs = upload(client, world, "enterprise_a")
    hazard_id = client.get(f"{API}/orders/{inspected['order_id']}",
                           headers=world.headers("enterprise_a")).json()["hazards"][0]["id"]
    evidence = client.post(f"{API}/hazards/{hazard_id}/evidence", json={"photo_ids": [theirs["id"]]},
                           headers=world.headers("enterprise_a"))
    assert evidence.status_code == 422 and evidence.json()["error"]["code"] == "unknown_photo"
