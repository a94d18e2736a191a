"""The statistics calls of ``bench_stats`` over HTTP, as the issue measured them: the real server (uvicorn, one
worker, the app's own settings) on a bench data set, an office user's token, each JSON call's wall time from
the request's first byte to the answer's last, median of ``runs`` after one warm-up call.

The in-process calls of ``bench_stats.calls`` leave out what HTTP adds (the token's user lookup, routing,
parameter parsing, the response's bytes on the socket); this says what a browser waits. "Now" is the server's
clock here, so the due cohort (deadlines passed by now) covers the whole period, as in-process at ``AS_OF``.

    XUNCHA_BENCH_PG=<url> python -m tests.bench.bench_stats --backend pg --calls-only --http
"""

import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.bench.bench_submit import free_port, start

BENCH_USER = "bench_office"
SECRET = "bench-secret-0123456789-0123456789-xx"


def paths(year: tuple[str, str], five_years: tuple[str, str], as_of: str) -> list[tuple[str, str]]:
    """(label, path) of every JSON call with a target, labelled as ``bench_stats.calls`` labels them."""
    def closure(group_by: str, period: tuple[str, str]) -> str:
        return "/api/v1/stats/closure?" + urlencode({"group_by": group_by, "from": period[0], "to": period[1]})

    out = [(f"/stats/closure?group_by={g}, 12 months", closure(g, year))
           for g in ("street", "department", "kind", "item_code", "item_code,street", "industry", "risk_class")]
    out += [("/stats/closure?group_by=month, 5 years (trend)", closure("month", five_years)),
            ("/stats/top-items, 12 months",
             "/api/v1/stats/top-items?" + urlencode({"from": year[0], "to": year[1], "limit": 10})),
            ("/stats/overdue (now, first 100)",
             "/api/v1/stats/overdue?" + urlencode({"at": as_of, "limit": 100}))]
    return out


def office_token(engine: Engine) -> str:
    """A token of the bench's office user, added to the data set on first use."""
    os.environ["XUNCHA_SECRET_KEY"] = SECRET
    from inspection.models import User
    from schemas.enums import Role
    from server.auth import issue_token
    from server.settings import get_settings
    from tests import factories

    get_settings.cache_clear()
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == BENCH_USER)).first()
        if user is None:
            user = factories.make_user(session, BENCH_USER, Role.OFFICE)
            session.commit()
        return issue_token(user, now=datetime.now(UTC))[0]


def over_http(engine: Engine, url: str, calls: list[tuple[str, str]], runs: int) -> list[tuple[str, float, str]]:
    """(label, median wall ms, load average when done) per call, through a server started on ``url``."""
    token = office_token(engine)
    media = tempfile.mkdtemp(prefix="xuncha-stats-http-")
    env = {**os.environ, "XUNCHA_DATABASE_URL": url, "XUNCHA_SECRET_KEY": SECRET, "XUNCHA_MEDIA_DIR": media,
           "XUNCHA_SCHEDULER_ENABLED": "false", "XUNCHA_ENV": "development"}
    port = free_port()
    server = start("server.app:create_app", port, env, 1)
    out = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for label, path in calls:
                answer = client.get(path)  # warm-up: statements built and prepared, pages cached
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
                walls = []
                for _ in range(runs):
                    began = time.perf_counter()
                    client.get(path).raise_for_status()
                    walls.append((time.perf_counter() - began) * 1000)
                load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                out.append((label, statistics.median(walls), load))
                print(f"  http {label:55} {out[-1][1]:7.0f} ms  (load {load})", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(media, ignore_errors=True)
    return out
