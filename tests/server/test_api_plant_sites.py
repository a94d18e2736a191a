"""Plant sites (厂中厂): one landlord, many tenants, seen from both sides and only by those involved."""

import pytest

from tests import factories

API = "/api/v1"


def ids(refs):
    return [ref["id"] for ref in refs]


def new_site(world, **overrides):
    body = {"name": "新建厂中厂", "street": "三井街道", "landlord_id": world.enterprise_a.id,
            "tenant_ids": [world.enterprise_b.id]}
    body.update(overrides)
    return body


def test_site_lists_its_landlord_and_tenants(client, world):
    response = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("inspector"))
    assert response.status_code == 200
    body = response.json()
    assert body["landlord"]["id"] == world.landlord.id
    assert ids(body["tenants"]) == [t.id for t in world.tenants]


def test_landlord_sees_the_site_as_landlord(client, world):
    response = client.get(f"{API}/enterprises/{world.landlord.id}/plant-sites", headers=world.headers("office"))
    assert response.status_code == 200
    body = response.json()
    assert ids(body["as_landlord"]) == [world.site.id] and body["as_tenant"] == []


def test_tenant_sees_the_site_as_tenant(client, world):
    response = client.get(f"{API}/enterprises/{world.tenants[1].id}/plant-sites",
                          headers=world.headers("inspector"))
    body = response.json()
    assert body["as_landlord"] == [] and ids(body["as_tenant"]) == [world.site.id]
    assert body["as_tenant"][0]["landlord"]["name"] == "丙园区管理公司"


def test_enterprise_in_two_sites_sees_both_directions(client, world, session):
    own = factories.make_site(session, world.tenants[0], [world.enterprise_b], name="承租企业0转租厂房")
    session.commit()
    body = client.get(f"{API}/enterprises/{world.tenants[0].id}/plant-sites",
                      headers=world.headers("tenant_user")).json()
    assert ids(body["as_landlord"]) == [own.id]
    assert ids(body["as_tenant"]) == [world.site.id]


def test_office_creates_a_site_with_tenants(client, world):
    response = client.post(f"{API}/plant-sites", json=new_site(world), headers=world.headers("office"))
    assert response.status_code == 201, response.text
    site = response.json()
    assert site["landlord"]["id"] == world.enterprise_a.id and ids(site["tenants"]) == [world.enterprise_b.id]
    sites_of_b = client.get(f"{API}/enterprises/{world.enterprise_b.id}/plant-sites",
                            headers=world.headers("enterprise_b")).json()
    assert ids(sites_of_b["as_tenant"]) == [site["id"]]


def test_landlord_cannot_be_its_own_tenant(client, world):
    body = new_site(world, tenant_ids=[world.enterprise_b.id, world.enterprise_a.id])
    response = client.post(f"{API}/plant-sites", json=body, headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "landlord_is_tenant"
    assert client.get(f"{API}/plant-sites", headers=world.headers("office")).json()["total"] == 1


def test_adding_the_landlord_as_a_tenant_is_422(client, world):
    response = client.post(f"{API}/plant-sites/{world.site.id}/tenants", json={"enterprise_id": world.landlord.id},
                           headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "landlord_is_tenant"


def test_site_with_unknown_enterprise_is_422_naming_it(client, world):
    response = client.post(f"{API}/plant-sites", json=new_site(world, tenant_ids=[999999]),
                           headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"missing": [999999]}


def test_site_create_refuses_unknown_fields(client, world):
    response = client.post(f"{API}/plant-sites", json=new_site(world, id=7), headers=world.headers("admin"))
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["inspector", "enterprise_a"])
def test_only_office_and_admin_create_sites(client, world, who):
    response = client.post(f"{API}/plant-sites", json=new_site(world), headers=world.headers(who))
    assert response.status_code == 403


def test_adding_a_tenant_shows_it_on_the_site(client, world):
    response = client.post(f"{API}/plant-sites/{world.site.id}/tenants",
                           json={"enterprise_id": world.enterprise_b.id, "area_m2": 800},
                           headers=world.headers("admin"))
    assert response.status_code == 201
    assert world.enterprise_b.id in ids(response.json()["tenants"])
    body = client.get(f"{API}/enterprises/{world.enterprise_b.id}/plant-sites",
                      headers=world.headers("enterprise_b")).json()
    assert ids(body["as_tenant"]) == [world.site.id]


def test_adding_a_tenant_twice_is_409(client, world):
    first = client.post(f"{API}/plant-sites/{world.site.id}/tenants", json={"enterprise_id": world.enterprise_b.id},
                        headers=world.headers("office"))
    second = client.post(f"{API}/plant-sites/{world.site.id}/tenants", json={"enterprise_id": world.enterprise_b.id},
                         headers=world.headers("office"))
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["error"]["code"] == "tenancy_overlaps"


def test_removing_a_tenant_takes_it_off_the_site(client, world):
    gone = world.tenants[2]
    response = client.delete(f"{API}/plant-sites/{world.site.id}/tenants/{gone.id}", headers=world.headers("office"))
    assert response.status_code == 200
    assert gone.id not in ids(response.json()["tenants"])
    again = client.delete(f"{API}/plant-sites/{world.site.id}/tenants/{gone.id}", headers=world.headers("office"))
    assert again.status_code == 404


@pytest.mark.parametrize("who", ["inspector", "tenant_user"])
def test_only_office_and_admin_change_tenants(client, world, who):
    add = client.post(f"{API}/plant-sites/{world.site.id}/tenants", json={"enterprise_id": world.enterprise_b.id},
                      headers=world.headers(who))
    remove = client.delete(f"{API}/plant-sites/{world.site.id}/tenants/{world.tenants[1].id}",
                           headers=world.headers(who))
    assert (add.status_code, remove.status_code) == (403, 403)


# --- who sees which site -------------------------------------------------------------------------------

def test_tenant_user_sees_its_site_and_its_members(client, world):
    response = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("tenant_user"))
    assert response.status_code == 200
    listing = client.get(f"{API}/plant-sites", headers=world.headers("tenant_user")).json()
    assert listing["total"] == 1 and ids(listing["items"]) == [world.site.id]


def test_enterprise_user_gets_404_for_a_site_it_does_not_belong_to(client, world):
    other = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("enterprise_a"))
    missing = client.get(f"{API}/plant-sites/999999", headers=world.headers("enterprise_a"))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_enterprise_user_lists_no_sites_when_it_belongs_to_none(client, world):
    listing = client.get(f"{API}/plant-sites", headers=world.headers("enterprise_a")).json()
    assert listing == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_enterprise_user_gets_404_for_another_enterprises_sites(client, world):
    response = client.get(f"{API}/enterprises/{world.landlord.id}/plant-sites", headers=world.headers("tenant_user"))
    assert response.status_code == 404


def test_staff_list_every_site_with_pagination(client, world, session):
    for i in range(3):
        factories.make_site(session, world.enterprise_a, [], name=f"厂区{i}")
    session.commit()
    page = client.get(f"{API}/plant-sites", params={"limit": 2, "offset": 2}, headers=world.headers("inspector"))
    assert page.json()["total"] == 4 and len(page.json()["items"]) == 2
