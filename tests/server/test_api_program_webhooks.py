"""The office subscribes to 审管联动 outcomes and 安责险 expiry reminders like any other event, and gets each once."""

import json
import uuid
from datetime import timedelta

from hazards.loop import deadlines, intake
from inspection.clock import local_date
from inspection.field import visits
from inspection.identity.accounts import actor_for
from inspection.models import InspectionTask, User, Visit
from inspection.types import utcnow
from schemas.visits import ResultIn, SubmissionIn
from tests.hazards.test_outbox import Receiver, deliver
from tests.server.test_api_linkage import URL, event, gas_inspectors, signed, sources  # noqa: F401 (fixture)

API = "/api/v1"


def subscribe(client, world, receiver: Receiver, *event_types: str) -> dict:
    r = client.post(f"{API}/webhooks", headers=world.headers("office"),
                    json={"url": receiver.url, "event_types": list(event_types)})
    assert r.status_code == 201, r.text
    return r.json()


def received(receiver: Receiver, event_type: str) -> list[dict]:
    return [json.loads(body) for _, body in receiver.received if json.loads(body)["event"] == event_type]


def test_the_new_event_types_are_offered_and_junk_is_refused(client, world, sources):  # noqa: F811
    receiver = Receiver()
    hook = subscribe(client, world, receiver, "linkage.outcome", "insurance.expiring")
    assert hook["event_types"] == ["insurance.expiring", "linkage.outcome"]
    r = client.post(f"{API}/webhooks", headers=world.headers("office"),
                    json={"url": receiver.url, "event_types": ["insurance.expired"]})
    assert r.status_code == 422 and "未知事件类型" in r.text
    receiver.close()


def test_a_subscribed_webhook_receives_an_expiry_reminder_once(client, world, sources):  # noqa: F811
    receiver = Receiver()
    subscribe(client, world, receiver, "insurance.expiring")
    today = local_date(utcnow())
    r = client.post(f"{API}/insurance/policies", headers=world.headers("office"), json={
        "enterprise_id": world.enterprise_a.id, "insurer": "人保财险常州分公司", "policy_number": "PICC-2026-0001",
        "period_start": str(today - timedelta(days=360)), "period_end": str(today + timedelta(days=5)),
        "insured_amount": 1_000_000})
    assert r.status_code == 201, r.text
    for _ in range(2):
        run = client.post(f"{API}/admin/jobs/insurance_reminders/run", headers=world.headers("admin"))
        assert run.status_code == 200 and run.json()["ok"], run.text
    deliver(utcnow())
    got = received(receiver, "insurance.expiring")
    assert len(got) == 1, got
    payload = got[0]["payload"]
    assert payload["policy_number"] == "PICC-2026-0001" and payload["days_left"] == 5 and "续保" in payload["message"]
    receiver.close()


def test_a_subscribed_webhook_receives_a_linkage_outcome_once(client, session, world, sources):  # noqa: F811
    receiver = Receiver()
    hook = subscribe(client, world, receiver, "linkage.outcome")
    sources.linkage_sources["scjg"].webhook_id = hook["id"]  # also the source's own hook: still one delivery
    first = client.post(URL, **signed(event())).json()
    team = gas_inspectors(session, world)
    r = client.post(f"{API}/tasks/{first['task_id']}/assign", headers=world.headers("office"),
                    json={"inspector_ids": team})
    assert r.status_code == 200, r.text
    assert client.post(f"{API}/admin/jobs/inspect_once/run", headers=world.headers("admin")).json()["ok"]
    session.rollback()
    session.expire_all()
    visit = session.get(Visit, session.get(InspectionTask, first["task_id"]).visit_id)
    inspector = session.get(User, team[0])
    results = [ResultIn(item_code=a.item.code, result="pass") for a in visits.asked_items(session, visit)]
    intake.submit_visit(session, visit.id, SubmissionIn(client_uuid=uuid.uuid4(), results=results),
                        actor=actor_for(inspector), now=utcnow(), policy=deadlines.DeadlinePolicy())
    session.commit()
    run = client.post(f"{API}/admin/jobs/linkage_outcomes/run", headers=world.headers("admin"))
    assert run.json()["summary"] == "sent=1", run.text
    deliver(utcnow())
    got = received(receiver, "linkage.outcome")
    assert len(got) == 1, got
    assert got[0]["payload"]["result"] == "no_hazard" and got[0]["payload"]["event_id"] == event()["event_id"]
    receiver.close()
