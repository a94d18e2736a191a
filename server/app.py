"""create_app(): routers, the error handler, the body limit, and the scheduler in the lifespan."""

import gc
import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from inspection.types import utcnow
from server import db, errors, media, pages
from server.limits import BodyLimitMiddleware, NulInUrlMiddleware
from server.routes import (
    admin,
    auth,
    burden,
    campaigns,
    casefiles,
    checklists,
    departments,
    documents,
    draws,
    drill,
    enterprises,
    grid,
    hazards,
    inbox,
    insurance,
    leasing,
    ledgers,
    linkage,
    majors,
    photos,
    portal,
    qr,
    ratings,
    referrals,
    signoff,
    stats,
    tasks,
    tenancies,
    visits,
    webhooks,
)
from server.settings import get_settings

log = logging.getLogger("xuncha")

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Starts a scheduler runner when enabled: it fires jobs only while it holds the lock (server/scheduler.py),
    so several workers, or a separate ``xuncha scheduler``, never run a job twice."""
    threads = get_settings().threads_per_process()
    if threads:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    # Everything loaded so far (modules, checklists, the app) lives as long as the process: keep it out of the
    # collector's way, or each full collection walks it all while a request (maybe holding the write slot) waits.
    gc.collect()
    gc.freeze()
    try:  # a killed upload's partial files; old ones only, so another node's upload in progress is left alone
        await anyio.to_thread.run_sync(media.remove_partial_files, utcnow())
    except OSError:
        log.exception("could not remove partial photo files")
    checkpointer = db.start_checkpointer()
    runner = None
    if get_settings().scheduler_enabled:
        from server.jobs import scheduler

        runner = scheduler.runner_from_settings()
        runner.start()
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()
        if checkpointer is not None:
            checkpointer.stop()
        media.shut_down()


# The API's routers in the order their routes are matched, one regular expression each: the busiest paths first
# (the phones', then the office's lists and statistics); a path behind all ~160 routes cost ~0.7 ms of matching
# per request. tests/server/test_route_order.py checks that no route shadows another.
ROUTERS: tuple[APIRouter, ...] = (
    documents.router,  # before visits: /visits/{id} would swallow /visits/{id}.pdf
    visits.router, auth.router, hazards.router, photos.router, stats.router, enterprises.router,
    tenancies.router, leasing.router, majors.router, qr.router, webhooks.router, portal.router, ratings.router,
    departments.router, checklists.router, tasks.router, draws.router, referrals.router, admin.router,
    burden.router, signoff.router, linkage.router, insurance.router, campaigns.router, grid.router,
    ledgers.router, drill.router, inbox.router, inbox.heads, casefiles.router,
)


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
    app.add_middleware(NulInUrlMiddleware)

    health_threads = anyio.CapacityLimiter(2)  # its own threads: a request pool busy with writes does not delay it

    @app.get("/healthz", tags=["ops"])  # before the API's routes: matched without walking them
    async def healthz() -> Any:
        if not await anyio.to_thread.run_sync(db.database_answers, limiter=health_threads):
            return errors.error_json(503, "unavailable", "数据库不可用 / database unavailable")
        return {"status": "ok", "database": "ok"}

    api = APIRouter()
    for router in ROUTERS:  # their routes in one router: each router included apart is one more level FastAPI
        api.routes.extend(router.routes)  # walks per request (about twice the matching); the routes carry their
    for route in api.routes:  # a sync route's sessions give their PostgreSQL connection back when it returns
        if isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.endpoint):
            route.endpoint = db.released_at_return(route.endpoint)  # once (the routes are shared); included below
    app.include_router(api, prefix=API_PREFIX)  # tags, dependencies and responses (the OpenAPI is the same)
    pages.install(app)  # /app/, /portal/, /office/, /static/
    return app
