"""The three web faces, served as plain files from ``server/static`` (no build step, no CDN).

``/app/`` the inspector's phone app (offline-capable), ``/portal/`` the enterprise portal (and
``/portal/orders/{token}``, the link printed on an order), ``/office/`` the safety office's dashboard,
``/static/`` what they share. A plaque's QR (``/q/{token}``) opened by a phone's camera lands in the app.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
FACES = ("app", "portal", "office")
# everything is served by the app itself: no third-party origin is ever needed
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP,
           "Referrer-Policy": "no-referrer"}

router = APIRouter(include_in_schema=False)


class Static(StaticFiles):
    """Static files revalidated on every load (ETag), so a deploy is picked up; the app's service worker is
    what keeps them for offline use."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def _page(face: str) -> FileResponse:
    return FileResponse(STATIC / face / "index.html", media_type="text/html", headers=HEADERS)


@router.get("/portal/orders/{token}")
def portal_order_page(token: str) -> FileResponse:
    """The page behind the QR on a printed order; its script reads the token from the address."""
    return _page("portal")


@router.get("/q/{token}")
def plaque_page(token: str) -> RedirectResponse:
    """A plaque scanned with the phone's own camera app: open the inspector app on that scan."""
    return RedirectResponse(f"/app/#/scan/{token}", status_code=303)


@router.get("/")
def home() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        "<title>巡查</title><link rel=stylesheet href=/static/base.css><main class=page><h1>巡查</h1><ul class=links>"
        "<li><a href=/app/>检查人员（手机）</a><li><a href=/portal/>企业端</a><li><a href=/office/>安委办驾驶舱</a>"
        "<li><a href=/docs>API 文档</a></ul></main></html>", headers=HEADERS)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", Static(directory=STATIC / "common"), name="static")
    for face in FACES:
        app.mount(f"/{face}", Static(directory=STATIC / face, html=True), name=face)
