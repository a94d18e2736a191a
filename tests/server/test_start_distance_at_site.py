"""#18: at a 厂中厂 plant site the start distance is measured to the site, not to the registered address."""

from inspection.clock import local_date
from inspection.field import geo
from inspection.types import utcnow

API = "/api/v1"

SITE = (31.8300, 119.9700)  # the plant site (where the tenants work)
REGISTERED_ELSEWHERE = (31.8885, 119.9700)  # a tenant registered at an office ~6.5 km north


def _plan(client, world, enterprise_id):
    body = {"enterprise_id": enterprise_id, "planned_date": str(local_date(utcnow()))}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()


def _start(client, world, visit_id, point):
    response = client.post(f"{API}/visits/{visit_id}/start", json={"latitude": point[0], "longitude": point[1]},
                           headers=world.headers("inspector"))
    assert response.status_code == 200, response.text
    return response.json()


def _place(session, world, *, tenant_point=REGISTERED_ELSEWHERE):
    world.site.latitude, world.site.longitude = SITE
    tenant = world.tenants[0]
    tenant.latitude, tenant.longitude = tenant_point
    session.add_all([world.site, tenant])
    session.commit()
    return tenant


def test_a_start_at_the_plant_site_is_near_although_the_tenant_is_registered_far_away(client, session, world):
    tenant = _place(session, world)
    assert geo.distance_m(*SITE, *REGISTERED_ELSEWHERE) > 6000
    visit = _plan(client, world, tenant.id)
    started = _start(client, world, visit["id"], (31.8302, 119.9701))
    assert started["far_from_site"] is False
    assert started["start_distance_m"] < 50


def test_a_start_at_the_tenants_registered_office_is_far_from_the_site(client, session, world):
    tenant = _place(session, world)
    visit = _plan(client, world, tenant.id)
    started = _start(client, world, visit["id"], REGISTERED_ELSEWHERE)
    assert started["far_from_site"] is True
    assert started["start_distance_m"] > 6000


def test_a_visit_to_the_landlord_is_measured_to_its_site(client, session, world):
    _place(session, world)
    world.landlord.latitude, world.landlord.longitude = REGISTERED_ELSEWHERE
    session.add(world.landlord)
    session.commit()
    visit = _plan(client, world, world.landlord.id)
    assert _start(client, world, visit["id"], SITE)["far_from_site"] is False
    assert _start(client, world, visit["id"], REGISTERED_ELSEWHERE)["far_from_site"] is True


def test_a_site_without_coordinates_falls_back_to_the_registered_point(client, session, world):
    tenant = _place(session, world)
    world.site.latitude = world.site.longitude = None
    session.add(world.site)
    session.commit()
    visit = _plan(client, world, tenant.id)
    assert _start(client, world, visit["id"], REGISTERED_ELSEWHERE)["far_from_site"] is False
    assert _start(client, world, visit["id"], SITE)["far_from_site"] is True
