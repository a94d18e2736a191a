"""Every change to an enterprise leaves a hash-chained audit event; tampering is found and named."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from inspection import audit
from inspection.models import Event
from inspection.types import utcnow
from server.cli import app as cli
from server.db import get_engine
from server.settings import get_settings
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


LATER = datetime(2100, 1, 1, tzinfo=UTC)  # past ANCHOR_LAG for every event of the test
KEY = b"k" * 32


def test_events_of_different_entities_form_chains_of_their_own(client, world, session):
    first = make_history(client, world)
    second = make_history(client, world)
    ids = session.exec(select(Event.id).where(Event.entity_id == first).order_by(col(Event.id))).all()
    session.exec(text("DELETE FROM event WHERE id = :id").bindparams(id=ids[1]))  # type: ignore[call-overload]
    session.commit()

    report = audit.verify_chain(session)

    assert report.broken_at == ids[2]  # the next event of the same enterprise, not of the other one
    assert audit.history(session, "enterprise", second)[0].prev_hash == audit.GENESIS


def test_deleting_the_newest_events_is_found_by_the_anchor(client, world, session, tmp_path):
    make_history(client, world)
    path = tmp_path / "anchors.jsonl"
    made = audit.anchor(session, path=path, key=KEY, now=LATER)
    session.commit()
    assert made is not None and made.events == 3
    assert audit.verify_chain(session, anchors=audit.read_anchors(path, KEY)).ok

    newest = session.exec(select(Event.id).order_by(col(Event.id).desc())).first()
    session.exec(text("DELETE FROM event WHERE id = :id").bindparams(id=newest))  # type: ignore[call-overload]
    session.commit()

    assert audit.verify_chain(session).ok  # the chains alone cannot tell
    report = audit.verify_chain(session, anchors=audit.read_anchors(path, KEY))
    assert not report.ok and "anchor 1" in report.problem


def test_an_anchor_extends_the_last_one_and_covers_only_settled_events(client, world, session, tmp_path):
    path = tmp_path / "anchors.jsonl"
    make_history(client, world)
    assert audit.anchor(session, path=path, key=KEY, now=utcnow()) is None  # younger than ANCHOR_LAG
    assert audit.anchor(session, path=path, key=KEY, now=LATER).events == 3
    session.commit()
    make_history(client, world)
    second = audit.anchor(session, path=path, key=KEY, now=LATER)
    session.commit()

    assert second.number == 2 and second.events == 6
    report = audit.verify_chain(session, anchors=audit.read_anchors(path, KEY))
    assert report.ok and report.anchors == 2


def test_a_forged_anchor_line_is_refused(client, world, session, tmp_path):
    make_history(client, world)
    path = tmp_path / "anchors.jsonl"
    audit.anchor(session, path=path, key=KEY, now=LATER)
    session.commit()
    path.write_text(path.read_text().replace('"events":3', '"events":2'))

    with pytest.raises(audit.AnchorFileError, match="signature"):
        audit.read_anchors(path, KEY)


def test_events_from_before_per_entity_chains_verify_in_their_global_chain(session, world):
    prev = audit.GENESIS
    for entity_id in (1, 2, 1):
        event = Event(entity="enterprise", entity_id=entity_id, action="legacy", at=utcnow(), prev_hash=prev,
                      hash="", entity_chain=False)
        event.hash = prev = audit.event_hash(prev, event)
        session.add(event)
    session.commit()
    audit.record(session, entity="enterprise", entity_id=1, action="new", actor=None, at=utcnow())
    session.commit()

    assert audit.verify_chain(session).ok


def test_the_anchor_command_writes_the_file_that_verify_reads(client, world, tmp_path, monkeypatch):
    make_history(client, world)
    path = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("XUNCHA_AUDIT_ANCHOR_FILE", str(path))
    get_settings.cache_clear()
    try:
        monkeypatch.setattr(audit, "ANCHOR_LAG", timedelta(0))
        assert CliRunner().invoke(cli, ["audit", "anchor"]).exit_code == 0
        result = CliRunner().invoke(cli, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 anchors" in result.output and path.exists()


@pytest.mark.skipif("postgresql" not in os.environ.get("XUNCHA_TEST_DATABASE_URL", ""),
                    reason="the chain-head locks are PostgreSQL's; SQLite has one writer anyway")
def test_audited_writes_to_different_entities_do_not_wait_for_each_other(engine):
    from server.db import get_write_engine

    with Session(get_write_engine()) as first:
        audit.record(first, entity="hazard", entity_id=1, action="a", actor=None, at=utcnow())
        # the first transaction is still open and holds hazard 1's chain head; hazard 2's writer goes ahead
        with Session(get_write_engine()) as second:
            second.exec(text("SET LOCAL lock_timeout = '2s'"))  # type: ignore[call-overload]
            audit.record(second, entity="hazard", entity_id=2, action="b", actor=None, at=utcnow())
            second.commit()
        first.commit()
    with Session(get_write_engine()) as session:
        assert audit.verify_chain(session).ok
