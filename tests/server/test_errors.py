"""Every 4xx/5xx answers ``{"error": {"code", "message", "details"}}``; request bodies have a size limit."""

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import get_settings
from tests.factories import credit_code

API = "/api/v1"
LIMIT = 2_000


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_401_has_the_error_shape(client, world):
    assert_error_shape(client.get(f"{API}/me"), 401, "unauthorized")


def test_403_has_the_error_shape(client, world):
    response = client.post(f"{API}/enterprises", json={"name": "某某公司", "credit_code": credit_code()},
                           headers=world.headers("inspector"))
    error = assert_error_shape(response, 403, "forbidden")
    assert set(error["details"]["allowed_roles"]) == {"office", "admin"}


def test_404_for_a_missing_record_has_the_error_shape(client, world):
    assert_error_shape(client.get(f"{API}/enterprises/424242", headers=world.headers("office")), 404, "not_found")


def test_404_for_an_unknown_path_has_the_error_shape(client):
    assert_error_shape(client.get("/no/such/page"), 404, "not_found")


def test_405_has_the_error_shape(client, world):
    response = client.put(f"{API}/enterprises", json={}, headers=world.headers("office"))
    assert_error_shape(response, 405, "method_not_allowed")


def test_409_has_the_error_shape(client, world):
    response = client.post(f"{API}/enterprises",
                           json={"name": "重复公司", "credit_code": world.enterprise_a.credit_code},
                           headers=world.headers("office"))
    assert_error_shape(response, 409, "duplicate_credit_code")


def test_422_for_a_bad_body_lists_each_problem_with_its_location(client, world):
    response = client.post(f"{API}/enterprises", json={"name": "x", "risk_class": "Z"},
                           headers=world.headers("office"))
    error = assert_error_shape(response, 422, "invalid")
    locations = {tuple(problem["loc"]) for problem in error["details"]}
    assert {("body", "name"), ("body", "risk_class"), ("body", "credit_code")} <= locations


def test_422_for_malformed_json_has_the_error_shape(client, world):
    response = client.post(f"{API}/enterprises", content=b"{not json", headers={
        **world.headers("office"), "Content-Type": "application/json"})
    assert_error_shape(response, 422, "invalid")


def test_422_for_a_bad_path_parameter_has_the_error_shape(client, world):
    assert_error_shape(client.get(f"{API}/enterprises/abc", headers=world.headers("office")), 422, "invalid")


def test_unhandled_exception_is_500_with_the_error_shape_and_no_stack_trace(engine):
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    error = assert_error_shape(response, 500, "internal")
    assert error["details"] is None
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text


# --- the body limit ------------------------------------------------------------------------------------

@pytest.fixture()
def small_app(engine, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_request_bytes", LIMIT)
    return create_app()


def test_body_with_too_large_content_length_is_413(small_app, world):
    with TestClient(small_app) as client:
        response = client.post(f"{API}/enterprises", content=b"x" * (LIMIT + 1),
                               headers={**world.headers("office"), "Content-Type": "application/json"})
    error = assert_error_shape(response, 413, "too_large")
    assert error["details"] == {"max_bytes": LIMIT}


def test_body_streamed_without_content_length_is_413(small_app, world):
    sent = []

    def chunks():
        for _ in range(10):
            sent.append(500)
            yield b" " * 500

    with TestClient(small_app) as client:
        response = client.post(f"{API}/enterprises", content=chunks(),
                               headers={**world.headers("office"), "Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error_shape(response, 413, "too_large")
    assert sum(sent) > LIMIT


def test_streamed_body_is_refused_before_it_is_all_read(small_app, world):
    """Straight through ASGI, one chunk at a time: the app stops asking for more once over the limit."""
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * 500, "more_body": pulled < 100}

    async def send(message):
        sent.append(message)

    token = world.headers("office")["Authorization"].encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": f"{API}/enterprises", "raw_path": f"{API}/enterprises".encode(), "query_string": b"",
        "root_path": "", "server": ("testserver", 80), "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"transfer-encoding", b"chunked"), (b"authorization", token)],
    }
    asyncio.run(small_app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 413
    assert json.loads(body)["error"]["code"] == "too_large"
    assert pulled == LIMIT // 500 + 1  # stopped at the first chunk over the limit, not after 100


def test_body_under_the_limit_is_accepted(small_app, world):
    with TestClient(small_app) as client:
        response = client.post(f"{API}/enterprises", json={"name": "小请求有限公司", "credit_code": credit_code()},
                               headers=world.headers("office"))
    assert response.status_code == 201
