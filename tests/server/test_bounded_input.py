"""Hostile numbers and dates: every integer a client may send is bounded in the OpenAPI, and out-of-range
values are a 422 in Chinese, never an overflow (500) in the database driver or in date arithmetic."""

from typing import Any

import pytest

from schemas.common import MAX_ID
from server.app import create_app

API = "/api/v1"
INT64_MAX = 2**63 - 1
HUGE = "1331096047967304679424"


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = spec["components"]["schemas"][name]
    return node


def _unbounded_integers(spec: dict[str, Any], node: Any, where: str, seen: set[str]) -> list[str]:
    if isinstance(node, dict) and "$ref" in node:
        if node["$ref"] in seen:
            return []
        seen = seen | {node["$ref"]}
        node = _resolve(spec, node)
    if isinstance(node, list):
        return [bad for i, sub in enumerate(node) for bad in _unbounded_integers(spec, sub, f"{where}[{i}]", seen)]
    if not isinstance(node, dict):
        return []
    out = []
    if node.get("type") == "integer" and not (
        node.get("minimum", -(2**64)) >= -INT64_MAX - 1 and node.get("maximum", 2**64) <= INT64_MAX
    ):
        out.append(where)
    for key, sub in node.items():
        if key in ("properties", "$defs"):
            out += [bad for name, prop in sub.items()
                    for bad in _unbounded_integers(spec, prop, f"{where}.{name}", seen)]
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "schema"):
            out += _unbounded_integers(spec, sub, f"{where}.{key}", seen)
    return out


def test_every_integer_a_client_sends_is_bounded_in_the_openapi():
    spec = create_app().openapi()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for param in operation.get("parameters", []):
                unbounded += _unbounded_integers(spec, param["schema"], f"{label} ?{param['name']}", set())
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                unbounded += _unbounded_integers(spec, content["schema"], f"{label} body({media})", set())
    assert unbounded == []


@pytest.mark.parametrize("role", ["admin", "office", "inspector", "enterprise_a"])
@pytest.mark.parametrize("path", [
    f"/hazards/{HUGE}", f"/plant-sites/{HUGE}", f"/enterprises/{HUGE}", f"/visits/{HUGE}/checklist",
    f"/orders/{HUGE}.pdf", f"/ratings?offset={HUGE}", f"/enterprises?offset={HUGE}", f"/hazards?enterprise_id={HUGE}",
    f"/stats/top-items?department_id={HUGE}", f"/orders/{2**63}", f"/tasks?offset={2**63}",
    f"/enterprises/{MAX_ID + 1}",
])
def test_ids_and_offsets_past_the_columns_are_422_in_chinese(client, world, role, path):
    response = client.get(f"{API}{path}", headers=world.headers(role))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "请求数据不合法 / invalid request"


def test_a_huge_id_in_a_body_is_422(client, world):
    body = {"enterprise_id": int(HUGE), "inspector_ids": [2**63]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 422, response.text
    assert {tuple(p["loc"]) for p in response.json()["error"]["details"]} == {
        ("body", "enterprise_id"), ("body", "inspector_ids", 0)}


def test_the_largest_id_is_simply_not_found(client, world):
    response = client.get(f"{API}/enterprises/{MAX_ID}", headers=world.headers("office"))
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["from=0001-01-01&to=0001-01-02", "from=9999-12-30&to=9999-12-31",
                                   "to=0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_422(client, world, query):
    for path in ("/stats/closure", "/stats/top-items", "/tasks/merge-report"):
        response = client.get(f"{API}{path}?{query}", headers=world.headers("office"))
        assert response.status_code == 422, (path, response.text)


@pytest.mark.parametrize("path", [
    "/stats/report.pdf?month=9999-12", "/stats/report.pdf?month=0001-01", "/stats/closure?month=9999-12",
    "/stats/closure?month=0001-01&group_by=month", "/stats/overdue?at=0001-01-01T00:00:00%2B08:00",
    "/stats/overdue?at=9999-12-31T23:59:59-14:00", "/stats/overdue?at=0001-01-01", "/stats/overdue?at=9999-12-31",
])
def test_months_and_instants_at_the_ends_of_the_calendar_are_422(client, world, path):
    response = client.get(f"{API}{path}", headers=world.headers("office"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in ("invalid_month", "invalid_at")
