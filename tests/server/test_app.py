"""The application shell: health check, API docs, and the documented error contract."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import create_engine

from server import db
from server.app import create_app


def test_healthz_reports_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_fails_when_the_database_is_unreachable(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(db, "_health_engine", create_engine(f"sqlite:///{tmp_path}/no/such/dir/x.db"))

    app = create_app()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


def test_docs_page_loads(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text.lower()


@pytest.fixture()
def openapi(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_the_api_routes(openapi):
    paths = openapi["paths"]
    for path in ("/api/v1/enterprises", "/api/v1/enterprises/{enterprise_id}",
                 "/api/v1/enterprises/{enterprise_id}/contact", "/api/v1/plant-sites/{site_id}",
                 "/api/v1/auth/token", "/api/v1/me", "/healthz"):
        assert path in paths


@pytest.mark.parametrize("status", ["404", "422"])
def test_openapi_documents_the_error_shape(openapi, status):
    operation = openapi["paths"]["/api/v1/enterprises/{enterprise_id}"]["get"]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    error = openapi["components"]["schemas"]["ErrorResponse"]["properties"]["error"]
    body = openapi["components"]["schemas"][error["$ref"].rsplit("/", 1)[-1]]
    assert {"code", "message", "details"} <= set(body["properties"])


def test_openapi_create_enterprise_documents_conflict_and_refusal(openapi):
    responses = openapi["paths"]["/api/v1/enterprises"]["post"]["responses"]
    assert {"201", "401", "403", "409", "422"} <= set(responses)
