"""The checklist catalogue API, and checklist versions pinned per visit department."""

import uuid

import pytest
from sqlmodel import select

from hazards.models import Hazard
from inspection.clock import local_date
from inspection.field import visits as visit_service
from inspection.models import VisitDepartment
from inspection.types import utcnow
from tests import factories

API = "/api/v1"


# GET /checklists -----


@pytest.mark.parametrize("who", ["inspector", "enterprise_a", "office"])
def test_any_logged_in_role_lists_the_kinds_with_their_versions(client, world, who):
    response = client.get(f"{API}/checklists", headers=world.headers(who))

    assert response.status_code == 200, response.text
    body = {k["kind"]: k for k in response.json()}
    assert list(body) == ["DUST", "FCZ", "GAS"]
    assert body["GAS"]["current_version"] == 2
    assert [(v["version"], v["current"]) for v in body["GAS"]["versions"]] == [(1, False), (2, True)]
    assert [v["items"] for v in body["GAS"]["versions"]] == [24, 28]


def test_the_catalogue_needs_a_login(client):
    assert client.get(f"{API}/checklists").status_code == 401
    assert client.get(f"{API}/checklists/DUST").status_code == 401


@pytest.mark.parametrize("who", ["fire_inspector", "enterprise_b"])
def test_a_checklist_gives_every_item_with_its_basis_and_departments(client, world, who):
    response = client.get(f"{API}/checklists/FCZ", headers=world.headers(who))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["version"], body["current"], body["catalogue"]) == ("FCZ", 2, True, True)
    items = {i["code"]: i for s in body["sections"] for i in s["items"]}
    assert len(items) == 22
    exits = items["FCZ-10"]
    assert exits["departments"] == ["应急", "消防"] and exits["advisory"] is False
    assert exits["duty_basis"][0] == {"citation": "《中华人民共和国安全生产法》第四十二条第二款", "verified": True,
                                      "note": None}
    assert exits["duty_basis"][1]["verified"] is False and exits["deadline_days"] == 0
    lessor = items["FCZ-02"]
    assert lessor["level"] == "general" and lessor["major_if"] == {"lessor_industry_in": lessor["major_if"][
        "lessor_industry_in"]} and "machinery" in lessor["major_if"]["lessor_industry_in"]
    assert "第三条第（一）项" in lessor["grading_basis"]["citation"] and lessor["party"] == "landlord"
    assert items["FCZ-21"]["advisory"] is True
    assert body["retired"] == []


def test_a_gas_checklist_shows_its_retired_codes_and_conditions(client, world):
    body = client.get(f"{API}/checklists/GAS", headers=world.headers("inspector")).json()

    items = {i["code"]: i for s in body["sections"] for i in s["items"]}
    assert "GAS-24" not in items and body["retired"][0]["code"] == "GAS-24"
    assert body["retired"][0]["replaced_by"] == "GAS-25"
    assert items["GAS-29"]["applies_if"]["all"][1] == {"gas_supply_in": ["lpg"]}
    assert items["GAS-29"]["departments"] == ["消防"] and items["GAS-29"]["level"] == "major"


def test_an_older_version_on_request(client, world):
    response = client.get(f"{API}/checklists/GAS", params={"version": 1}, headers=world.headers("office"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["current"], body["catalogue"]) == (1, False, False)
    items = {i["code"]: i for s in body["sections"] for i in s["items"]}
    gas24 = items["GAS-24"]
    assert gas24["departments"] == ["应急"] and gas24["advisory"] is True  # from its retirement
    assert gas24["duty_basis"] == [] and gas24["legal_basis"].startswith("《工贸行业重大生产安全事故隐患判定标准")
    assert items["GAS-01"]["departments"] == ["住建", "应急"]


@pytest.mark.parametrize(("path", "params", "message"), [
    ("FIRE", {}, "检查表不存在：FIRE"),
    ("DUST", {"version": 9}, "检查表不存在：DUST 第9版"),
    ("dust", {}, "检查表不存在：dust"),
])
def test_unknown_kind_or_version_is_404_in_chinese(client, world, path, params, message):
    response = client.get(f"{API}/checklists/{path}", params=params, headers=world.headers("inspector"))

    assert response.status_code == 404
    assert message in response.text


def test_a_version_below_one_is_invalid_input(client, world):
    response = client.get(f"{API}/checklists/DUST", params={"version": 0}, headers=world.headers("inspector"))
    assert response.status_code == 422


# Pinned versions -----


def plan_visit(client, world, enterprise_id, kinds=None):
    body = {"enterprise_id": enterprise_id, "planned_date": str(local_date(utcnow())),
            "inspector_ids": [world.users["inspector2"].id], **({"kinds": kinds} if kinds else {})}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def link_of(session, visit_id):
    session.expire_all()
    return session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).one()


def asked(client, world, visit_id):
    response = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    sections = response.json()["sections"]
    return {s["version"] for s in sections}, {i["code"]: i for s in sections for i in s["items"]}


def submit(client, world, visit_id, codes, fails=(), photo_id=None):
    results = [{"item_code": c, "result": "fail", "note": f"{c} 不合格", "photo_ids": [photo_id] if photo_id else []}
               if c in fails else {"item_code": c, "result": "pass"} for c in codes]
    body = {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}
    return client.post(f"{API}/visits/{visit_id}/submissions", json=body, headers=world.headers("inspector"))


def test_a_new_visit_pins_the_current_version(client, world, session):
    visit_id = plan_visit(client, world, world.enterprise_a.id)

    assert link_of(session, visit_id).checklist_versions == {"DUST": 2}
    versions, items = asked(client, world, visit_id)
    assert versions == {2} and "DUST-31" in items and "DUST-25" not in items
    assert items["DUST-30"]["departments"] == ["应急"] and items["DUST-30"]["level"] == "major"


def test_a_visit_pinned_before_v2_keeps_v1_for_its_submission(client, world, session):
    visit_id = plan_visit(client, world, world.enterprise_a.id)
    link = link_of(session, visit_id)
    link.checklist_versions = {"DUST": 1}  # as a visit planned while v1 was current has it
    session.add(link)
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()

    versions, items = asked(client, world, visit_id)
    assert versions == {1} and "DUST-25" in items and not {"DUST-30", "DUST-31"} & set(items)
    assert "种类" in items["DUST-02"]["text"]
    wrong = submit(client, world, visit_id, [*items, "DUST-30"])
    assert wrong.status_code == 422 and "not_applicable_item" in wrong.text
    response = submit(client, world, visit_id, list(items), fails={"DUST-25"}, photo_id=photo.id)
    assert response.status_code == 201, response.text
    assert response.json()["checklists"] == {"DUST": 1}
    hazard = session.exec(select(Hazard).where(Hazard.visit_id == visit_id)).one()
    assert (hazard.item_code, hazard.checklist_version, hazard.level) == ("DUST-25", 1, "general")
    assert "第十一条第（九）项" in hazard.legal_basis  # v1's printed basis, as published


def test_a_visit_from_before_pinning_reads_as_v1_or_its_recorded_version(client, world, session):
    visit_id = plan_visit(client, world, world.enterprise_a.id)
    link = link_of(session, visit_id)
    link.checklist_versions = None  # a row migrated from before 0007
    session.add(link)
    session.commit()

    versions, items = asked(client, world, visit_id)
    assert versions == {1} and "DUST-25" in items
    assert submit(client, world, visit_id, list(items)).status_code == 201
    # joining it later (综合查一次) keeps what it asked and pins the new kind at the current version
    session.expire_all()
    link = link_of(session, visit_id)
    visit_service.pin_versions(session, link)
    link.kinds = ["DUST", "GAS"]
    visit_service.pin_versions(session, link)
    assert link.checklist_versions == {"DUST": 1, "GAS": 2}
    session.rollback()


def lessor_visit(client, world, session):
    visit_id = plan_visit(client, world, world.landlord.id)
    _, items = asked(client, world, visit_id)
    response = submit(client, world, visit_id, list(items), fails={"FCZ-02"})
    assert response.status_code == 201, response.text
    return session.exec(select(Hazard).where(Hazard.visit_id == visit_id)).one()


def test_a_lessor_agreement_missing_is_general_for_a_park_company(client, world, session):
    hazard = lessor_visit(client, world, session)

    assert hazard.level == "general" and "第三条" not in hazard.legal_basis


def test_a_lessor_agreement_missing_is_major_where_the_lessor_is_a_industrial_trade_enterprise(client, world, session):
    world.landlord.industry = "machinery"
    session.add(world.landlord)
    session.commit()
    _, items = asked(client, world, plan_visit(client, world, world.landlord.id))
    assert items["FCZ-02"]["level"] == "major" and "第三条第（一）项" in items["FCZ-02"]["legal_basis"]

    hazard = lessor_visit(client, world, session)

    assert hazard.level == "major" and hazard.plan_required
    assert hazard.legal_basis.endswith("《工贸企业重大事故隐患判定标准》（应急管理部令第10号）第三条第（一）项")


def test_an_unpinned_visit_submitted_in_v2_reads_as_v2(client, world, session):
    visit_id = plan_visit(client, world, world.enterprise_a.id)
    _, items = asked(client, world, visit_id)
    assert submit(client, world, visit_id, list(items)).status_code == 201
    link = link_of(session, visit_id)
    link.checklist_versions = None
    session.add(link)
    session.commit()

    versions, again = asked(client, world, visit_id)

    assert versions == {2} and set(again) == set(items)
