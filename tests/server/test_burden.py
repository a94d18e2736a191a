"""The inspection burden (监管一件事+综合查一次, issue 20): trips per enterprise per quarter across departments,
against the routine cap and a department's yearly cap, with the joint visits and the trips they saved."""

from datetime import date

from inspection.models import Visit, VisitDepartment
from schemas.enums import VisitSource, VisitStatus


def visit(session, enterprise, departments, day: date, *, source=VisitSource.ROUTINE,
          status=VisitStatus.SUBMITTED) -> Visit:
    row = Visit(enterprise_id=enterprise.id, lead_department_id=departments[0].id, source=source, status=status,
                planned_date=day)
    session.add(row)
    session.flush()
    for department in departments:
        session.add(VisitDepartment(visit_id=row.id, department_id=department.id, kinds=["GAS"]))
    session.flush()
    return row


def test_trips_departments_joint_visits_and_caps(client, session, world, monkeypatch):
    monkeypatch.setenv("XUNCHA_ANNUAL_VISIT_CAPS", '{"消防": 1}')
    from server.settings import get_settings
    get_settings.cache_clear()
    a, b = world.enterprise_a, world.enterprise_b
    visit(session, b, [world.safety, world.fire, world.gas], date(2026, 10, 12), source=VisitSource.JOINT)
    for day in (date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 17), date(2026, 12, 1)):
        visit(session, b, [world.fire], day)  # four routine trips: over the cap of three
    visit(session, b, [world.gas], date(2026, 11, 5), status=VisitStatus.CANCELLED)  # does not count
    visit(session, a, [world.safety, world.fire], date(2026, 11, 9), source=VisitSource.JOINT)
    visit(session, a, [world.safety], date(2026, 9, 30))  # the quarter before
    session.commit()
    try:
        answer = client.get("/api/v1/stats/burden", params={"quarter": "2026Q4"}, headers=world.headers("office"))
    finally:
        get_settings.cache_clear()
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["first_day"], report["last_day"]) == ("2026-10-01", "2026-12-31")
    assert (report["enterprises"], report["trips"], report["department_visits"], report["joint_trips"]) == (2, 6, 9, 2)
    assert report["trips_saved"] == 3 and report["over_cap"] == 1
    first, second = report["rows"]
    assert (first["enterprise_id"], first["trips"], first["department_visits"], first["trips_saved"]) == (b.id, 5, 7, 2)
    assert (first["routine_trips"], first["routine_cap"], first["over_cap"]) == (4, 3, True)
    assert first["departments"][world.fire.code] == 5 and first["over_annual_cap"] == {world.fire.code: 5}
    assert (second["enterprise_id"], second["trips"], second["joint_trips"], second["over_cap"]) == (a.id, 1, 1, False)
    only = client.get("/api/v1/stats/burden", params={"quarter": "2026q4", "over_cap": True},
                      headers=world.headers("office")).json()
    assert [r["enterprise_id"] for r in only["rows"]] == [b.id] and only["total"] == 1 and only["trips"] == 6


def test_a_bad_quarter_is_a_chinese_4xx_and_enterprises_may_not_look(client, world):
    bad = client.get("/api/v1/stats/burden", params={"quarter": "2026Q5"}, headers=world.headers("office"))
    assert bad.status_code == 422 and "季度" in bad.json()["error"]["message"]
    assert client.get("/api/v1/stats/burden", headers=world.headers("enterprise_a")).status_code == 403


def test_the_trips_saved_are_the_visits_saved_of_the_one_definition(client, session, world):
    """Burden and dashboard agree: the quarter's trips saved = visits saved, made + planned (planning.saved)."""
    from inspection.planning.saved import visits_saved

    b = world.enterprise_b
    visit(session, b, [world.safety, world.fire, world.gas], date(2026, 10, 12), source=VisitSource.JOINT)
    visit(session, b, [world.safety, world.fire], date(2026, 11, 12), source=VisitSource.JOINT,
          status=VisitStatus.PLANNED)
    visit(session, b, [world.fire], date(2026, 11, 20))
    session.commit()
    report = client.get("/api/v1/stats/burden", params={"quarter": "2026Q4"}, headers=world.headers("office")).json()
    saved = visits_saved(session, date_from=date(2026, 10, 1), date_to=date(2026, 12, 31))
    assert report["trips_saved"] == saved.made + saved.planned == 3
