"""Request limits: bodies over the limit get 413 while they stream in, not after they have been buffered; a NUL
character in the path or query is a 422 before any route sees it."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_json


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, too_large_message(self.max_bytes))
            return message

        await self.app(scope, limited_receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_json(413, "too_large", too_large_message(self.max_bytes),
                              {"max_bytes": self.max_bytes}, {"Connection": "close"})
        await response(scope, receive, send)


def too_large_message(limit: int) -> str:
    return f"请求体过大，上限 {limit // (1024 * 1024)} MB / request body over {limit} bytes"


NUL_MESSAGE = "请求中不能含有空字符 (NUL) / the request may not contain a NUL character"


class NulInUrlMiddleware:
    """``%00`` in a path or query reaches no route: PostgreSQL text cannot hold NUL (a DataError, so a 500),
    and no id, name or filter contains one. JSON bodies are refused by ``schemas.common.StrictIn``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            response = error_json(422, "invalid", NUL_MESSAGE)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
