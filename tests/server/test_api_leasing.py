"""工业厂房出租“先验后批” end to end: application → pre-lease inspection → approval → tenancy; refusals by rule;
the opinion PDF marked as a local practice; bad input answered with a clear 4xx."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from hazards.models import Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.field import checklists
from inspection.models import User
from inspection.types import utcnow
from schemas.enums import HazardStatus, Role
from tests import factories

API = "/api/v1"


@pytest.fixture()
def lease(session, world):
    """The landlord's login, and a registered enterprise wanting to rent (dust-involved, wood)."""
    factories.make_user(session, "landlord_user", Role.ENTERPRISE, enterprise_id=world.landlord.id)
    tenant = factories.make_enterprise(session, name="新来木业有限公司", industry="woodworking", dust_involved=True,
                                       dust_kind="wood")
    session.commit()
    world.users["landlord_user"] = session.exec(select(User).where(User.username == "landlord_user")).one()
    return tenant


def application(world, tenant, **overrides):
    today = local_date(utcnow())
    body = {"site_id": world.site.id, "tenant_credit_code": tenant.credit_code, "unit": "2号楼3层", "area_m2": 600,
            "intended_use": "电子元件组装", "term_start": str(today), "term_end": str(today + timedelta(days=730))}
    body.update(overrides)
    return body


def file(client, world, body, who="landlord_user"):
    return client.post(f"{API}/lease-applications", json=body, headers=world.headers(who))


def schedule(client, world, application_id):
    body = {"department_id": world.safety.id, "inspector_ids": [world.users["inspector"].id,
                                                                world.users["inspector2"].id]}
    return client.post(f"{API}/lease-applications/{application_id}/inspection", json=body,
                       headers=world.headers("office"))


def inspect(client, world, visit_id, fails=(), photo_id=None):
    sections = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers("inspector")).json()
    codes = [item["code"] for section in sections["sections"] for item in section["items"]]
    results = [{"item_code": c, "result": "fail", "note": f"{c} 不合格", "photo_ids": [photo_id] if photo_id else []}
               if c in fails else {"item_code": c, "result": "pass"} for c in codes]
    body = {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}
    response = client.post(f"{API}/visits/{visit_id}/submissions", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return codes


def decide(client, world, application_id, verb, body, who="inspector"):
    return client.post(f"{API}/lease-applications/{application_id}/{verb}", json=body, headers=world.headers(who))


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_application_inspection_approval_and_tenancy_end_to_end(client, world, session, lease):
    filed = file(client, world, application(world, lease))
    assert filed.status_code == 201, filed.text
    app = filed.json()
    assert (app["status"], app["inspection"], app["lessor_id"]) == ("filed", "none", world.landlord.id)
    assert "不是行政许可" in app["local_practice_notice"]
    early = decide(client, world, app["id"], "approve", {})
    assert early.status_code == 409 and early.json()["error"]["code"] == "inspection_not_passed"

    scheduled = schedule(client, world, app["id"])
    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json()["inspection"] == "scheduled"
    codes = inspect(client, world, scheduled.json()["visit_id"])
    pre_lease = [i.code for i in checklists.latest("FCZ").items if i.pre_lease]
    assert codes == pre_lease  # the pre-lease subset only: no dust in this use, so no DUST items

    office = decide(client, world, app["id"], "approve", {}, who="office")
    assert office.status_code == 403 and office.json()["error"]["code"] == "not_the_approving_body"
    approved = decide(client, world, app["id"], "approve", {"conditions": ["入驻前签订安全生产管理协议"]})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["inspection"], body["conditions"]) == ("approved", "passed",
                                                                        ["入驻前签订安全生产管理协议"])
    rows = client.get(f"{API}/plant-sites/{world.site.id}/tenancies", headers=world.headers("office")).json()
    tenancy = next(t for t in rows if t["id"] == body["tenancy_id"])
    assert (tenancy["enterprise_id"], tenancy["unit"], tenancy["start_date"], tenancy["end_date"]) == \
           (lease.id, "2号楼3层", app["term_start"], app["term_end"])
    twice = decide(client, world, app["id"], "refuse", {"reasons": ["改变主意"]})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "lease_decided"


def test_failed_items_are_the_lessors_hazards_and_block_approval_until_closed(client, world, session, lease):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    app = file(client, world, application(world, lease, combustible_dust=True)).json()
    visit_id = schedule(client, world, app["id"]).json()["visit_id"]
    codes = inspect(client, world, visit_id, fails={"FCZ-10", "FCZ-02"}, photo_id=photo.id)
    assert "DUST-01" in codes  # the use involves dust: the dust items are asked too
    hazards = session.exec(select(Hazard).where(Hazard.visit_id == visit_id)).all()
    assert {(h.enterprise_id, h.party.value) for h in hazards} == {(world.landlord.id, "landlord")}
    assert len(hazards) == 2  # FCZ-10 concerns both sides, but the tenant has not moved in: the lessor alone
    orders = session.exec(select(RectificationOrder).where(RectificationOrder.visit_id == visit_id)).all()
    assert [o.enterprise_id for o in orders] == [world.landlord.id]
    state = client.get(f"{API}/lease-applications/{app['id']}", headers=world.headers("landlord_user")).json()
    assert state["inspection"] == "failed" and sorted(state["open_hazard_ids"]) == sorted(h.id for h in hazards)
    refused = decide(client, world, app["id"], "approve", {})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "inspection_not_passed"
    for hazard in hazards:  # rectified and reviewed (the loop's own tests walk that path)
        hazard.status, hazard.closed_at = HazardStatus.CLOSED, utcnow()
        session.add(hazard)
    session.commit()
    assert decide(client, world, app["id"], "approve", {}).status_code == 200


def test_a_refusal_rule_of_the_data_forces_refusal_with_its_source(client, world, session, lease):
    body = application(world, lease, combustible_dust=True, building_frame=False, building_storeys=3)
    app = file(client, world, body).json()
    assert [r["code"] for r in app["refusal_rules"]] == ["LEASE-R01"]
    assert app["refusal_rules"][0]["item"] == "DUST-01" and "GB 15577" in app["refusal_rules"][0]["citation"]
    visit_id = schedule(client, world, app["id"]).json()["visit_id"]
    inspect(client, world, visit_id)
    approve = decide(client, world, app["id"], "approve", {})
    assert approve.status_code == 409 and approve.json()["error"]["code"] == "refusal_rule_applies"
    refused = decide(client, world, app["id"], "refuse", {"reasons": ["三层砖混结构厂房"]})
    assert refused.status_code == 200, refused.text
    reasons = refused.json()["reasons"]
    assert reasons[0]["reason"] == "三层砖混结构厂房" and reasons[1]["code"] == "LEASE-R01"
    assert "GB 15577-2018" in reasons[1]["source"]
    pdf = client.get(f"{API}/lease-applications/{app['id']}/opinion.pdf", headers=world.headers("landlord_user"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "出租前安全检查意见" in text and "非行政许可" in text and "不同意出租" in text
    assert "涉爆粉尘作业不得设置在非框架结构的多层厂房内" in text


def test_refusing_needs_a_reason_unless_a_rule_gives_one(client, world, lease):
    app = file(client, world, application(world, lease)).json()
    bare = decide(client, world, app["id"], "refuse", {"reasons": ["  "]})
    assert bare.status_code == 422 and bare.json()["error"]["code"] == "reason_required"


def test_an_approval_overlapping_a_tenancy_of_the_same_tenant_and_unit_is_409(client, world, session, lease):
    existing = client.post(f"{API}/plant-sites/{world.site.id}/tenancies",
                           json={"enterprise_id": lease.id, "unit": "2号楼3层"}, headers=world.headers("office"))
    assert existing.status_code == 201
    app = file(client, world, application(world, lease)).json()
    inspect(client, world, schedule(client, world, app["id"]).json()["visit_id"])
    clash = decide(client, world, app["id"], "approve", {})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "tenancy_overlaps"
    assert client.get(f"{API}/lease-applications/{app['id']}",
                      headers=world.headers("office")).json()["status"] == "filed"


@pytest.mark.parametrize(("code", "expected"), [("91320411MA1234567X", "invalid_credit_code"),
                                                ("not-a-code", "invalid_credit_code"),
                                                (factories.credit_code(987654), "unknown_tenant")])
def test_a_malformed_or_unregistered_tenant_credit_code_is_422(client, world, lease, code, expected):
    response = file(client, world, application(world, lease, tenant_credit_code=code))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == expected


def test_a_term_ending_before_it_starts_is_422(client, world, lease):
    response = file(client, world, application(world, lease, term_start="2027-01-01", term_end="2026-12-31"))
    assert response.status_code == 422


def test_only_the_lessor_files_and_each_enterprise_sees_only_its_own(client, world, session, lease):
    stranger = file(client, world, application(world, lease), who="enterprise_a")
    assert stranger.status_code == 404
    app = file(client, world, application(world, lease)).json()
    mine = client.get(f"{API}/lease-applications", headers=world.headers("landlord_user")).json()
    assert [a["id"] for a in mine["items"]] == [app["id"]]
    theirs = client.get(f"{API}/lease-applications", headers=world.headers("enterprise_a")).json()
    assert theirs["total"] == 0
    assert client.get(f"{API}/lease-applications/{app['id']}", headers=world.headers("enterprise_a")).status_code == 404


def test_a_pre_lease_visit_is_never_made_through_the_ordinary_visit_api(client, world):
    body = {"enterprise_id": world.landlord.id, "source": "lease"}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "lease_visit_from_application"


def test_the_opinion_waits_for_the_inspection(client, world, lease):
    app = file(client, world, application(world, lease)).json()
    response = client.get(f"{API}/lease-applications/{app['id']}/opinion.pdf", headers=world.headers("office"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "inspection_not_done"


def test_a_park_designated_as_approving_body_decides_through_its_own_accounts(client, world, session, lease,
                                                                               monkeypatch):
    from hazards.leasing.program import ApprovingBody
    from server.routes import leasing as leasing_routes

    park = factories.make_enterprise(session, name="新北高新园区管理办公室", industry="property")
    factories.make_user(session, "park_user", Role.ENTERPRISE, enterprise_id=park.id)
    session.commit()
    world.users["park_user"] = session.exec(select(User).where(User.username == "park_user")).one()
    body = ApprovingBody(kind="park", name="新北高新园区管理办公室", credit_code=park.credit_code)
    monkeypatch.setattr(leasing_routes, "approving_body", lambda: body)
    app = file(client, world, application(world, lease), who="park_user").json()  # the park files for the lessor
    assert app["approver_kind"] == "park" and app["lessor_id"] == world.landlord.id
    inspect(client, world, schedule(client, world, app["id"]).json()["visit_id"])
    assert decide(client, world, app["id"], "approve", {}, who="inspector").status_code == 403
    assert decide(client, world, app["id"], "approve", {}, who="park_user").status_code == 200


@pytest.mark.parametrize("value", [{"kind": "office", "name": "安委办"}, {"kind": "department", "name": "x"},
                                   {"kind": "park", "name": "园区"}, {"kind": "street", "name": "街道", "extra": "1"}])
def test_the_approving_body_setting_refuses_the_office_and_incomplete_bodies(value):
    from pydantic import ValidationError

    from server.settings import Settings

    with pytest.raises(ValidationError):
        Settings(lease_approver=value)
