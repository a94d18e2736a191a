"""create_app(): routers, the error handler, the body limit, and the scheduler in the lifespan."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from server import errors
from server.db import SessionDep
from server.limits import BodyLimitMiddleware
from server.routes import auth, documents, enterprises, hazards, visits
from server.settings import get_settings

log = logging.getLogger("xuncha")

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="xuncha 巡查",
        version="0.1.0",
        description="Workplace-safety inspection and hazard-closure API for district safety offices.",
        lifespan=lifespan,
        responses=errors.ERROR_RESPONSES,
    )
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth.router)
    api.include_router(enterprises.router)
    api.include_router(documents.router)  # before visits: /visits/{id} would swallow /visits/{id}.pdf
    api.include_router(visits.router)
    api.include_router(hazards.router)
    app.include_router(api)

    @app.get("/healthz", tags=["ops"])
    def healthz(session: SessionDep) -> dict[str, str]:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        return {"status": "ok", "database": "ok"}

    return app
