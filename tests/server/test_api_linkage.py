"""燃气审管联动 end to end: a signed registration → enterprise and GAS task → joint planning → inspection → the
outcome signed back to the source; bad signatures, replays, bad credit codes; the CSV import; the office's board."""

import hashlib
import hmac
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from hazards.linkage.models import GasEvent
from hazards.loop import deadlines, intake
from hazards.rules import holidays
from inspection.clock import local_date
from inspection.field import visits
from inspection.identity.accounts import actor_for
from inspection.models import Enterprise, InspectionTask, Visit
from inspection.types import utcnow
from schemas.enums import Role
from schemas.visits import ResultIn, SubmissionIn
from server.cli import app as cli
from server.settings import LinkageSource, get_settings
from tests import factories
from tests.hazards.test_outbox import LOCAL, Receiver, deliver

URL = "/api/v1/linkage/gas-events"
SECRET = "scjg-secret-0123456789abcdef"


@pytest.fixture()
def sources(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "linkage_sources", {
        "scjg": LinkageSource(name="区市场监管局", secret=SECRET),
        "xzsp": LinkageSource(name="区行政审批局", secret="xzsp-secret-0123456789abcdef")})
    monkeypatch.setattr(settings, "webhook_allowed_networks", LOCAL)
    return settings


def event(**overrides) -> dict:
    base = {"event_id": "SCJG-2026-000123", "kind": "new_licence", "registered_at": utcnow().isoformat(),
            "credit_code": factories.credit_code(9001), "name": "常州味道小馆餐饮店", "address": "河海街道珠江路1号",
            "street": "河海街道", "industry": "catering", "gas_supply": "lpg", "licence_no": "JY13204110012345"}
    return {**base, **overrides}


def signed(body: dict | bytes, *, source: str = "scjg", secret: str = SECRET, at: float | None = None) -> dict:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(at if at is not None else time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {"content": raw, "headers": {"Content-Type": "application/json", "X-Xuncha-Source": source,
                                        "X-Xuncha-Timestamp": stamp, "X-Xuncha-Signature": f"sha256={digest}"}}


def count(session: Session, model) -> int:
    session.rollback()  # a fresh read: what the API committed since
    return session.exec(select(func.count()).select_from(model)).one()


def gas_inspectors(session: Session, world) -> list[int]:
    users = [factories.make_user(session, f"zhujian{i}", Role.INSPECTOR, department_id=world.gas.id,
                                 cert_no=f"3204110020{i}") for i in (1, 2)]
    session.commit()
    return [u.id for u in users]


def test_a_registration_becomes_a_gas_task_and_its_outcome_goes_back_signed(client, session, world, sources):
    receiver = Receiver()
    hook = client.post("/api/v1/webhooks", headers=world.headers("office"),
                       json={"url": receiver.url, "event_types": ["order.issued"]})
    assert hook.status_code == 201, hook.text
    sources.linkage_sources["scjg"].webhook_id = hook.json()["id"]

    body = event()
    r = client.post(URL, **signed(body))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["enterprise_created"] is True and first["replay"] is False
    assert first["department_id"] == world.gas.id and first["task_id"]
    today = local_date(utcnow())
    assert first["due_date"] == str(deadlines.due_date(today, 10, working_days=True,
                                                       calendar=holidays.of(session)))
    enterprise = session.get(Enterprise, first["enterprise_id"])
    assert (enterprise.credit_code, enterprise.gas_user, enterprise.gas_supply) == (body["credit_code"], True, "lpg")
    task = session.get(InspectionTask, first["task_id"])
    assert (task.kinds, task.status, task.department_id) == (["GAS"], "unassigned", world.gas.id)

    again = client.post(URL, **signed(body))  # the source retries: the first answer, nothing new
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert {**again.json(), "replay": False} == first
    assert count(session, GasEvent) == 1 and count(session, InspectionTask) == 1

    # the department names its inspectors; the merge job plans the visit; the inspection is submitted
    team = gas_inspectors(session, world)
    r = client.post(f"/api/v1/tasks/{task.id}/assign", headers=world.headers("office"), json={"inspector_ids": team})
    assert r.status_code == 200, r.text
    run = client.post("/api/v1/admin/jobs/inspect_once/run", headers=world.headers("admin"))
    assert run.status_code == 200 and run.json()["ok"], run.text
    session.rollback()
    session.expire_all()
    task = session.get(InspectionTask, task.id)
    assert task.visit_id is not None, (r.json()["status"], r.json()["inspector_ids"], run.json()["summary"])
    visit = session.get(Visit, task.visit_id)
    inspector = actor_for(session.get(type(world.users["admin"]), team[0]))
    photo = factories.make_photo(session, session.get(type(world.users["admin"]), team[0]))
    asked = visits.asked_items(session, visit)
    results = [ResultIn(item_code=a.item.code, result="fail", photo_ids=[photo.id]) if a.item.code == "GAS-01"
               else ResultIn(item_code=a.item.code, result="pass") for a in asked]
    assert any(r.result == "fail" for r in results)
    intake.submit_visit(session, visit.id, SubmissionIn(client_uuid=uuid.uuid4(), results=results),
                        actor=inspector, now=utcnow(), policy=deadlines.DeadlinePolicy())
    session.commit()

    run = client.post("/api/v1/admin/jobs/linkage_outcomes/run", headers=world.headers("admin"))
    assert run.status_code == 200 and run.json()["summary"] == "sent=1", run.text
    run = client.post("/api/v1/admin/jobs/linkage_outcomes/run", headers=world.headers("admin"))
    assert run.json()["summary"] == "sent=0"  # once
    deliver(utcnow())
    received = [(h, b) for h, b in receiver.received if json.loads(b)["event"] == "linkage.outcome"]
    assert len(received) == 1
    headers, raw = received[0]
    secret = hook.json()["secret"]
    assert headers["X-Xuncha-Signature"] == "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    payload = json.loads(raw)["payload"]
    assert (payload["event_id"], payload["result"], payload["hazards"]) == (body["event_id"], "hazards_found", 1)
    assert payload["items"] == ["GAS-01"] and payload["credit_code"] == body["credit_code"]

    board = client.get("/api/v1/linkage/board", headers=world.headers("office")).json()
    assert (board["events"], board["inspected"], board["backlog"], board["overdue"]) == (1, 1, 0, 0)
    assert board["lead_days_mean"] is not None and board["inspected_on_time"] == 1
    row = client.get(f"/api/v1/linkage/gas-events/{first['id']}", headers=world.headers("office")).json()
    assert row["state"] == "inspected" and row["outcome"]["result"] == "hazards_found"
    receiver.close()


def test_bad_signatures_are_refused_and_nothing_is_kept(client, session, world, sources):
    body = event()
    cases = {
        "wrong secret": signed(body, secret="not-the-secret-of-scjg-000"),
        "unknown source": signed(body, source="nobody"),
        "other source's secret": signed(body, source="xzsp"),
        "stale": signed(body, at=time.time() - 3600),
        "from the future": signed(body, at=time.time() + 3600),
    }
    tampered = signed(body)
    tampered["content"] = json.dumps({**body, "name": "另一家店"}, ensure_ascii=False).encode()
    cases["tampered body"] = tampered
    for name, request in cases.items():
        r = client.post(URL, **request)
        assert r.status_code == 401, (name, r.text)
        assert r.json()["error"]["code"] in ("bad_signature", "stale_signature"), name
    assert client.post(URL, **signed(body, at=time.time() - 3600)).json()["error"]["code"] == "stale_signature"
    request = signed(body)
    request["headers"]["X-Xuncha-Timestamp"] = "yesterday"
    assert client.post(URL, **request).json()["error"]["code"] == "bad_timestamp"
    request = signed(body)
    del request["headers"]["X-Xuncha-Signature"]
    assert client.post(URL, **request).status_code == 422
    assert count(session, GasEvent) == 0 and count(session, InspectionTask) == 0


def test_bad_content_is_a_clear_4xx(client, session, world, sources):
    malformed = client.post(URL, **signed(event(credit_code="91320411ABCDEFGHIJ")))
    assert malformed.status_code == 422 and malformed.json()["error"]["code"] == "invalid_credit_code"
    short = client.post(URL, **signed(event(credit_code="123")))
    assert short.status_code == 422 and "长度" in short.json()["error"]["message"]
    unknown = client.post(URL, **signed(event(kind="gas_use_change", credit_code=factories.credit_code(9002))))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_credit_code"
    nameless = client.post(URL, **signed(event(name="")))
    assert nameless.status_code == 422 and nameless.json()["error"]["code"] == "name_required"
    junk = client.post(URL, **signed(b"{not json"))
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "invalid"
    extra = client.post(URL, **signed(event(owner="x")))
    assert extra.status_code == 422
    future = client.post(URL, **signed(event(registered_at=(utcnow() + timedelta(days=2)).isoformat())))
    assert future.status_code == 422 and future.json()["error"]["code"] == "registered_in_future"
    naive = client.post(URL, **signed(event(registered_at="2026-11-20T10:00:00")))
    assert naive.status_code == 422  # a time without its zone is ambiguous on the wire
    assert count(session, GasEvent) == 0 and count(session, Enterprise) == 6  # the world's, no more

    assert client.post(URL, **signed(event())).status_code == 201
    reused = client.post(URL, **signed(event(name="换了名字的店")))
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "event_id_reused"
    assert count(session, GasEvent) == 1


def test_existing_enterprises_are_linked_and_their_gas_use_updated(client, session, world, sources):
    a_code = world.enterprise_a.credit_code
    r = client.post(URL, **signed(event(event_id="E-1", kind="gas_use_change", credit_code=a_code,
                                        gas_supply="pipeline", name="")))
    assert r.status_code == 201, r.text
    assert (r.json()["enterprise_id"], r.json()["enterprise_created"]) == (world.enterprise_a.id, False)
    session.rollback()
    session.expire_all()
    a = session.get(Enterprise, world.enterprise_a.id)
    assert (a.gas_user, a.gas_supply) == (True, "pipeline")
    r = client.post(URL, **signed(event(event_id="E-2", kind="lpg_user", credit_code=world.enterprise_a.credit_code,
                                        gas_supply="lpg")))
    assert r.status_code == 201
    session.rollback()
    session.expire_all()
    assert session.get(Enterprise, world.enterprise_a.id).gas_supply == "both"
    # another source may use the same event id: ids are the source's own
    r = client.post(URL, **signed(event(event_id="E-1", kind="lpg_user", credit_code=world.enterprise_b.credit_code),
                                  source="xzsp", secret="xzsp-secret-0123456789abcdef"))
    assert r.status_code == 201 and r.json()["source"] == "xzsp"


def test_the_board_shows_backlog_and_overdue_and_inspectors_see_their_department(client, session, world, sources):
    old = (utcnow() - timedelta(days=40)).isoformat()
    assert client.post(URL, **signed(event(event_id="OLD-1", registered_at=old))).status_code == 201
    assert client.post(URL, **signed(event(event_id="NEW-1", credit_code=factories.credit_code(9003),
                                           name="新开张面馆"))).status_code == 201
    board = client.get("/api/v1/linkage/board", headers=world.headers("office")).json()
    assert (board["events"], board["backlog"], board["overdue"], board["inspected"]) == (2, 2, 1, 0)
    assert board["overdue_items"][0]["event_id"] == "OLD-1" and board["overdue_items"][0]["days_overdue"] > 0
    page = client.get("/api/v1/linkage/gas-events?state=overdue", headers=world.headers("office")).json()
    assert page["total"] == 1
    assert client.get("/api/v1/linkage/board", headers=world.headers("inspector")).json()["events"] == 0
    assert client.get("/api/v1/linkage/board", headers=world.headers("enterprise_a")).status_code == 403


def test_csv_import_is_all_or_nothing_with_a_dry_run(session, world, tmp_path, sources):
    header = "事件编号,类型,登记时间,统一社会信用代码,企业名称,街道,气源\n"
    good = [f"CSV-{i},新办营业执照,2026-11-2{i} 10:00,{factories.credit_code(9100 + i)},小吃店{i},新桥街道,液化气"
            for i in range(3)]
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "\n".join([*good, "CSV-9,用气变更,2026-11-20 10:00,91320411XXXXXXXXXX,某店,新桥街道,管道"]),
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "gas-events", str(bad), "--source", "scjg"])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert count(session, GasEvent) == 0 and count(session, InspectionTask) == 0

    path = tmp_path / "good.csv"
    path.write_text(header + "\n".join(good), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "gas-events", str(path), "--source", "scjg", "--dry-run"])
    assert result.exit_code == 0 and "dry run" in result.output, result.output
    assert count(session, GasEvent) == 0
    result = CliRunner().invoke(cli, ["import", "gas-events", str(path), "--source", "scjg"])
    assert result.exit_code == 0 and "imported 3 new events" in result.output, result.output
    assert count(session, GasEvent) == 3 and count(session, InspectionTask) == 3
    result = CliRunner().invoke(cli, ["import", "gas-events", str(path), "--source", "scjg"])
    assert "imported 0 new events of 3 rows (3 already received)" in result.output
    rows = session.exec(select(GasEvent)).all()
    assert {r.via for r in rows} == {"csv"} and all(r.registered_at.hour == 2 for r in rows)  # 10:00 Shanghai


def test_the_same_event_delivered_twice_at_once_makes_one_task(client, session, world, sources):
    request = signed(event(event_id="RACE-1"))
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.post(URL, **request), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["task_id"] for a in answers}) == 1
    assert count(session, GasEvent) == 1 and count(session, InspectionTask) == 1
