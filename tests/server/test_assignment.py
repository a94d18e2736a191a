"""Planning that produces visits people can do: draws within a department's powers, picks without inspectors
waiting for an assignment, eligible inspectors only, visits re-staffed or cancelled with a reason, draws open to
replay from outside."""

from datetime import date, datetime, time, timedelta

from sqlmodel import select
from typer.testing import CliRunner

from inspection import audit
from inspection.clock import SHANGHAI, local_date
from inspection.models import Draw, InspectionTask, Recusal
from inspection.planning import draw
from inspection.planning.draw import DrawPolicy
from inspection.types import utcnow
from schemas.enums import Role
from schemas.tasks import TaskStatus
from server.cli import app as cli
from tests import factories

API = "/api/v1"


def at(day: date) -> datetime:
    return datetime.combine(day, time(2, 10), tzinfo=SHANGHAI)


def gas_inspectors(session, world, n=2):
    return [factories.make_user(session, f"gas{k}", Role.INSPECTOR, department_id=world.gas.id,
                                cert_no=f"3204119900{k}") for k in range(n)]


def test_a_departments_draw_picks_only_what_it_enforces_and_its_tasks_ask_only_that(session, world):
    gas_inspectors(session, world)
    session.commit()
    result = draw.draw_month(session, department_id=world.gas.id, now=at(date(2026, 3, 1)), policy=DrawPolicy(),
                             hazard_counts={}, seed=5)
    session.commit()

    pooled = {c["enterprise_id"] for c in result.pool}
    assert world.enterprise_b.id in pooled  # the LPG restaurant: gas items are 住建's
    assert world.enterprise_a.id not in pooled  # aluminium dust and no gas: nothing 住建 enforces
    assert {"enterprise_id": world.enterprise_a.id, "reason": "not_enforced"} in result.exempt
    for task in session.exec(select(InspectionTask).where(InspectionTask.draw_id == result.id)).all():
        assert task.kinds == ["GAS"]


def test_a_pick_without_inspectors_waits_for_an_assignment_and_becomes_no_visit(client, session, world):
    """Only two certified safety inspectors, and both inspected the enterprise last time: no team."""
    session.add(InspectionTask(department_id=world.safety.id, enterprise_id=world.enterprise_a.id, kinds=["DUST"],
                               window_start=date(2026, 2, 1), window_end=date(2026, 2, 28),
                               inspector_ids=[world.users["inspector"].id, world.users["inspector2"].id],
                               source="routine", status=TaskStatus.DONE))
    session.commit()
    result = draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 3, 1)), policy=DrawPolicy(),
                             hazard_counts={}, seed=3)
    session.commit()
    task = session.exec(select(InspectionTask).where(InspectionTask.draw_id == result.id,
                                                     InspectionTask.enterprise_id == world.enterprise_a.id)).one()
    assert task.status == TaskStatus.UNASSIGNED and task.inspector_ids == []
    session.commit()  # end this session's read snapshot: the job writes beside it
    assert client.post("/api/v1/admin/jobs/inspect_once/run", headers=world.headers("admin")).status_code == 200
    session.refresh(task)
    assert task.visit_id is None and task.status == TaskStatus.UNASSIGNED
    session.commit()

    people = [u.id for u in factories_safety(session, world, 2)]
    response = client.post(f"{API}/tasks/{task.id}/assign", json={"inspector_ids": people},
                           headers=world.headers("office"))

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "planned" and response.json()["inspector_ids"] == people
    assert [e.action for e in audit.history(session, "task", task.id)] == ["task.assign"]


def factories_safety(session, world, n):
    users = [factories.make_user(session, f"safety_new{k}", Role.INSPECTOR, department_id=world.safety.id,
                                 cert_no=f"3204110077{k}") for k in range(n)]
    session.commit()
    return users


def unassigned_task(session, world):
    task = InspectionTask(department_id=world.safety.id, enterprise_id=world.enterprise_a.id, kinds=["DUST"],
                          window_start=local_date(utcnow()), window_end=local_date(utcnow()) + timedelta(days=20),
                          source="routine", status=TaskStatus.UNASSIGNED)
    session.add(task)
    session.commit()
    return task


def test_an_expired_certificate_or_a_declared_conflict_keeps_an_inspector_off(client, session, world):
    task = unassigned_task(session, world)
    expired, recused, fine = factories_safety(session, world, 3)
    expired.cert_valid_to = local_date(utcnow()) - timedelta(days=1)
    session.add(expired)
    session.add(Recusal(user_id=recused.id, enterprise_id=world.enterprise_a.id, reason="亲属在该企业任职"))
    session.commit()

    response = client.post(f"{API}/tasks/{task.id}/assign", json={"inspector_ids": [expired.id, recused.id, fine.id]},
                           headers=world.headers("office"))

    assert response.status_code == 422
    problems = {p["user_id"]: p["problem"] for p in response.json()["error"]["details"]}
    assert problems == {expired.id: "certificate_expired", recused.id: "recused"}
    uncertified = client.post(f"{API}/tasks/{task.id}/assign", headers=world.headers("office"),
                              json={"inspector_ids": [world.users["uncertified"].id, fine.id]})
    assert uncertified.json()["error"]["details"][0]["problem"] == "not_certified"


def test_an_inspector_assigns_only_their_own_departments_tasks(client, session, world):
    task = unassigned_task(session, world)
    response = client.post(f"{API}/tasks/{task.id}/assign", headers=world.headers("fire_inspector"),
                           json={"inspector_ids": [world.users["inspector"].id, world.users["inspector2"].id]})
    assert response.status_code in (403, 404)


def new_visit(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    return client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()["id"]


def test_a_visits_inspectors_change_before_submission_audited(client, session, world):
    visit = new_visit(client, world)
    newcomer = factories_safety(session, world, 1)[0]

    response = client.put(f"{API}/visits/{visit}/inspectors", headers=world.headers("inspector"),
                          json={"inspector_ids": [world.users["inspector"].id, newcomer.id]})

    assert response.status_code == 200, response.text
    assert {i["user_id"] for i in response.json()["inspectors"]} == {world.users["inspector"].id, newcomer.id}
    changed = [e for e in audit.history(session, "visit", visit) if e.action == "visit.inspectors"]
    assert changed[0].after == {"inspector_ids": sorted([world.users["inspector"].id, newcomer.id])}
    fire = client.put(f"{API}/visits/{visit}/inspectors", headers=world.headers("office"),
                      json={"inspector_ids": [world.users["fire_inspector"].id]})
    assert fire.status_code == 422  # 消防 is not on this visit


def test_a_visit_is_cancelled_with_a_reason_and_never_after_submission(client, session, world):
    visit = new_visit(client, world)
    assert client.post(f"{API}/visits/{visit}/cancel", json={"reason": " "}, headers=world.headers("office")
                       ).status_code == 422
    cancelled = client.post(f"{API}/visits/{visit}/cancel", json={"reason": "企业停产搬迁"},
                            headers=world.headers("office"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    event = [e for e in audit.history(session, "visit", visit) if e.action == "visit.cancel"][0]
    assert event.reason == "企业停产搬迁"
    again = client.post(f"{API}/visits/{visit}/cancel", json={"reason": "再次"}, headers=world.headers("office"))
    assert again.status_code == 409


def test_draws_are_open_to_staff_and_replay_from_outside(client, session, world):
    result = draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 3, 1)), policy=DrawPolicy(),
                             hazard_counts={}, seed=42)
    session.commit()

    listed = client.get(f"{API}/draws", headers=world.headers("office")).json()
    one = client.get(f"{API}/draws/{result.id}", headers=world.headers("inspector")).json()

    assert [d["id"] for d in listed] == [result.id]
    assert one["seed"] == 42 and one["replay_matches"] is True and one["pool"] and "params" in one
    assert client.get(f"{API}/draws", headers=world.headers("enterprise_a")).status_code == 403
    assert CliRunner().invoke(cli, ["draw", "replay", str(result.id)]).exit_code == 0

    stored = session.get(Draw, result.id)
    stored.picks = stored.picks[1:] + [{"enterprise_id": 999999, "inspector_ids": [], "probability": 1.0}]
    session.add(stored)
    session.commit()
    assert client.get(f"{API}/draws/{result.id}", headers=world.headers("office")).json()["replay_matches"] is False
    assert CliRunner().invoke(cli, ["draw", "replay", str(result.id)]).exit_code == 1
