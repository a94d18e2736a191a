"""Demo data: a newcomer's first world, loadable twice, every demo login working; and its half year of history."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import func, select

from hazards.notify.models import Outbox
from hazards.stats import tally
from inspection import audit
from inspection.clock import local_date
from inspection.identity.accounts import verify_password
from inspection.models import Department, Enterprise, Photo, PlantSite, PlantSiteTenant, User, Visit
from inspection.photos import service as photo_service
from inspection.photos.storage import FileSystemStore
from inspection.registry import creditcode
from inspection.types import utcnow
from schemas.enums import Role
from server.demo import history as demo_history
from server.demo import seed as demo

API = "/api/v1"
TABLES = (Department, Enterprise, PlantSite, PlantSiteTenant, User, Visit)


def counts(session):
    return {table.__name__: session.exec(select(func.count()).select_from(table)).one() for table in TABLES}


@pytest.fixture()
def demo_world(session):
    demo.load(session, fast_hash=True)
    session.commit()
    return session


def login(client, username, password=demo.PASSWORD):
    return client.post(f"{API}/auth/token", data={"username": username, "password": password})


def test_loading_twice_changes_nothing(demo_world):
    before = counts(demo_world)
    logins = demo.load(demo_world, fast_hash=True)
    demo_world.commit()
    assert counts(demo_world) == before
    assert len(logins) == before["User"]


def test_demo_has_about_forty_enterprises_with_valid_credit_codes(demo_world):
    enterprises = demo_world.exec(select(Enterprise)).all()
    assert 35 <= len(enterprises) <= 45
    assert all(creditcode.check(e.credit_code).ok for e in enterprises)
    assert any(e.dust_involved for e in enterprises) and any(e.gas_user for e in enterprises)
    assert any(e.green_listed for e in enterprises)


def test_demo_has_two_plant_sites_with_three_to_five_tenants(demo_world):
    sites = demo_world.exec(select(PlantSite)).all()
    assert len(sites) == 2
    for site in sites:
        tenants = demo_world.exec(select(PlantSiteTenant.enterprise_id).where(PlantSiteTenant.site_id == site.id)).all()
        assert 3 <= len(tenants) <= 5
        assert site.landlord_id not in tenants


def test_demo_has_one_user_per_role_and_two_inspectors_per_department(demo_world):
    users = demo_world.exec(select(User)).all()
    roles = Counter(user.role for user in users)
    assert (roles[Role.ADMIN], roles[Role.OFFICE], roles[Role.ENTERPRISE]) == (1, 1, 2)  # 华铝, and the lessor
    departments = demo_world.exec(select(Department)).all()
    per_department = Counter(user.department_id for user in users if user.role == Role.INSPECTOR)
    assert {d.id: per_department[d.id] for d in departments} == {d.id: 2 for d in departments}
    assert all(user.cert_no for user in users if user.role == Role.INSPECTOR)
    enterprise_user = next(user for user in users if user.role == Role.ENTERPRISE)
    assert enterprise_user.enterprise_id is not None


def test_every_demo_user_has_the_demo_password(demo_world):
    users = demo_world.exec(select(User)).all()
    # verification reads the cost from the hash itself, so a production login accepts these too
    assert all(verify_password(user.password_hash, demo.PASSWORD) for user in users)


@pytest.mark.parametrize("username", ["inspector", "enterprise", "office", "admin"])
def test_demo_users_log_in_through_the_api(client, demo_world, username):
    response = login(client, username)
    assert response.status_code == 200, response.text
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert me.json()["username"] == username


def test_demo_enterprise_user_sees_only_its_own_enterprise(client, demo_world):
    token = login(client, "enterprise").json()["access_token"]
    page = client.get(f"{API}/enterprises", headers={"Authorization": f"Bearer {token}"}).json()
    assert page["total"] == 1
    assert page["items"][0]["name"] == demo.ENTERPRISES[0][0]


def test_demo_inspector_sees_every_enterprise(client, demo_world):
    token = login(client, "inspector").json()["access_token"]
    page = client.get(f"{API}/enterprises", headers={"Authorization": f"Bearer {token}"}).json()
    assert page["total"] == len(demo.ENTERPRISES)


def test_demo_login_with_the_wrong_password_fails(client, demo_world):
    assert login(client, "inspector", "demo12345").status_code == 401


def test_the_demo_history_gives_each_face_something_to_show_and_comes_once(client, demo_world, media_dir):
    now = utcnow()
    store = FileSystemStore(media_dir / "photos")
    history = demo_history.load(demo_world, store=store, now=now,
                                demo_enterprise_id=demo.demo_enterprise_id(demo_world))
    demo_world.commit()
    # failures of items another department enforces are referred and advisory ones advised (issue 16): fewer hazards
    assert history is not None and history.hazards >= 50 and 0 < history.closed < history.hazards
    office = {"Authorization": f"Bearer {login(client, 'office').json()['access_token']}"}
    assert client.get(f"{API}/referrals", headers=office).json()  # and the departments got them as tasks

    def as_(username):
        return {"Authorization": f"Bearer {login(client, username).json()['access_token']}"}

    # the office: half a year of months, most hazards closed, some overdue, each figure kept right
    today = local_date(now)
    start = (today.replace(day=1) - timedelta(days=31 * demo_history.MONTHS)).replace(day=1)
    table = client.get(f"{API}/stats/closure", headers=as_("office"),
                       params={"group_by": "month", "from": str(start), "to": str(today)}).json()
    assert len(table["rows"]) >= demo_history.MONTHS  # and this month's, unless it is only a day or two old
    total = table["total"]
    assert total["found"] == history.hazards and 0.6 <= total["closure_rate"] <= 0.95
    assert total["overdue_open"] > 0 and total["fixed_on_spot"] > 0 and total["major_found"] > 0
    assert tally.differences(demo_world) == {} and audit.verify_chain(demo_world).ok
    # its notifications went out when they happened: nothing months old waits to be sent now
    assert demo_world.exec(select(Outbox).where(Outbox.status != "sent")).all() == []
    # the enterprise: an order still open; the inspector: today's visits
    orders = client.get(f"{API}/orders", headers=as_("enterprise")).json()["items"]
    hazards = client.get(f"{API}/hazards", headers=as_("enterprise"), params={"status": "open"}).json()
    assert orders and hazards["total"] >= 2
    rated = client.get(f"{API}/ratings", headers=as_("office")).json()
    assert rated["total"] >= 1 and rated["items"][0]["comment"]
    submitted = [v for v in client.get(f"{API}/visits", headers=as_("enterprise")).json() if v["submitted_at"]]
    latest = max(submitted, key=lambda v: (v["submitted_at"], v["id"]))["id"]  # the last submitted, as rated
    assert client.get(f"{API}/visits/{latest}/rating", headers=as_("enterprise")).status_code == 404  # left to rate
    work = client.get(f"{API}/visits", headers=as_("inspector"), params={"assigned": "me", "date": str(today)})
    assert len(work.json()) == demo_history.TODAY_VISITS
    # next week's plans of two departments for one enterprise, twice, became two joint visits
    merged = client.get(f"{API}/tasks/merge-report", headers=as_("office"), params={"from": str(today)}).json()
    assert (merged["visits_saved"], merged["visits_saved_planned"]) == (0, 2)
    # yesterday's joint visit, each department its own part and instrument, saved one trip
    since = client.get(f"{API}/tasks/merge-report", headers=as_("office"),
                       params={"from": str(today - timedelta(days=1))}).json()
    assert since["visits_saved"] == 1
    numbers = [o["number"] for o in client.get(f"{API}/orders", headers=as_("office"),
                                               params={"limit": 200}).json()["items"]]
    assert any("住建燃改" in n for n in numbers) and any("应急责改" in n for n in numbers)
    # the photos behind the hazards are real files
    photo = demo_world.exec(select(Photo).order_by(Photo.id)).first()
    assert photo is not None and store.exists(photo_service.key_for(photo, photo_service.Variant.THUMB))

    before = counts(demo_world)
    assert demo_history.load(demo_world, store=store, now=now, demo_enterprise_id=1) is None
    assert counts(demo_world) == before


def test_the_demo_history_holds_majors_to_the_law(demo_world, media_dir):
    """No major hazard closed on the spot; majors go through an approved plan, then re-inspection; where
    production was stopped by a 现场处理措施决定书, the 复查意见书 decides on resuming (REFERENCE §G.4)."""
    from hazards.models import Hazard, OnSiteDecision, RectificationOrder
    from schemas.enums import HazardLevel, HazardStatus

    demo_history.load(demo_world, store=FileSystemStore(media_dir / "photos"), now=utcnow(),
                      demo_enterprise_id=demo.demo_enterprise_id(demo_world))
    demo_world.commit()
    majors = demo_world.exec(select(Hazard).where(Hazard.level == HazardLevel.MAJOR)).all()
    assert majors and not any(h.fixed_on_spot for h in majors)
    closed = [h for h in majors if h.status == HazardStatus.CLOSED]
    assert closed and all(h.plan_status == "approved" for h in closed)
    for hazard in closed:
        actions = [e.action for e in audit.history(demo_world, "hazard", hazard.id)]
        assert "hazard.close_on_spot" not in actions and "hazard.plan_approved" in actions
    decisions = demo_world.exec(select(OnSiteDecision)).all()
    assert decisions and all("应急现决〔" in d.number for d in decisions)
    resumed = [d for d in decisions if d.resumed_at is not None]
    assert resumed
    for decision in resumed:
        record = demo_world.get(RectificationOrder, decision.resumption_record_id)
        assert record.kind == "reinspection" and record.resumption["approved"] is True
