"""Printed documents through the API: a real visit with failures, then its order and record as PDF."""

import io
import re
import shutil
import subprocess
import uuid
from urllib.parse import quote

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader
from sqlmodel import select

from hazards.documents import render as documents
from hazards.models import Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.identity import tokens
from inspection.photos import service as photo_service
from inspection.types import utcnow
from server.media import photo_store
from server.settings import get_settings
from tests import factories

API = "/api/v1"
URL_TOKEN = re.compile(r"/portal/orders/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def codes_of(client, world, visit_id):
    response = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    return [item["code"] for section in response.json()["sections"] for item in section["items"]]


def submit(client, world, visit_id, codes, fails: dict[str, int]):
    results = [{"item_code": c, "result": "fail", "note": "", "photo_ids": [fails[c]]} if c in fails
               else {"item_code": c, "result": "pass"} for c in codes]
    body = {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}
    response = client.post(f"{API}/visits/{visit_id}/submissions", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture()
def photos(session, world):
    """Two photo rows: the first with its display file in the photo store, the second without."""
    on_disk = factories.make_photo(session, world.users["inspector"])
    missing = factories.make_photo(session, world.users["inspector"])
    session.commit()
    jpeg = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 120, 60)).save(jpeg, "JPEG")
    photo_store().put_bytes(photo_service.key_for(on_disk, photo_service.Variant.DISPLAY), jpeg.getvalue())
    return on_disk, missing


@pytest.fixture()
def inspected(client, world, photos):
    """Enterprise A visited by two certified safety inspectors; DUST-07 (major) and DUST-12 failed."""
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    codes = codes_of(client, world, visit["id"])
    out = submit(client, world, visit["id"], codes, {"DUST-07": photos[0].id, "DUST-12": photos[1].id})
    assert len(out["order_ids"]) == 1
    return {"visit_id": visit["id"], "order_id": out["order_ids"][0], "codes": codes}


def test_order_pdf_prints_the_order(client, world, session, inspected):
    response = client.get(f"{API}/orders/{inspected['order_id']}.pdf", headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    order = session.get(RectificationOrder, inspected["order_id"])
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;")
    assert f"filename*=UTF-8''{quote(f'责令限期整改指令书{order.number}.pdf', safe='')}" in disposition
    text = pdf_text(response.content)
    assert "〔" in order.number and order.number in text
    assert world.enterprise_a.name in text and world.enterprise_a.credit_code in text
    hazards = session.exec(select(Hazard).where(Hazard.enterprise_id == world.enterprise_a.id)).all()
    assert len(hazards) == 2
    for hazard in hazards:
        assert hazard.item_code in text and squash(hazard.description) in text
        assert squash(hazard.legal_basis) in text
        assert documents.cn_date(local_date(hazard.due_at)) in text
    assert "【重大事故隐患】" in text
    assert world.users["inspector"].cert_no in text and world.users["inspector2"].cert_no in text
    assert world.safety.name in text


def test_order_pdf_link_opens_this_order_in_the_portal(client, world, inspected):
    content = client.get(f"{API}/orders/{inspected['order_id']}.pdf", headers=world.headers("office")).content
    text = pdf_text(content)
    settings = get_settings()
    match = URL_TOKEN.search(text)
    assert match is not None
    assert squash(documents.short_url(settings.public_base_url)) + match.group(0) in text
    payload = tokens.verify(settings.secret_key, "order", match.group(1), now=utcnow())
    assert payload["o"] == inspected["order_id"]
    with pytest.raises(Exception, match="invalid"):
        tokens.verify(settings.secret_key, "plaque", match.group(1), now=utcnow())
    # the QR code is exactly the code of the full URL
    url = f"{settings.public_base_url.rstrip('/')}{match.group(0)}"
    qr = [img.image for page in PdfReader(io.BytesIO(content)).pages for img in page.images]
    expected = Image.open(io.BytesIO(documents.qr_png(url))).convert("L")
    assert len(qr) == 1 and ImageChops.difference(qr[0].convert("L"), expected).getbbox() is None


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler-utils/zbar missing")
def test_order_pdf_qr_code_scans(client, world, inspected, tmp_path):
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(client.get(f"{API}/orders/{inspected['order_id']}.pdf", headers=world.headers("office")).content)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)
    found = subprocess.run(["zbarimg", "-q", "--raw", *sorted(str(p) for p in tmp_path.glob("page*.png"))],
                           capture_output=True, text=True).stdout.split()
    assert len(found) == 1 and found[0].endswith(f"/portal/orders/{URL_TOKEN.search(found[0]).group(1)}")
    payload = tokens.verify(get_settings().secret_key, "order", URL_TOKEN.search(found[0]).group(1), now=utcnow())
    assert payload["o"] == inspected["order_id"]


def test_visit_pdf_prints_every_result_and_the_photos(client, world, inspected, photos):
    response = client.get(f"{API}/visits/{inspected['visit_id']}.pdf", headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" + quote("现场检查记录", safe="") in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert f"{world.safety.name}检查情况" in text
    for code in inspected["codes"]:
        assert code in text
    assert f"验证码{photos[0].verify_code}" in text
    assert f"照片文件缺失（验证码{photos[1].verify_code}）" in text
    assert "被检查单位负责人（签名）" in text
    pictures = [img for page in PdfReader(io.BytesIO(response.content)).pages for img in page.images]
    assert len(pictures) == 1


def test_joint_visit_pdf_prints_each_departments_own_record(client, world, session, photos):
    """Each department submits its own part; the visit's PDF prints each part's own record, one after the other,
    each with its department's section and its own order."""
    tenant = world.tenants[0]
    tenant.dust_involved, tenant.dust_kind = True, "wood"
    session.add(tenant)
    session.commit()
    people = [world.users[n].id for n in ("inspector", "inspector2", "fire_inspector", "fire_inspector2")]
    body = {"enterprise_id": tenant.id, "inspector_ids": people, "source": "joint",
            "departments": [{"department_id": world.safety.id, "kinds": ["DUST"]},
                            {"department_id": world.fire.id, "kinds": ["FCZ"]}]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("office"))
    assert visit.status_code == 201, visit.text
    visit_id = visit.json()["id"]
    submit(client, world, visit_id, codes_of(client, world, visit_id), {"DUST-12": photos[0].id})
    fire = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers("fire_inspector")).json()
    items = [item for section in fire["sections"] for item in section["items"]]
    fire_code = next(i["code"] for i in items if i["departments"] == ["消防"] and not i["advisory"])
    results = [{"item_code": i["code"], "result": "fail", "photo_ids": [photos[1].id]} if i["code"] == fire_code
               else {"item_code": i["code"], "result": "pass"} for i in items if not i["answered_by_department_id"]]
    response = client.post(f"{API}/visits/{visit_id}/submissions", headers=world.headers("fire_inspector"),
                           json={"client_uuid": str(uuid.uuid4()), "results": results})
    assert response.status_code == 201, response.text
    text = pdf_text(client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("office")).content)
    assert f"一、{world.safety.name}检查情况" in text and f"一、{world.fire.name}检查情况" in text
    assert text.index("DUST-12") < text.index(f"一、{world.fire.name}") < text.index(fire_code)
    assert text.index("应急检记〔") < text.index("消检记〔")
    numbers = [o.number for o in session.exec(select(RectificationOrder).order_by(RectificationOrder.id))]
    assert len(numbers) == 2 and all(n in text for n in numbers)
    assert "已出具责令限期整改指令书" in text and "已出具责令改正通知书" in text
    assert world.users["fire_inspector"].cert_no in text


def test_enterprises_see_only_their_own_documents(client, world, inspected):
    order_url = f"{API}/orders/{inspected['order_id']}.pdf"
    visit_url = f"{API}/visits/{inspected['visit_id']}.pdf"
    for url in (order_url, visit_url):
        other = client.get(url, headers=world.headers("enterprise_b"))
        assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
        own = client.get(url, headers=world.headers("enterprise_a"))
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
        assert client.get(url).status_code == 401
    assert client.get(f"{API}/orders/999999.pdf", headers=world.headers("office")).status_code == 404
    assert client.get(f"{API}/visits/999999.pdf", headers=world.headers("office")).status_code == 404


def test_the_json_routes_still_answer_beside_the_pdf_ones(client, world, inspected):
    assert client.get(f"{API}/visits/{inspected['visit_id']}", headers=world.headers("inspector")).status_code == 200


def test_reinspection_record_prints_as_the_reinspection_form(client, world, session, inspected):
    hazards = {h.item_code: h.id for h in session.exec(select(Hazard)).all()}
    body = {"co_inspector_id": world.users["inspector2"].id,
            "items": [{"hazard_id": hazards["DUST-12"], "outcome": "rectified"},
                      {"hazard_id": hazards["DUST-07"], "outcome": "not_rectified"}]}
    review = client.post(f"{API}/orders/{inspected['order_id']}/reinspection", json=body,
                         headers=world.headers("inspector"))
    assert review.status_code == 201, review.text
    record = review.json()
    response = client.get(f"{API}/orders/{record['id']}.pdf", headers=world.headers("enterprise_a"))
    assert response.status_code == 200
    assert quote("整改复查意见书", safe="") in response.headers["content-disposition"]
    text = pdf_text(response.content)
    basis = session.get(RectificationOrder, inspected["order_id"]).number
    assert "整改复查意见书" in text and record["number"] in text and f"复查依据：责令限期整改指令书{basis}" in text
    assert text.index("DUST-07") < text.index("DUST-12")  # the order's sequence
    for expected in ("已整改", "未整改", "核销", "立案处罚", world.enterprise_a.name,
                     world.users["inspector"].cert_no, world.users["inspector2"].cert_no):
        assert expected in text
    assert client.get(f"{API}/orders/{record['id']}.pdf", headers=world.headers("enterprise_b")).status_code == 404


def test_reinspection_loader_refuses_outcomes_it_cannot_print(session, inspected):
    from hazards.documents import data as documents_data
    from inspection.errors import InvalidInput

    hazard_ids = [h.id for h in session.exec(select(Hazard).order_by(Hazard.id))]
    args = {"number": "（新北）应急复查〔2026〕0001号", "reinspected_at": utcnow(), "inspector_ids": []}
    cases = [({}, "no_outcomes"), ({hazard_ids[0]: "fixed"}, "unknown_state"),
             ({hazard_ids[0]: {"state": "rectified", "next_step": "forgive"}}, "unknown_next_step"),
             ({999999: "rectified"}, "not_in_order")]
    for outcomes, problem in cases:
        with pytest.raises(InvalidInput) as raised:
            documents_data.load_reinspection_document(session, inspected["order_id"], outcomes, **args)
        assert problem in [p["problem"] for p in raised.value.details], outcomes
    data = documents_data.load_reinspection_document(
        session, inspected["order_id"], {str(hazard_ids[1]): {"state": "unsatisfactory", "next_step": "extend",
                                                               "note": "仍有积尘"}}, **args)
    assert [(i.state, i.next_step, i.note) for i in data.items] == [("unsatisfactory", "extend", "仍有积尘")]


def test_visit_pdf_embeds_uploaded_photos_and_the_signature(client, world):
    def upload(image: Image.Image, fmt: str, content_type: str, purpose: str | None = None) -> dict:
        data = io.BytesIO()
        image.save(data, fmt)
        response = client.post(f"{API}/photos", files={"file": (f"p.{fmt.lower()}", data.getvalue(), content_type)},
                               data={"client_uuid": str(uuid.uuid4()), **({"purpose": purpose} if purpose else {})},
                               headers=world.headers("inspector"))
        assert response.status_code == 201, response.text
        return response.json()

    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit_id = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()["id"]
    photo = upload(Image.new("RGB", (1600, 1200), (40, 120, 200)), "JPEG", "image/jpeg")
    submit(client, world, visit_id, codes_of(client, world, visit_id), {"DUST-12": photo["id"]})
    signature = upload(Image.new("RGB", (900, 300), (250, 250, 250)), "PNG", "image/png", purpose="signature")
    signed = client.post(f"{API}/visits/{visit_id}/signature", json={"photo_id": signature["id"]},
                         headers=world.headers("inspector"))
    assert signed.status_code == 200, signed.text
    content = client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("enterprise_a")).content
    text = pdf_text(content)
    assert f"DUST-12照片验证码{photo['verify_code']}" in text and "照片文件缺失" not in text
    assert "被检查单位负责人（签名）：______________" not in text
    names = [{img.name for img in page.images} for page in PdfReader(io.BytesIO(content)).pages]
    assert set.intersection(*names)  # the signature stamped on every page
    assert len(set.union(*names)) >= 2  # and the photo
