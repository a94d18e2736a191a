"""Every change to an enterprise leaves a hash-chained audit event; tampering is found and named."""

from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from inspection import audit
from inspection.models import Event
from server.cli import app as cli
from server.db import get_engine
from tests.factories import credit_code

API = "/api/v1"


def tamper(after_json, event_id):
    """A raw UPDATE, as someone with database access would do it; the JSON literal works on both databases."""
    return text(f"""UPDATE event SET "after" = '{after_json}' WHERE id = :id""").bindparams(id=event_id)


def enterprise_events(enterprise_id):
    with Session(get_engine()) as session:
        return audit.history(session, "enterprise", enterprise_id)


def make_history(client, world):
    """Create one enterprise, change it twice through the API; returns its id."""
    office = world.headers("office")
    created = client.post(f"{API}/enterprises", json={"name": "审计测试有限公司", "credit_code": credit_code(),
                                                      "risk_class": "B"}, headers=office)
    assert created.status_code == 201
    enterprise_id = created.json()["id"]
    assert client.patch(f"{API}/enterprises/{enterprise_id}", json={"risk_class": "C"}, headers=office
                        ).status_code == 200
    assert client.patch(f"{API}/enterprises/{enterprise_id}/contact", json={"contact_phone": "13900000000"},
                        headers=office).status_code == 200
    return enterprise_id


def test_creating_an_enterprise_records_who_and_what(client, world):
    enterprise_id = make_history(client, world)
    created = enterprise_events(enterprise_id)[0]
    assert created.action == "created"
    assert created.actor_id == world.users["office"].id
    assert created.before is None
    assert created.after["name"] == "审计测试有限公司" and created.after["risk_class"] == "B"


def test_updating_an_enterprise_records_before_and_after_of_the_changed_fields_only(client, world):
    enterprise_id = make_history(client, world)
    actions = [(e.action, e.before, e.after) for e in enterprise_events(enterprise_id)[1:]]
    assert actions == [
        ("updated", {"risk_class": "B"}, {"risk_class": "C"}),
        ("contact_updated", {"contact_phone": ""}, {"contact_phone": "13900000000"}),
    ]


def test_an_update_that_changes_nothing_records_nothing(client, world):
    enterprise_id = make_history(client, world)
    again = client.patch(f"{API}/enterprises/{enterprise_id}", json={"risk_class": "C"},
                         headers=world.headers("office"))
    assert again.status_code == 200
    assert len(enterprise_events(enterprise_id)) == 3


def test_refused_changes_record_nothing(client, world):
    enterprise_id = make_history(client, world)
    assert client.patch(f"{API}/enterprises/{enterprise_id}", json={"risk_class": "A"},
                        headers=world.headers("inspector")).status_code == 403
    assert client.patch(f"{API}/enterprises/{enterprise_id}", json={"credit_code": "bad"},
                        headers=world.headers("office")).status_code == 422
    assert len(enterprise_events(enterprise_id)) == 3


def test_chain_of_untouched_events_verifies(client, world, session):
    make_history(client, world)
    report = audit.verify_chain(session)
    assert report.ok
    assert report.checked == len(session.exec(select(Event)).all()) == 3


def test_tampering_with_after_names_that_row_as_first_broken_link(client, world, session):
    make_history(client, world)
    ids = session.exec(select(Event.id).order_by(col(Event.id))).all()
    victim = ids[1]
    session.exec(tamper('{"risk_class": "A"}', victim))  # type: ignore[call-overload]
    session.commit()
    session.expire_all()
    report = audit.verify_chain(session)
    assert not report.ok
    assert report.broken_at == victim
    assert report.checked == ids.index(victim)
    assert "altered" in report.problem


def test_deleting_an_event_breaks_the_chain_at_the_next_one(client, world, session):
    make_history(client, world)
    ids = session.exec(select(Event.id).order_by(col(Event.id))).all()
    session.exec(text("DELETE FROM event WHERE id = :id").bindparams(id=ids[1]))  # type: ignore[call-overload]
    session.commit()
    report = audit.verify_chain(session)
    assert report.broken_at == ids[2]
    assert "removed" in report.problem


def test_audit_verify_command_exits_0_on_an_intact_chain(client, world):
    make_history(client, world)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_audit_verify_command_exits_1_and_names_the_broken_event(client, world, session):
    make_history(client, world)
    victim = session.exec(select(Event.id).order_by(col(Event.id).desc())).first()
    session.exec(tamper("{}", victim))  # type: ignore[call-overload]
    session.commit()
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at event {victim}" in result.output
