"""厂中厂 decided by the server (issue 18): who a failed item charges comes from the checklist item and the
tenancies current on the visit's day, never from the phone; `both` gives linked hazards, each with its own order."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from hazards.models import Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.models import PlantSiteTenant
from inspection.types import utcnow
from tests import factories

API = "/api/v1"


@pytest.fixture()
def photo(session, world):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    return photo


def open_visit(client, world, enterprise):
    body = {"enterprise_id": enterprise.id, "inspector_ids": [world.users["inspector2"].id]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()


def codes_of(client, world, visit):
    sections = client.get(f"{API}/visits/{visit['id']}/checklist", headers=world.headers("inspector")).json()
    return [item["code"] for section in sections["sections"] for item in section["items"]]


def submit(client, world, visit, fails, photo, **overrides):
    results = []
    for code in codes_of(client, world, visit):
        if code in fails:
            result = {"item_code": code, "result": "fail", "note": f"{code} 不合格", "photo_ids": [photo.id]}
            result.update(overrides.get(code, {}))
            results.append(result)
        else:
            results.append({"item_code": code, "result": "pass"})
    body = {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}
    return client.post(f"{API}/visits/{visit['id']}/submissions", json=body, headers=world.headers("inspector"))


def charged(session):
    return sorted((h.enterprise_id, h.party.value) for h in session.exec(select(Hazard)).all())


def test_a_both_item_at_a_tenants_visit_charges_both_without_the_phone_saying_so(client, world, session, photo):
    tenant = world.tenants[0]
    response = submit(client, world, open_visit(client, world, tenant), {"FCZ-10"}, photo)
    assert response.status_code == 201, response.text
    assert charged(session) == sorted([(tenant.id, "tenant"), (world.landlord.id, "landlord")])
    hazards = session.exec(select(Hazard)).all()
    assert {h.linked_hazard_id for h in hazards} == {h.id for h in hazards}
    orders = session.exec(select(RectificationOrder)).all()
    assert sorted(o.enterprise_id for o in orders) == sorted([tenant.id, world.landlord.id])  # one each


def test_a_both_item_at_the_landlords_visit_also_charges_every_current_tenant(client, world, session, photo):
    response = submit(client, world, open_visit(client, world, world.landlord), {"FCZ-10"}, photo)
    assert response.status_code == 201, response.text
    expected = [(world.landlord.id, "landlord")] + [(t.id, "tenant") for t in world.tenants]
    assert charged(session) == sorted(expected)
    landlord_hazard = next(h for h in session.exec(select(Hazard)).all() if h.party == "landlord")
    tenant_hazards = [h for h in session.exec(select(Hazard)).all() if h.party == "tenant"]
    assert all(h.linked_hazard_id == landlord_hazard.id for h in tenant_hazards)
    orders = session.exec(select(RectificationOrder)).all()
    assert sorted(o.enterprise_id for o in orders) == sorted(e for e, _ in expected)  # each party its own order


def test_only_tenancies_current_on_the_visit_day_count(client, world, session, photo):
    ended, upcoming = world.tenants[1], world.tenants[2]
    yesterday = local_date(utcnow()) - timedelta(days=1)
    for tenancy in session.exec(select(PlantSiteTenant)).all():
        if tenancy.enterprise_id == ended.id:
            tenancy.start_date, tenancy.end_date = yesterday - timedelta(days=300), yesterday
        if tenancy.enterprise_id == upcoming.id:
            tenancy.start_date = yesterday + timedelta(days=10)
        session.add(tenancy)
    session.commit()
    response = submit(client, world, open_visit(client, world, world.landlord), {"FCZ-10"}, photo)
    assert response.status_code == 201, response.text
    assert charged(session) == sorted([(world.landlord.id, "landlord"), (world.tenants[0].id, "tenant")])


def test_a_lessors_item_charges_the_landlord_and_a_tenants_item_the_tenant(client, world, session, photo):
    """(FCZ-17: an item of both sides that 应急 enforces; a 消防 item found by 应急 is referred, issue 16.)"""
    tenant = world.tenants[0]
    response = submit(client, world, open_visit(client, world, tenant), {"FCZ-20", "FCZ-17"}, photo)
    assert response.status_code == 201, response.text
    assert charged(session) == sorted([(tenant.id, "tenant"), (tenant.id, "tenant"),
                                       (world.landlord.id, "landlord")])
    landlord_visit = open_visit(client, world, world.landlord)
    assert "FCZ-20" not in codes_of(client, world, landlord_visit)  # the tenant's own duty is asked at the tenant


@pytest.mark.parametrize(("code", "party"), [("FCZ-20", "landlord"), ("FCZ-20", "both"), ("FCZ-10", "self")])
def test_a_phone_party_that_disagrees_with_the_item_is_422(client, world, session, photo, code, party):
    response = submit(client, world, open_visit(client, world, world.tenants[0]), {code}, photo,
                      **{code: {"party": party}})
    assert response.status_code == 422
    problems = response.json()["error"]["details"]
    assert [p["problem"] for p in problems] == ["party_disagrees"] and "责任方由检查项决定" in problems[0]["message"]
    assert session.exec(select(Hazard)).all() == []


def test_a_both_item_is_narrowed_to_one_side_only_with_a_reason(client, world, session, photo):
    visit = open_visit(client, world, world.tenants[0])
    bare = submit(client, world, visit, {"FCZ-10"}, photo, **{"FCZ-10": {"party": "tenant", "note": ""}})
    assert bare.status_code == 422
    assert bare.json()["error"]["details"][0]["problem"] == "party_narrowing_needs_reason"
    narrowed = submit(client, world, visit, {"FCZ-10"}, photo,
                      **{"FCZ-10": {"party": "tenant", "note": "承租方自行堆放货物堵塞其车间出口，与出租方无关"}})
    assert narrowed.status_code == 201, narrowed.text
    assert charged(session) == [(world.tenants[0].id, "tenant")]


def test_a_start_at_a_plant_site_is_measured_to_the_site(client, world, session):
    tenant = world.tenants[0]
    tenant.latitude, tenant.longitude = 31.90, 119.90  # the registered address, kilometres away
    session.add(tenant)
    session.commit()
    visit = open_visit(client, world, tenant)
    started = client.post(f"{API}/visits/{visit['id']}/start",
                          json={"latitude": world.site.latitude, "longitude": world.site.longitude},
                          headers=world.headers("inspector"))
    assert started.status_code == 200, started.text
    assert started.json()["start_distance_m"] == 0 and not started.json()["far_from_site"]
