"""Webhook targets: the server posts to them, so none may point into the server's own networks (SSRF) unless
the deployment allows that network; checked at registration and again, against fresh DNS, at each delivery."""

import ipaddress
import socket

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from hazards.notify import delivery as notify
from hazards.notify import outbox, targets
from hazards.notify import webhooks as webhook_service
from hazards.notify.models import Outbox, Webhook
from inspection.errors import InvalidInput
from inspection.identity.accounts import actor_for
from inspection.types import utcnow
from server.jobs import functions as jobs
from server.settings import Settings, get_settings
from tests.hazards.test_outbox import Receiver, open_session

API = "/api/v1"
PUBLIC = "93.184.216.34"  # a public address; nothing is sent to it in these tests

REFUSED = [
    "http://127.0.0.1:8000/hook",
    "http://127.8.9.10/hook",
    "http://localhost:8000/hook",  # a name: its addresses are checked
    "http://2130706433/hook",  # 127.0.0.1 written as a number, which the resolver understands
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "http://[::ffff:10.0.0.1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT: not global
    "https://169.254.169.254/latest/meta-data",  # link-local: the cloud metadata service
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",  # unique local
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://240.0.0.1/hook",  # reserved
    "http://255.255.255.255/hook",
]


@pytest.fixture()
def allow(monkeypatch):
    def set_allowed(entries: list[str]) -> None:
        monkeypatch.setattr(get_settings(), "webhook_allowed_networks", entries)
    return set_allowed


def register(client, world, url: str):
    return client.post(f"{API}/webhooks", json={"url": url, "event_types": ["*"]}, headers=world.headers("office"))


@pytest.mark.parametrize("url", REFUSED)
def test_loopback_private_link_local_multicast_and_reserved_targets_are_refused(client, world, url):
    response = register(client, world, url)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "webhook_target_refused"
    assert "内网" in error["message"] and error["details"]["addresses"]


def test_a_public_target_is_taken_and_bad_urls_are_refused(client, world, session):
    assert register(client, world, f"https://{PUBLIC}/hook").status_code == 201
    assert register(client, world, "http://:80/hook").json()["error"]["code"] == "webhook_url_invalid"
    assert register(client, world, "http://example.com:99999/").json()["error"]["code"] == "webhook_url_invalid"
    session.rollback()
    assert len(session.exec(select(Webhook)).all()) == 1


def test_the_allow_list_opens_named_networks_and_hosts_only(client, world, allow):
    allow(["127.0.0.1/32", "10.20.0.0/16"])
    assert register(client, world, "http://127.0.0.1:8000/hook").status_code == 201
    assert register(client, world, "http://[::ffff:127.0.0.1]:8000/hook").status_code == 201  # the same address
    assert register(client, world, "http://10.20.3.4/hook").status_code == 201
    assert register(client, world, "http://10.21.3.4/hook").status_code == 422
    assert register(client, world, "http://127.0.0.2/hook").status_code == 422
    allow(["localhost"])
    assert register(client, world, "http://localhost:8000/hook").status_code == 201
    assert register(client, world, "http://127.0.0.1:8000/hook").status_code == 422  # the name, not its address


def test_a_host_resolving_to_one_bad_address_among_good_ones_is_refused(engine, world):
    office = actor_for(world.users["office"])
    with open_session() as session:
        with pytest.raises(InvalidInput) as refused:
            webhook_service.register(session, url="https://hooks.example.com/x", event_types=["*"], secret=None,
                                     actor=office, now=utcnow(), policy=targets.TargetPolicy(),
                                     resolve=lambda host, port: [PUBLIC, "10.0.0.7"])
        assert refused.value.details["addresses"] == {"10.0.0.7": "private"}

        def unknown(host: str, port: int) -> list[str]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        with pytest.raises(InvalidInput) as unresolved:
            webhook_service.register(session, url="https://nowhere.invalid/x", event_types=["*"], secret=None,
                                     actor=office, now=utcnow(), policy=targets.TargetPolicy(), resolve=unknown)
        assert unresolved.value.code == "webhook_host_unresolved" and "无法解析" in unresolved.value.message


def _queue_one() -> None:
    with open_session() as session:
        outbox.add(session, event_type="order.issued", dedup_key="order.issued:1", recipient="enterprise:1",
                   payload={"order_id": 1}, now=utcnow())
        session.commit()


def _webhook_row(session: Session) -> Outbox:
    session.rollback()
    return session.exec(select(Outbox).where(Outbox.channel == "webhook")).one()


def test_delivery_checks_again_when_the_allow_list_no_longer_names_the_target(client, world, session, allow):
    receiver = Receiver()
    try:
        allow(["127.0.0.1/32"])
        assert register(client, world, receiver.url).status_code == 201
        allow([])  # the office's network plan changed
        _queue_one()
        run = jobs.deliver_notifications(utcnow())
        assert run.ok and "failed=1" in run.summary
        assert receiver.received == []
        row = _webhook_row(session)
        assert row.status == "pending" and "内网" in row.last_error
    finally:
        receiver.close()


def test_delivery_resolves_again_and_posts_to_the_address_it_checked(engine, world, session):
    """DNS changed after registration (rebinding): the delivery refuses. When allowed, the POST goes to the
    checked address, carrying the host name it was registered under."""
    receiver = Receiver()
    try:
        office = actor_for(world.users["office"])
        port = receiver.server.server_port
        with open_session() as s:
            webhook_service.register(s, url=f"http://hooks.example.test:{port}/hook", event_types=["*"],
                                     secret=None, actor=office, now=utcnow(), policy=targets.TargetPolicy(),
                                     resolve=lambda host, p: [PUBLIC])
            s.commit()
        _queue_one()
        now = utcnow()
        rebound = notify.webhook_transport(targets.TargetPolicy(), resolve=lambda host, p: ["127.0.0.1"])
        assert notify.run_once(open_session, now=now, transport=rebound) == {"sent": 1, "failed": 1}
        assert receiver.received == [] and "hooks.example.test" in _webhook_row(session).last_error

        allowed = notify.webhook_transport(targets.TargetPolicy.parse(["127.0.0.0/8"]),
                                           resolve=lambda host, p: ["127.0.0.1"])
        assert notify.run_once(open_session, now=now + notify.backoff(1), transport=allowed)["sent"] == 1
        headers, _body = receiver.received[0]
        assert headers["Host"] == f"hooks.example.test:{port}"
    finally:
        receiver.close()


def test_the_policy_reads_networks_addresses_and_host_names():
    policy = targets.TargetPolicy.parse(["10.0.0.0/8", "192.168.5.7", "fd00::/8", "Hooks.Example.gov.cn.",
                                         "*.intra.example.cn"])
    assert policy.allows_address(ipaddress.ip_address("10.9.9.9"))
    assert policy.allows_address(ipaddress.ip_address("::ffff:10.9.9.9"))
    assert policy.allows_address(ipaddress.ip_address("192.168.5.7"))
    assert not policy.allows_address(ipaddress.ip_address("192.168.5.8"))
    assert policy.allows_address(ipaddress.ip_address("fd12::1"))
    assert policy.allows_host("hooks.example.gov.cn") and policy.allows_host("a.b.intra.example.cn")
    assert not policy.allows_host("intra.example.cn.evil.com")
    assert targets.not_public(ipaddress.ip_address(PUBLIC)) is None
    with pytest.raises(ValueError):
        targets.TargetPolicy.parse(["10.0.0.0/33x"])


def test_a_bad_allow_list_entry_fails_at_start_up(monkeypatch):
    monkeypatch.setenv("XUNCHA_WEBHOOK_ALLOWED_NETWORKS", '["10.0.0.0/8", "not a network!"]')
    with pytest.raises(ValidationError, match="not a network"):
        Settings()
