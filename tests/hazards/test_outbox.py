"""The outbox: written with its cause, delivered once, retried with backoff, never lost in a crash."""

import hmac
import json
import threading
from datetime import timedelta
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import Session, func, select

from hazards.notify import delivery as notify
from hazards.notify import outbox
from hazards.notify.models import Outbox
from inspection.types import utcnow
from server import db
from server.jobs.functions import webhook_policy
from server.settings import get_settings

API = "/api/v1"
LOCAL = ["127.0.0.1/32"]  # the receivers below are on this machine: allowed as an intranet would be


def open_session() -> Session:
    return Session(db.get_write_engine(), expire_on_commit=False)


def deliver(now):
    """One delivery pass as the scheduler's job makes it: webhook targets checked against the settings."""
    return notify.run_once(open_session, now=now, transport=notify.webhook_transport(webhook_policy(get_settings())))


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it gets; fails the first `fail` requests."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def local_hooks(monkeypatch):
    monkeypatch.setattr(get_settings(), "webhook_allowed_networks", LOCAL)


@pytest.fixture()
def receiver(local_hooks):
    r = Receiver()
    yield r
    r.close()


def _queue(session, key="order.issued:1", event="order.issued"):
    outbox.add(session, event_type=event, dedup_key=key, recipient="enterprise:1", payload={"order_id": 1},
               now=utcnow())
    session.commit()


def test_same_event_is_queued_once(engine, session):
    _queue(session)
    _queue(session)
    assert session.exec(select(func.count()).select_from(Outbox)).one() == 1


def test_a_crash_between_commit_and_send_loses_nothing_and_sends_once(engine, session):
    _queue(session)  # the change and its notification committed ... then the process died before sending
    sent: list[str] = []
    report = notify.run_once(open_session, now=utcnow(), transport=lambda row, hook: sent.append(row.dedup_key))
    assert report == {"sent": 1, "failed": 0} and sent == ["order.issued:1"]
    again = notify.run_once(open_session, now=utcnow() + timedelta(hours=1),
                            transport=lambda row, hook: sent.append(row.dedup_key))
    assert again == {"sent": 0, "failed": 0} and sent == ["order.issued:1"]


def test_a_sender_crashing_after_claiming_is_retried_after_its_lease(engine, session):
    _queue(session)
    now = utcnow()
    with open_session() as s:
        notify.claim(s, now=now)
        s.commit()  # ... and the sender died here, before sending
    sent: list[str] = []
    assert notify.run_once(open_session, now=now + timedelta(minutes=1),
                           transport=lambda r, h: sent.append(r.dedup_key))["sent"] == 0  # lease still held
    assert notify.run_once(open_session, now=now + notify.LEASE + timedelta(seconds=1),
                           transport=lambda r, h: sent.append(r.dedup_key))["sent"] == 1
    assert sent == ["order.issued:1"]


def test_failures_back_off_and_end_dead(engine, session):
    _queue(session)
    now = utcnow()

    def broken(row, hook):
        raise ConnectionError("down")

    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        notify.run_once(open_session, now=now, transport=broken)
        session.rollback()  # end the test's read snapshot (SQLite WAL) before looking again
        row = session.exec(select(Outbox)).one()
        if attempt < notify.MAX_ATTEMPTS:
            assert row.status == "pending" and row.next_attempt_at == now + notify.backoff(attempt)
            now = row.next_attempt_at
    assert row.status == "dead" and "ConnectionError" in row.last_error


def test_webhook_gets_signed_deliveries_for_its_event_types(client, world, session, receiver):
    created = client.post(f"{API}/webhooks", json={"url": receiver.url, "event_types": ["order.issued"]},
                          headers=world.headers("office"))
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    _queue(session)
    _queue(session, key="hazard.closed:9", event="hazard.closed")  # not subscribed
    report = deliver(utcnow())
    assert report["sent"] == 3  # two log rows and one webhook row
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, sha256).hexdigest()
    assert headers["X-Xuncha-Signature"] == expected
    assert json.loads(body)["event"] == "order.issued"
    listing = client.get(f"{API}/webhooks", headers=world.headers("office")).json()
    assert listing[0]["deliveries"] == {"sent": 1}


def test_webhook_retries_until_the_receiver_answers(client, world, session, local_hooks):
    flaky = Receiver(fail=1)
    try:
        client.post(f"{API}/webhooks", json={"url": flaky.url, "event_types": ["*"]}, headers=world.headers("office"))
        _queue(session)
        now = utcnow()
        deliver(now)
        assert flaky.received == []
        deliver(now + notify.backoff(1))
        assert len(flaky.received) == 1
        hook_id = client.get(f"{API}/webhooks", headers=world.headers("office")).json()[0]["id"]
        deliveries = client.get(f"{API}/webhooks/{hook_id}/deliveries", headers=world.headers("office")).json()
        assert deliveries[0]["status"] == "sent" and deliveries[0]["attempts"] == 2
    finally:
        flaky.close()


def test_only_the_office_manages_webhooks(client, world):
    body = {"url": "http://127.0.0.1:9/x", "event_types": ["order.issued"]}
    assert client.post(f"{API}/webhooks", json=body, headers=world.headers("inspector")).status_code == 403
    assert client.post(f"{API}/webhooks", json=body, headers=world.headers("enterprise_a")).status_code == 403
    bad = client.post(f"{API}/webhooks", json={**body, "event_types": ["nope"]}, headers=world.headers("office"))
    assert bad.status_code == 422


def test_add_says_whether_it_queued(engine, session):
    first = outbox.add(session, event_type="order.issued", dedup_key="k", recipient="r", payload={}, now=utcnow())
    again = outbox.add(session, event_type="order.issued", dedup_key="k", recipient="r", payload={}, now=utcnow())
    session.commit()
    assert (first, again) == (True, False)
