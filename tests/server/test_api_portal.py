"""The enterprise portal's order link (no account), visit ratings, and the pages the app serves."""

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

import server.pages
from hazards.documents.data import order_token
from hazards.documents.links import link_username
from hazards.models import Evidence, Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.field import qr
from inspection.identity import tokens
from inspection.models import User
from inspection.types import utcnow
from server.settings import get_settings
from tests import factories

API = "/api/v1"


def _jpeg(colour=(200, 60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def _visit_with_failures(client, world, session, fails, enterprise=None):
    enterprise = enterprise or world.enterprise_a
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    body = {"enterprise_id": enterprise.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    sections = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    codes = [i["code"] for s in sections["sections"] for i in s["items"]]
    results = [{"item_code": c, "result": "fail", "photo_ids": [photo.id]} if c in fails
               else {"item_code": c, "result": "pass"} for c in codes]
    out = client.post(f"{API}/visits/{visit['id']}/submissions",
                      json={"client_uuid": str(uuid.uuid4()), "results": results}, headers=world.headers("inspector"))
    assert out.status_code == 201, out.text
    return {**out.json(), "before_photo_id": photo.id}


@pytest.fixture()
def order(client, world, session):
    """An order for enterprise A with one general hazard (DUST-12), and its printed link token."""
    out = _visit_with_failures(client, world, session, {"DUST-12"})
    row = session.get(RectificationOrder, out["order_ids"][0])
    return {"id": row.id, "hazard_id": out["hazard_ids"][0], "visit_id": out["visit_id"],
            "token": order_token(get_settings().secret_key, row), "before_photo_id": out["before_photo_id"]}


def _upload(client, token, content=None):
    files = {"file": ("after.jpg", content or _jpeg(), "image/jpeg")}
    return client.post(f"{API}/portal/orders/{token}/photos", data={"client_uuid": str(uuid.uuid4())}, files=files)


def test_the_link_opens_its_order_with_deadlines_and_no_account(client, order):
    response = client.get(f"{API}/portal/orders/{order['token']}")
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["id"] == order["id"] and out["enterprise_name"] == "甲铝业有限公司"
    hazard = out["hazards"][0]
    assert hazard["item_code"] == "DUST-12" and hazard["days_left"] == 15 and hazard["evidence"] == []
    assert out["pdf_url"] == f"{API}/portal/orders/{order['token']}/order.pdf"
    assert out["link_expires_at"] is not None


def test_forged_expired_and_plaque_tokens_are_refused(client, world, order):
    secret = get_settings().secret_key
    forged = order["token"][:-2] + ("AA" if not order["token"].endswith("AA") else "BB")
    assert client.get(f"{API}/portal/orders/{forged}").json()["error"]["code"] == "invalid_token"
    expired = tokens.sign(secret, "order", {"o": order["id"]}, expires_at=utcnow() - timedelta(days=1))
    response = client.get(f"{API}/portal/orders/{expired}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "expired_token"
    plaque = qr.plaque_token(secret, qr.PlaqueKind.ENTERPRISE, world.enterprise_a.id)
    assert client.get(f"{API}/portal/orders/{plaque}").status_code == 404


def test_evidence_through_the_link_submits_the_hazard(client, world, session, order):
    photo = _upload(client, order["token"])
    assert photo.status_code == 201, photo.text
    evidence = client.post(f"{API}/portal/orders/{order['token']}/hazards/{order['hazard_id']}/evidence",
                           json={"note": "已清扫积尘", "photo_ids": [photo.json()["id"]]})
    assert evidence.status_code == 201, evidence.text
    session.rollback()  # a fresh snapshot: the app committed in its own session
    assert session.get(Hazard, order["hazard_id"]).status == "submitted"
    link_user = session.exec(select(User).where(User.username == link_username(world.enterprise_a.id))).one()
    assert link_user.is_active is False
    assert session.get(Evidence, evidence.json()["id"]).submitted_by == link_user.id
    shown = client.get(f"{API}/portal/orders/{order['token']}").json()["hazards"][0]
    assert shown["status"] == "submitted" and shown["evidence"][0]["note"] == "已清扫积尘"
    # the office reviews it like any evidence
    assert client.post(f"{API}/hazards/{order['hazard_id']}/accept", json={},
                       headers=world.headers("office")).json()["status"] == "closed"


def test_the_link_reaches_its_own_order_only(client, world, session, order):
    other = _visit_with_failures(client, world, session, {"DUST-14"})
    photo = _upload(client, order["token"]).json()
    response = client.post(f"{API}/portal/orders/{order['token']}/hazards/{other['hazard_ids'][0]}/evidence",
                           json={"photo_ids": [photo["id"]]})
    assert response.status_code == 404
    client.post(f"{API}/portal/orders/{order['token']}/hazards/{order['hazard_id']}/evidence",
                json={"photo_ids": [photo["id"]]})
    thumb = client.get(f"{API}/portal/orders/{order['token']}/photos/{photo['id']}")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert client.get(f"{API}/portal/orders/{order['token']}/photos/{photo['id']}",
                      params={"variant": "original"}).status_code == 422
    foreign = client.get(f"{API}/portal/orders/{order['token']}/photos/{other['before_photo_id']}")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"


def test_the_link_serves_the_order_pdf_and_takes_an_extension_request(client, order):
    pdf = client.get(f"{API}/portal/orders/{order['token']}/order.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    wanted = local_date(utcnow() + timedelta(days=40))
    ext = client.post(f"{API}/portal/orders/{order['token']}/hazards/{order['hazard_id']}/extensions",
                      json={"reason": "设备订货周期长", "requested_due_date": str(wanted)})
    assert ext.status_code == 201, ext.text
    shown = client.get(f"{API}/portal/orders/{order['token']}").json()["hazards"][0]
    assert shown["extensions"][0]["status"] == "pending"


def test_hazard_extensions_are_listed_for_the_enterprise_and_staff(client, world, order):
    wanted = local_date(utcnow() + timedelta(days=40))
    client.post(f"{API}/hazards/{order['hazard_id']}/extensions",
                json={"reason": "设备订货周期长", "requested_due_date": str(wanted)},
                headers=world.headers("enterprise_a"))
    for who in ("enterprise_a", "inspector"):
        rows = client.get(f"{API}/hazards/{order['hazard_id']}/extensions", headers=world.headers(who)).json()
        assert [r["requested_due_date"] for r in rows] == [str(wanted)]
    assert client.get(f"{API}/hazards/{order['hazard_id']}/extensions",
                      headers=world.headers("enterprise_b")).status_code == 404


def test_the_link_user_cannot_log_in(client, world, order):
    _upload(client, order["token"])
    response = client.post(f"{API}/auth/token", data={"username": link_username(world.enterprise_a.id),
                                                      "password": "!"})
    assert response.status_code == 401


# --- ratings ------------------------------------------------------------------------------------------------------

def test_enterprise_rates_a_visit_once_and_the_office_sees_it(client, world, order):
    visit_id = order["visit_id"]
    rated = client.post(f"{API}/visits/{visit_id}/rating", json={"score": 4, "comment": "检查细致"},
                        headers=world.headers("enterprise_a"))
    assert rated.status_code == 201, rated.text
    assert rated.json()["inspector_names"] == ["inspector", "inspector2"]
    again = client.post(f"{API}/visits/{visit_id}/rating", json={"score": 1}, headers=world.headers("enterprise_a"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    assert client.post(f"{API}/visits/{visit_id}/rating", json={"score": 5},
                       headers=world.headers("enterprise_b")).status_code == 404
    assert client.post(f"{API}/visits/{visit_id}/rating", json={"score": 5},
                       headers=world.headers("inspector")).status_code == 403
    office = client.get(f"{API}/ratings", headers=world.headers("office")).json()
    assert office["total"] == 1 and office["mean_score"] == 4.0 and office["items"][0]["comment"] == "检查细致"
    assert client.get(f"{API}/ratings", headers=world.headers("inspector2")).json()["total"] == 1
    assert client.get(f"{API}/ratings", headers=world.headers("fire_inspector")).json()["total"] == 0
    assert client.get(f"{API}/ratings", headers=world.headers("enterprise_b")).json()["total"] == 0
    assert client.get(f"{API}/visits/{visit_id}/rating", headers=world.headers("enterprise_a")).json()["score"] == 4


def test_a_visit_not_yet_submitted_cannot_be_rated(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()
    response = client.post(f"{API}/visits/{visit['id']}/rating", json={"score": 3},
                           headers=world.headers("enterprise_a"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "visit_not_submitted"
    assert client.post(f"{API}/visits/{visit['id']}/rating", json={"score": 6},
                       headers=world.headers("enterprise_a")).status_code == 422


# --- pages ----------------------------------------------------------------------------------------------------------

def test_the_three_faces_are_served_with_a_same_origin_policy(client):
    for path in ("/app/", "/portal/", "/office/", "/portal/orders/whatever"):
        page = client.get(path)
        assert page.status_code == 200 and "<html lang=\"zh-CN\">" in page.text, path
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "http" not in page.text.replace("http-equiv", ""), f"{path} must not load anything from elsewhere"
    assert client.get("/app/sw.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/app/manifest.webmanifest").json()["start_url"] == "/app/"


def test_a_plaque_scanned_with_the_phone_camera_opens_the_app(client):
    response = client.get("/q/some.token", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/app/#/scan/some.token"


def test_the_service_worker_keeps_every_file_the_app_needs_offline():
    static = Path(server.pages.STATIC)
    sw = (static / "app" / "sw.js").read_text(encoding="utf-8")
    needed = {f"/app/{p.relative_to(static / 'app').as_posix()}" for p in (static / "app").rglob("*")
              if p.suffix in {".js", ".webmanifest", ".svg"}}  # vendor/ too: the camera's QR reader
    for module in (static / "app").glob("*.js"):
        needed |= set(re.findall(r'from "(/static/[\w.]+)"', module.read_text(encoding="utf-8")))
    missing = [path for path in sorted(needed - {"/app/sw.js"}) if f'"{path}"' not in sw]
    assert missing == []
