"""The 先验后批 demo: the lessor login sees four applications, one in each state the program knows."""

from sqlmodel import select

from hazards.models import Hazard
from inspection.types import utcnow
from server.demo import leasing as leasing_demo
from server.demo import seed as demo

API = "/api/v1"


def test_the_lessor_sees_its_applications_in_every_state(client, session):
    demo.load(session, fast_hash=True)
    assert leasing_demo.load(session, now=utcnow()) == 4
    assert leasing_demo.load(session, now=utcnow()) == 0  # once
    session.commit()
    token = client.post(f"{API}/auth/token", data={"username": "lessor", "password": demo.PASSWORD}).json()
    page = client.get(f"{API}/lease-applications", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert page.status_code == 200, page.text
    states = sorted((a["status"], a["inspection"]) for a in page.json()["items"])
    assert states == [("approved", "passed"), ("filed", "failed"), ("filed", "none"), ("refused", "none")]
    failed = next(a for a in page.json()["items"] if a["inspection"] == "failed")
    hazard = session.exec(select(Hazard).where(Hazard.id == failed["open_hazard_ids"][0])).one()
    assert hazard.enterprise_id == failed["lessor_id"] and hazard.party == "landlord"
    refused = next(a for a in page.json()["items"] if a["status"] == "refused")
    assert refused["reasons"][0]["code"] == "LEASE-R01"
