"""Text messages: queued with inbox items for users with a phone, delivered through the HTTP gateway (a real local
HTTP server here) or the log, each message's delivery status recorded; retried after a failure."""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from hazards.notify import ladder, sms, sweep
from hazards.notify.models import InboxItem, SmsMessage
from server import db
from tests.hazards.test_sweep import DUE, at, make_hazard


class Gateway:
    """A local SMS gateway: records each POST and answers with the status it is told to."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, str]]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((dict(self.headers), body))
                answer = json.dumps({"id": f"gw-{len(gateway.received)}"}).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"


@pytest.fixture()
def gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    thread = threading.Thread(target=gateway.server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


def open_session() -> Session:
    return Session(db.get_engine(), expire_on_commit=False)


def overdue_with_phone(session, world) -> None:
    user = world.users["enterprise_a"]
    user.phone = "13800001111"
    session.add(user)
    make_hazard(session, world)
    session.commit()
    sweep.sweep_deadlines(session, now=at(DUE + timedelta(days=1)), policy=sweep.SweepPolicy())
    session.commit()


def test_the_http_gateway_gets_each_message_once_and_its_status_is_kept(session, world, gateway):
    overdue_with_phone(session, world)
    queued = session.exec(select(SmsMessage)).all()
    assert [(m.phone, m.status) for m in queued] == [("13800001111", "pending")]
    assert queued[0].text.startswith("【巡查】隐患已逾期未整改") and "甲铝业有限公司" in queued[0].text
    sender = sms.HttpSmsGateway(gateway.url, token="t0ken")
    now = at(DUE + timedelta(days=1), 11)
    assert sms.send_pending(open_session, sender, now=now) == {"sent": 1, "failed": 0}
    assert sms.send_pending(open_session, sender, now=now + timedelta(hours=1)) == {"sent": 0, "failed": 0}
    headers, body = gateway.received[0]
    assert len(gateway.received) == 1
    assert body == {"phone": "13800001111", "text": queued[0].text, "key": f"sms:{queued[0].id}"}
    assert headers["Authorization"] == "Bearer t0ken" and headers["Idempotency-Key"] == f"sms:{queued[0].id}"
    session.rollback()
    row = session.get(SmsMessage, queued[0].id)
    session.refresh(row)
    assert (row.status, row.provider_id, row.attempts, row.sent_at) == ("sent", "gw-1", 1, now)


def test_a_failing_gateway_is_recorded_and_retried_later(session, world, gateway):
    overdue_with_phone(session, world)
    gateway.status = 503
    sender = sms.HttpSmsGateway(gateway.url)
    now = at(DUE + timedelta(days=1), 11)
    assert sms.send_pending(open_session, sender, now=now) == {"sent": 0, "failed": 1}
    row = session.exec(select(SmsMessage)).one()
    session.refresh(row)
    assert row.status == "pending" and "503" in row.last_error and row.next_attempt_at > now
    assert sms.send_pending(open_session, sender, now=now) == {"sent": 0, "failed": 0}  # not before its time
    gateway.status = 200
    assert sms.send_pending(open_session, sender, now=now + timedelta(hours=1)) == {"sent": 1, "failed": 0}
    session.rollback()  # a fresh snapshot
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""


def test_the_log_sender_marks_sent_and_users_without_a_phone_get_no_text(session, world, caplog):
    make_hazard(session, world)  # enterprise_a has no phone
    session.commit()
    sweep.sweep_deadlines(session, now=at(DUE + timedelta(days=1)), policy=sweep.SweepPolicy())
    session.commit()
    assert session.exec(select(InboxItem)).all() and not session.exec(select(SmsMessage)).all()
    user = world.users["enterprise_b"]
    user.phone = "13900002222"
    session.add(user)
    make_hazard(session, world, enterprise=world.enterprise_b)
    session.commit()
    sweep.sweep_deadlines(session, now=at(DUE + timedelta(days=1), 12), policy=sweep.SweepPolicy())
    session.commit()
    with caplog.at_level("INFO", logger="xuncha.sms"):
        assert sms.send_pending(open_session, sms.LogSms(), now=at(DUE + timedelta(days=2))) == {"sent": 1,
                                                                                                 "failed": 0}
    assert "13900002222" in caplog.text
    row = session.exec(select(SmsMessage)).one()
    session.refresh(row)
    assert row.status == "sent" and row.provider_id == f"log:sms:{row.id}"


def test_the_ladder_file_is_checked_and_leaders_can_be_configured(tmp_path):
    default = ladder.load()
    assert default.office_after_days == 7 and not default.verified
    assert [(s.notify, s.after_days) for s in default.steps] == [("inspector", 0), ("head", 3), ("leader", 15)]
    assert ladder.load(leaders=("zhang",)).policy(remind_days=(3, 1)).leaders == ("zhang",)
    for bad, words in (({"steps": [{"after_days": -1, "notify": ["office"]}]}, "after_days"),
                       ({"steps": [{"after_days": 2, "notify": ["mayor"]}]}, "unknown recipient"),
                       ({"steps": [{"after_days": 2, "notify": ["enterprise"]}]}, "0 days"),
                       ({"steps": [], "leaders": "zhang"}, "usernames")):
        with pytest.raises(ValueError, match=words):
            ladder.parse(bad)
    assert ladder.parse({"steps": []}, office_fallback_days=5).office_after_days == 5


def test_a_visit_notice_reaches_the_enterprise_inbox_and_phone(session, world):
    from inspection.models import Visit
    from schemas.enums import VisitSource

    user = world.users["enterprise_a"]
    user.phone = "13800003333"
    session.add(user)
    session.add(Visit(enterprise_id=world.enterprise_a.id, lead_department_id=world.safety.id,
                      source=VisitSource.JOINT, announced=True, planned_date=DUE))
    session.commit()
    assert sweep.send_visit_notices(session, now=at(DUE - timedelta(days=5)), days=3) == 1
    session.commit()
    (item,) = session.exec(select(InboxItem).where(InboxItem.user_id == user.id)).all()
    assert item.title == "检查预告" and "2026年3月10日" in item.body and item.link.startswith("visit:")
    (text,) = session.exec(select(SmsMessage)).all()
    assert text.phone == "13800003333" and "检查预告" in text.text
