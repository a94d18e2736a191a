"""Browser tests: the real app under uvicorn on a free port, Debian's Chromium driven by Playwright.

The server runs in a thread of this process against the test database (the ``engine`` fixture has migrated
it; ``world`` fills it per test). Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``), never a
browser downloaded by Playwright; without it these tests skip. Screenshots go to ``tests/artifacts/screens``.
"""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.helpers import PHONE_CONTEXT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--lang=zh-CN"]  # the browser's own words (file inputs, date fields) in Chinese, as on the phones


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(engine: Any) -> Iterator[str]:
    import uvicorn

    from server.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized browser context: its own storage, IndexedDB and service workers."""
    context = browser.new_context(**PHONE_CONTEXT, permissions=["geolocation"],
                                  bypass_csp=True)  # axe is injected as an inline script
    context.set_default_timeout(60000)
    yield context
    context.close()


@pytest.fixture()
def phone_filming(browser: Any) -> Iterator[Callable[[Path], Any]]:
    """``phone_filming(video)``: a phone whose camera films ``video`` (Y4M, looped), allowed to use it. Chromium
    takes the file when it starts, so each such phone is a browser of its own. The app's Content Security
    Policy applies unless ``checked=True`` (axe-core, for ``check_screen``, is injected inline): what the
    scanner loads must pass it."""
    launched: list[Any] = []

    def filming(video: Path, *, checked: bool = False) -> Any:
        camera = browser.browser_type.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"])
        launched.append(camera)
        context = camera.new_context(**PHONE_CONTEXT, permissions=["geolocation", "camera"], bypass_csp=checked)
        context.set_default_timeout(60000)
        return context

    yield filming
    for camera in launched:
        camera.close()


