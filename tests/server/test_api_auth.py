from datetime import timedelta

import jwt

from inspection.types import utcnow
from server.auth import ALGORITHM
from server.settings import get_settings
from tests.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_returns_token_with_expiry_and_me_shows_role(client, world):
    response = login(client, "inspector")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "inspector"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "inspector"
    assert me.json()["department"]["code"] == "应急"
    assert me.json()["cert_no"] == "32041100001"


def test_wrong_password_and_unknown_user_get_the_same_401(client, world):
    wrong = login(client, "inspector", "nope")
    unknown = login(client, "nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_expired_token_is_refused(client, world):
    now = utcnow() - timedelta(hours=10)
    claims = {"sub": str(world.users["office"].id), "role": "office", "iat": now, "exp": now + timedelta(hours=1)}
    token = jwt.encode(claims, get_settings().secret_key, algorithm=ALGORITHM)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "expired" in response.json()["error"]["message"]


def test_forged_token_is_refused(client, world):
    token = jwt.encode({"sub": str(world.users["admin"].id), "exp": utcnow() + timedelta(hours=1)},
                       "someone-elses-secret-that-is-long-enough-0123", algorithm=ALGORITHM)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_no_token_is_401(client, world):
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_repeated_failures_lock_the_username(client, world):
    for _ in range(get_settings().login_max_failures):
        assert login(client, "office", "wrong").status_code == 401
    locked = login(client, "office")  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert login(client, "inspector").status_code == 200  # other users are unaffected


def test_inactive_user_cannot_log_in(client, world, session):
    user = world.users["inspector2"]
    user.is_active = False
    session.add(user)
    session.commit()
    assert login(client, "inspector2").status_code == 401


def signed_in_then_deactivated(client, world, session) -> dict[str, str]:
    """inspector2 logs in and is served once (so the actor is remembered), then is deactivated; its headers."""
    token = login(client, "inspector2").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    user = world.users["inspector2"]
    user.is_active = False
    session.add(user)
    session.commit()
    return headers


def test_a_deactivated_user_is_refused_once_the_remembered_actor_ages_out(client, world, session, monkeypatch):
    from server import auth

    headers = signed_in_then_deactivated(client, world, session)
    later = auth.monotonic() + get_settings().actor_cache_seconds + 0.1
    monkeypatch.setattr(auth, "monotonic", lambda: later)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert "停用" in refused.json()["error"]["message"]


def test_with_no_actor_cache_every_request_reads_the_user(client, world, session, monkeypatch):
    monkeypatch.setenv("XUNCHA_ACTOR_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    try:
        headers = signed_in_then_deactivated(client, world, session)
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    finally:
        monkeypatch.delenv("XUNCHA_ACTOR_CACHE_SECONDS")
        get_settings.cache_clear()


def test_a_remembered_token_still_expires_on_time(client, world, monkeypatch):
    from server import auth

    body = login(client, "inspector2").json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # now remembered
    expiry = jwt.decode(body["access_token"], options={"verify_signature": False})["exp"]
    monkeypatch.setattr(auth, "unix_time", lambda: expiry + 1)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401
    assert "过期" in expired.json()["error"]["message"]
