"""One error shape for every 4xx/5xx: ``{"error": {"code", "message", "details"}}``."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from inspection import errors as domain
from inspection.photos.storage import StoreUnavailable
from schemas.common import ErrorResponse
from schemas.validation_messages import http_message, message_for
from server.db import DatabaseBusy

log = logging.getLogger("xuncha.errors")

STATUS_BY_ERROR: list[tuple[type[domain.DomainError], int]] = [
    (domain.NotFound, 404),
    (domain.NotPermitted, 403),
    (domain.Conflict, 409),
    (domain.TooLarge, 413),
    (domain.Unsupported, 415),
    (domain.InvalidInput, 422),
]

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media", 422: "invalid", 429: "too_many_requests",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": code} for status, code in
    [(401, "unauthorized"), (403, "forbidden"), (404, "not_found"), (409, "conflict"), (413, "too_large"),
     (422, "invalid"), (503, "busy")]
}


def error_json(status: int, code: str, message: str, details: Any = None,
               headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def status_for(exc: domain.DomainError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(domain.DomainError)
    async def _domain(_: Request, exc: domain.DomainError) -> JSONResponse:
        return error_json(status_for(exc), exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(err.get("loc", ())), "message": message_for(dict(err)), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return error_json(422, "invalid", "请求数据不合法 / invalid request", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = http_message(exc.status_code, exc.detail)
        return error_json(exc.status_code, code, message, None, getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # a race the service's own check could not see (two requests registering the same code at once)
        log.warning("integrity error answered as 409: %s", exc.orig)
        return error_json(409, "conflict", "数据冲突，请刷新后重试 / conflicting change, reload and retry")

    def busy() -> JSONResponse:
        return error_json(503, "busy", "系统繁忙，请稍后重试 / the server is busy, retry shortly",
                          headers={"Retry-After": str(DatabaseBusy.retry_after)})

    @app.exception_handler(DatabaseBusy)
    async def _busy(_: Request, exc: DatabaseBusy) -> JSONResponse:
        log.warning("answered 503: %s", exc)
        return busy()

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("answered 503: photo store unavailable (%s)", exc.__cause__ or exc)
        return error_json(503, exc.code, exc.message, exc.details,
                          headers={"Retry-After": str(StoreUnavailable.retry_after)})

    @app.exception_handler(PoolTimeout)
    async def _pool(_: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("answered 503: no database connection in time")
        return busy()

    @app.exception_handler(OperationalError)
    async def _operational(_: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" in str(exc.orig) or "could not serialize" in str(exc.orig):
            log.warning("answered 503: %s", exc.orig)
            return busy()
        log.exception("database error", exc_info=exc)
        return error_json(500, "internal", "服务器内部错误 / internal error")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_json(500, "internal", "服务器内部错误 / internal error")
