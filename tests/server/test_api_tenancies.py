"""Tenancies of a plant site: units, start and end dates, history kept, overlaps of one tenant and unit refused."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from inspection.clock import local_date
from inspection.types import utcnow

API = "/api/v1"


def today():
    return local_date(utcnow())


def tenancies(client, world, who="office"):
    response = client.get(f"{API}/plant-sites/{world.site.id}/tenancies", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


def add(client, world, who="office", **body):
    return client.post(f"{API}/plant-sites/{world.site.id}/tenancies", json=body, headers=world.headers(who))


def test_a_tenancy_has_a_unit_a_term_and_a_status(client, world):
    start, end = today() - timedelta(days=30), today() + timedelta(days=335)
    response = add(client, world, enterprise_id=world.enterprise_b.id, unit="3号楼 2层", area_m2=450,
                   start_date=str(start), end_date=str(end))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["unit"], body["start_date"], body["end_date"], body["status"]) == \
           ("3号楼 2层", str(start), str(end), "current")
    site = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("office")).json()
    assert world.enterprise_b.id in [t["id"] for t in site["tenants"]]


def test_an_overlapping_tenancy_of_the_same_tenant_and_unit_is_409_in_chinese(client, world):
    tenant = world.enterprise_b.id
    first = add(client, world, enterprise_id=tenant, unit="3号楼2层", start_date="2026-01-01", end_date="2026-12-31")
    assert first.status_code == 201
    clash = add(client, world, enterprise_id=tenant, unit="3号楼 2层", start_date="2026-12-01")  # open-ended
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert error["code"] == "tenancy_overlaps" and "租期重叠" in error["message"]
    assert error["details"]["tenancy_id"] == first.json()["id"]
    other_unit = add(client, world, enterprise_id=tenant, unit="3号楼3层", start_date="2026-12-01")
    after_it = add(client, world, enterprise_id=tenant, unit="3号楼2层", start_date="2027-01-01")
    assert (other_unit.status_code, after_it.status_code) == (201, 201)


def test_a_term_ending_before_it_starts_is_422(client, world):
    response = add(client, world, enterprise_id=world.enterprise_b.id, start_date="2026-05-01", end_date="2026-04-30")
    assert response.status_code == 422


def test_ending_a_tenancy_keeps_it_in_the_history_and_takes_the_tenant_off_the_site(client, world):
    gone = world.tenants[1]
    row = next(t for t in tenancies(client, world) if t["enterprise_id"] == gone.id)
    ended = client.post(f"{API}/plant-sites/{world.site.id}/tenancies/{row['id']}/end", json={"reason": "租约解除"},
                        headers=world.headers("office"))
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended" and ended.json()["end_reason"] == "租约解除"
    assert ended.json()["end_date"] == str(today() - timedelta(days=1))  # by default: over from today
    history = tenancies(client, world)
    assert any(t["id"] == row["id"] and t["status"] == "ended" for t in history)
    site = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("office")).json()
    assert gone.id not in [t["id"] for t in site["tenants"]]
    again = client.post(f"{API}/plant-sites/{world.site.id}/tenancies/{row['id']}/end", json={"reason": "再次"},
                        headers=world.headers("office"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "tenancy_over"


def test_a_tenancy_past_its_end_date_has_expired_and_is_no_longer_current(client, world):
    response = add(client, world, enterprise_id=world.enterprise_b.id, unit="仓库",
                   start_date=str(today() - timedelta(days=400)), end_date=str(today() - timedelta(days=35)))
    assert response.status_code == 201 and response.json()["status"] == "expired"
    site = client.get(f"{API}/plant-sites/{world.site.id}", headers=world.headers("office")).json()
    assert world.enterprise_b.id not in [t["id"] for t in site["tenants"]]


def test_only_the_office_and_admin_change_tenancies_and_tenants_read_them(client, world):
    row = tenancies(client, world, who="tenant_user")[0]
    assert add(client, world, who="inspector", enterprise_id=world.enterprise_b.id).status_code == 403
    ended = client.post(f"{API}/plant-sites/{world.site.id}/tenancies/{row['id']}/end", json={"reason": "x"},
                        headers=world.headers("tenant_user"))
    assert ended.status_code == 403
    assert client.get(f"{API}/plant-sites/{world.site.id}/tenancies",
                      headers=world.headers("enterprise_a")).status_code == 404


def test_migration_0014_turns_since_date_into_the_start_and_fills_it_from_the_site(engine, session, world):
    from server import migrate

    registered = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)  # 1 July 2025 in Shanghai
    session.close()
    try:
        migrate.downgrade(engine=engine, revision="0013")
        with engine.begin() as conn:
            stored = registered.replace(tzinfo=None) if engine.dialect.name == "sqlite" else registered
            conn.execute(text("UPDATE plant_site SET created_at = :at WHERE id = :s"),
                         {"at": stored, "s": world.site.id})
            conn.execute(text("UPDATE plant_site_tenant SET since_date = NULL"))
            conn.execute(text("UPDATE plant_site_tenant SET since_date = '2025-03-01' WHERE enterprise_id = :t"),
                         {"t": world.tenants[0].id})
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT enterprise_id, start_date FROM plant_site_tenant")).all())
    as_text = {k: str(v) for k, v in rows.items()}
    assert as_text[world.tenants[0].id] == "2025-03-01"
    assert as_text[world.tenants[1].id] == "2025-07-01"  # the site's registration day, in Shanghai
