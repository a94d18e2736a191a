"""Failed logins slow down whoever fails, not the user: counted per username and client address, with a much
higher ceiling per username; the client address comes from X-Forwarded-For only through trusted proxies."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from inspection.identity import accounts
from server.clients import client_address, parse_networks
from server.settings import get_settings
from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token"
ATTACKER = ("203.0.113.66", 40000)
INSPECTOR_PHONE = ("198.51.100.7", 50000)
PROXY = ("10.0.0.2", 60000)


def from_address(client: TestClient, address: tuple[str, int]) -> TestClient:
    """The same app seen from another client address (no second lifespan: the app is already up)."""
    return TestClient(client.app, client=address)


def login(client: TestClient, username: str, password: str = PASSWORD, **headers: str):
    return client.post(TOKEN, data={"username": username, "password": password}, headers=headers)


def test_wrong_passwords_from_one_address_lock_that_address_not_the_user(client, world):
    attacker, phone = from_address(client, ATTACKER), from_address(client, INSPECTOR_PHONE)
    for _ in range(get_settings().login_max_failures):
        assert login(attacker, "inspector", "guess").status_code == 401
    locked = login(attacker, "inspector")  # even the right password waits, from there
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert login(phone, "inspector").status_code == 200  # the inspector in the field logs in
    assert login(attacker, "office").status_code == 200  # and the attacker's address is not barred from others


def test_many_addresses_together_reach_the_per_username_ceiling(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_max_failures_per_user", 8)
    for n in range(4):  # 4 + 4 failures from two addresses: neither reaches its own limit of 5
        for host in ("203.0.113.1", "203.0.113.2"):
            assert login(from_address(client, (host, 1)), "inspector", f"guess{n}").status_code == 401
    locked = login(from_address(client, INSPECTOR_PHONE), "inspector")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_requests"
    assert login(from_address(client, INSPECTOR_PHONE), "office").status_code == 200


def test_a_success_clears_the_counts(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_max_failures_per_user", 6)
    attacker = from_address(client, ATTACKER)
    for _ in range(4):
        assert login(attacker, "inspector", "typo").status_code == 401
    assert login(attacker, "inspector").status_code == 200  # it was the inspector, mistyping
    for _ in range(4):  # counts start again: no lock at 5 or at the user's 6
        assert login(attacker, "inspector", "typo").status_code == 401
    assert login(attacker, "inspector").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "trusted_proxies", ["10.0.0.0/8"])
    proxy = from_address(client, PROXY)
    for n in range(get_settings().login_max_failures):  # the attacker makes up the left part each time
        response = login(proxy, "inspector", "guess", **{"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.66"})
        assert response.status_code == 401
    assert login(proxy, "inspector", **{"X-Forwarded-For": "192.0.2.99, 203.0.113.66"}).status_code == 429
    assert login(proxy, "inspector", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200


def test_from_an_untrusted_peer_x_forwarded_for_is_ignored(client, world):
    attacker = from_address(client, ATTACKER)  # no trusted proxies configured
    for n in range(get_settings().login_max_failures):
        assert login(attacker, "inspector", "guess", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code == 401
    assert login(attacker, "inspector", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429


def test_failures_arriving_together_are_all_counted_and_never_a_500(client, world):
    attacker = from_address(client, ATTACKER)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: login(attacker, "inspector", f"guess{n}").status_code, range(16)))
    assert set(statuses) <= {401, 429} and statuses.count(401) >= get_settings().login_max_failures
    assert login(attacker, "inspector").status_code == 429
    assert login(from_address(client, INSPECTOR_PHONE), "inspector").status_code == 200


def test_a_very_long_username_fails_like_any_other(client, world):
    attacker = from_address(client, ATTACKER)
    assert login(attacker, "x" * 500, "guess").status_code == 401  # the throttle key stays short (no 500)
    pair, user = accounts.throttle_keys("x" * 500, "2001:db8:1:2::/64")
    assert len(pair) <= 160 and len(user) <= 160 and pair != accounts.throttle_keys("x" * 499, "a")[0]


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "client": (peer, 1)})


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # untrusted peer: its header is the client's word
    ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
    ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], "198.51.100.1"),  # right-most untrusted
    ("10.0.0.2", ["1.2.3.4, 198.51.100.1, 10.0.0.9"], "198.51.100.1"),  # past a chain of trusted proxies
    ("10.0.0.2", ["1.2.3.4", "198.51.100.1"], "198.51.100.1"),  # several header lines read as one list
    ("10.0.0.2", ["not-an-address"], "10.0.0.2"),  # garbage: the proxy itself
    ("10.0.0.2", ["1.2.3.4, garbage, 10.0.0.9"], "10.0.0.9"),
    ("10.0.0.2", [], "10.0.0.2"),
    ("10.0.0.2", ["10.0.0.7"], "10.0.0.7"),  # all trusted: the left-most
    ("::ffff:203.0.113.5", [], "203.0.113.5"),  # IPv4 on a dual-stack socket
    ("2001:db8:1:2:aaaa::1", [], "2001:db8:1:2::/64"),  # an IPv6 client is its /64
    ("10.0.0.2", ["[2001:db8:1:2::9]:4431"], "2001:db8:1:2::/64"),
    ("testclient", ["198.51.100.1"], "testclient"),
])
def test_the_client_address(peer, forwarded, expected):
    assert client_address(request(peer, *forwarded), parse_networks(["10.0.0.0/8"])) == expected
