"""POST/GET /tasks, the merge report, and the scheduled jobs' admin endpoints."""

from datetime import date, timedelta

from sqlmodel import select

from inspection.clock import local_date
from inspection.models import InspectionTask, JobRun, Visit
from inspection.types import utcnow


def window(start: int = 5, end: int = 15) -> dict[str, str]:
    today = local_date(utcnow())
    return {"window_start": str(today + timedelta(days=start)), "window_end": str(today + timedelta(days=end))}


def test_an_inspector_plans_a_task_for_their_own_department(client, world):
    r = client.post("/api/v1/tasks", headers=world.headers("inspector"),
                    json={"enterprise_id": world.enterprise_a.id, **window(), "note": "季度检查"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["department_id"] == world.safety.id
    assert body["kinds"] == ["DUST"]  # every kind that applies to the enterprise
    assert (body["status"], body["source"], body["announced"], body["visit_id"]) == ("planned", "adhoc", True, None)
    assert body["created_by"] == world.users["inspector"].id

    r = client.post("/api/v1/tasks", headers=world.headers("inspector"),
                    json={"enterprise_id": world.enterprise_a.id, "department_id": world.fire.id, **window()})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "other_department"


def test_the_office_plans_for_any_department_and_complaints_are_never_announced(client, world):
    r = client.post("/api/v1/tasks", headers=world.headers("office"),
                    json={"enterprise_id": world.enterprise_b.id, "department_id": world.gas.id, "kinds": ["GAS"],
                          "source": "complaint", "announced": True, **window(0, 3)})
    assert r.status_code == 201, r.text
    assert (r.json()["source"], r.json()["announced"]) == ("complaint", False)
    r = client.post("/api/v1/tasks", headers=world.headers("office"),
                    json={"enterprise_id": world.enterprise_b.id, **window()})
    assert r.status_code == 422 and r.json()["error"]["code"] == "department_required"


def test_enterprises_may_neither_plan_nor_see_tasks(client, world):
    for method, url, kwargs in (("post", "/api/v1/tasks", {"json": {"enterprise_id": world.enterprise_a.id,
                                                                     **window()}}),
                                ("get", "/api/v1/tasks", {}), ("get", "/api/v1/tasks/merge-report", {})):
        r = getattr(client, method)(url, headers=world.headers("enterprise_a"), **kwargs)
        assert r.status_code == 403, (url, r.text)
        assert r.json()["error"]["code"] == "forbidden"


def test_bad_windows_and_reinspections_by_hand_are_refused(client, world):
    today = local_date(utcnow())
    cases = [
        {"window_start": str(today + timedelta(days=5)), "window_end": str(today + timedelta(days=1))},
        {**window(), "source": "reinspection"},
        {**window(), "inspector_ids": [world.users["fire_inspector"].id]},  # another department's inspector
        {"window_start": str(today - timedelta(days=9)), "window_end": str(today - timedelta(days=1))},
    ]
    for extra in cases:
        r = client.post("/api/v1/tasks", headers=world.headers("inspector"),
                        json={"enterprise_id": world.enterprise_a.id, **extra})
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["error"]["code"] in ("invalid", "unknown_inspector", "window_passed")


def test_inspectors_list_their_department_the_office_everything(client, world):
    for who, department in (("inspector", None), ("fire_inspector", None), ("office", world.gas.id)):
        payload = {"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"], **window()}
        if department:
            payload["department_id"] = department
        assert client.post("/api/v1/tasks", headers=world.headers(who), json=payload).status_code == 201
    mine = client.get("/api/v1/tasks", headers=world.headers("inspector")).json()
    assert mine["total"] == 1 and mine["items"][0]["department_id"] == world.safety.id
    everything = client.get("/api/v1/tasks", headers=world.headers("office")).json()
    assert everything["total"] == 3
    fire_task = next(t for t in everything["items"] if t["department_id"] == world.fire.id)
    assert client.get(f"/api/v1/tasks/{fire_task['id']}", headers=world.headers("inspector")).status_code == 404
    assert client.get(f"/api/v1/tasks/{fire_task['id']}", headers=world.headers("fire_inspector")).status_code == 200
    only_gas = client.get("/api/v1/tasks", params={"department_id": world.gas.id},
                          headers=world.headers("office")).json()
    assert only_gas["total"] == 1


def test_running_the_merge_job_from_the_admin_endpoint_and_the_report(client, world, session):
    for who in ("inspector", "fire_inspector"):
        client.post("/api/v1/tasks", headers=world.headers(who),
                    json={"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"], **window(4, 12)})
    r = client.post("/api/v1/admin/jobs/inspect_once/run", headers=world.headers("office"))
    assert r.status_code == 200, r.text
    run = r.json()
    assert (run["job_id"], run["trigger"], run["ok"]) == ("inspect_once", "manual", True)
    assert "new_visits=1" in run["summary"]
    listed = client.get("/api/v1/tasks", headers=world.headers("office")).json()["items"]
    assert {t["status"] for t in listed} == {"merged"}
    assert len({t["visit_id"] for t in listed}) == 1 and listed[0]["planned_date"]
    report = client.get("/api/v1/tasks/merge-report", headers=world.headers("office")).json()
    assert (report["tasks"], report["visits"], report["trips"], report["joint_trips"], report["visits_saved"],
            report["visits_saved_planned"]) == (2, 1, 1, 1, 0, 1)  # saved once the joint visit is made
    far = str(date(2099, 1, 1))
    empty = client.get("/api/v1/tasks/merge-report", params={"from": far}, headers=world.headers("office")).json()
    assert empty["tasks"] == 0
    visit = session.exec(select(Visit)).one()
    assert visit.source == "joint"


def test_a_routine_task_over_budget_joins_a_planned_visit_or_is_refused(client, world, session):
    year = local_date(utcnow()).year + 1
    for day in (6, 7, 8):  # three routine visits planned in next year's second quarter: the default budget
        session.add(Visit(enterprise_id=world.enterprise_a.id, lead_department_id=world.safety.id, source="routine",
                          planned_date=date(year, 4, day)))
    session.commit()
    payload = {"enterprise_id": world.enterprise_a.id, "source": "routine", "kinds": ["DUST"],
               "window_start": str(date(year, 4, 7)), "window_end": str(date(year, 4, 9))}
    r = client.post("/api/v1/tasks", headers=world.headers("fire_inspector"), json=payload)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "merged" and body["planned_date"] == f"{year}-04-07"  # rides along on a planned visit

    later = {**payload, "window_start": str(date(year, 4, 20)), "window_end": str(date(year, 4, 24))}
    r = client.post("/api/v1/tasks", headers=world.headers("inspector"), json=later)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "visit_budget_exhausted"
    assert error["details"] == {"cap": 3, "used": {f"{year}Q2": 3}, "green_listed": False}
    spanning = {**payload, "window_start": str(date(year, 6, 29)), "window_end": str(date(year, 7, 3))}
    assert client.post("/api/v1/tasks", headers=world.headers("inspector"), json=spanning).status_code == 201


def test_admin_jobs_status_and_permissions(client, world):
    r = client.get("/api/v1/admin/jobs", headers=world.headers("office"))
    assert r.status_code == 200, r.text
    jobs = {j["id"]: j for j in r.json()}
    assert set(jobs) == {"deadline_sweep", "reinspections", "inspect_once", "routine_draw", "deliver_notifications",
                         "sweep_photo_files", "compact_stats_tally", "anchor_audit", "linkage_outcomes",
                         "insurance_reminders"}
    assert all(j["last_run"] is None and j["next_run_at"] and not j["late"] for j in jobs.values())

    r = client.post("/api/v1/admin/jobs/deadline_sweep/run", headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["ok"] is True
    assert "remind3=0" in r.json()["summary"]
    jobs = {j["id"]: j for j in client.get("/api/v1/admin/jobs", headers=world.headers("admin")).json()}
    assert jobs["deadline_sweep"]["last_run"]["ok"] is True

    for who in ("inspector", "enterprise_a"):
        assert client.get("/api/v1/admin/jobs", headers=world.headers(who)).status_code == 403
        assert client.post("/api/v1/admin/jobs/deadline_sweep/run", headers=world.headers(who)).status_code == 403
    r = client.post("/api/v1/admin/jobs/nope/run", headers=world.headers("office"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_job"


def test_a_failing_job_is_recorded_not_raised(client, world, session, monkeypatch):
    from hazards.notify import sweep

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sweep, "sweep_deadlines", broken)
    r = client.post("/api/v1/admin/jobs/deadline_sweep/run", headers=world.headers("office"))
    assert r.status_code == 200
    assert (r.json()["ok"], r.json()["summary"]) == (False, "RuntimeError: disk full")
    (run,) = session.exec(select(JobRun)).all()
    assert run.finished_at is not None and run.ok is False
    assert session.exec(select(InspectionTask)).all() == []


def test_the_notice_policy_is_data_per_department_and_source(client, world):
    """应急's routine inspections are unannounced (四不两直); 消防's are announced; a complaint never is."""
    safety = client.post("/api/v1/tasks", headers=world.headers("inspector"),
                         json={"enterprise_id": world.enterprise_a.id, **window(), "source": "routine"})
    fire = client.post("/api/v1/tasks", headers=world.headers("fire_inspector"),
                       json={"enterprise_id": world.landlord.id, **window(), "source": "routine"})
    assert safety.status_code == 201 and fire.status_code == 201, (safety.text, fire.text)
    assert safety.json()["announced"] is False and fire.json()["announced"] is True
