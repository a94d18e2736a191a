"""Visit submission under load: throughput and p50/p99 at 50 concurrent clients, against a bare FastAPI
POST endpoint (the ceiling) served the same way in the same run.

Run: python -m tests.bench.bench_submit [--count 3000] [--concurrency 50] [--workers 2] [--threads 4]
(the defaults: the configuration that meets the issue's targets on two cores; see tests/bench/README.md)

The clients connect a few milliseconds apart (``--stagger``), as phones do, not in one burst: uvicorn's workers
share a listening socket, and a burst lands most connections on whichever worker is awake first (measured
splits of 1/2/9/38 over four workers), after which those keep-alive clients queue on one process. The
split is printed.
"""

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, visits: int) -> tuple[list[int], list[str], str]:
    """A department, two certified inspectors, one Al/Mg-dust gas-using enterprise and `visits` visits."""
    from sqlmodel import Session

    from inspection.field import visits as visit_service
    from inspection.identity.accounts import actor_for
    from inspection.types import utcnow
    from schemas.enums import Role
    from schemas.visits import VisitCreate
    from server import db, migrate
    from server.auth import issue_token
    from tests import factories

    migrate.upgrade(url)
    engine = db.init_engine(url)
    with Session(engine) as session:
        dept = factories.make_department(session, "应急")
        enterprise = factories.make_enterprise(session, dust_involved=True, dust_kind="aluminium_magnesium",
                                               gas_user=True, gas_supply="pipeline", industry="metal_processing")
        a = factories.make_user(session, "bench_a", Role.INSPECTOR, department_id=dept.id, cert_no="1")
        b = factories.make_user(session, "bench_b", Role.INSPECTOR, department_id=dept.id, cert_no="2")
        actor = actor_for(a)
        ids = []
        for _ in range(visits):
            visit = visit_service.create(session, VisitCreate(enterprise_id=enterprise.id, inspector_ids=[b.id]),
                                         actor=actor, now=utcnow())
            ids.append(visit.id)
        codes = [asked.item.code for asked in visit_service.asked_items(session, visit)]
        session.commit()
        token, _ = issue_token(a, now=utcnow())
    engine.dispose()
    return ids, codes, token


def connections_per_worker(port: int) -> list[int]:
    """Established server-side connections on ``port`` per process (from ``ss``; empty where it is missing)."""
    try:
        out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(collections.Counter(re.findall(r"pid=(\d+)", out)).values())


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its descendants, from /proc (0 elsewhere).
    CPU time, unlike latency, is barely inflated by other work on a shared machine."""
    from tests.bench import cpu_split

    used = cpu_split.reading(pid)
    return used["api"] + used["photos"]


def start(app: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--host", "127.0.0.1",
            "--log-level", "warning", "--workers", str(workers), "--no-access-log"]
    if app.endswith("create_app"):
        args.append("--factory")
    process = subprocess.Popen(args, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start")


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


def encode(port: int, path: str, body: dict, headers: dict[str, str]) -> bytes:
    """A pre-serialised keep-alive HTTP/1.1 request: the load generator spends almost no CPU per request."""
    payload = json.dumps(body).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
             f"Content-Length: {len(payload)}", *[f"{k}: {v}" for k, v in headers.items()]]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def load(port: int, requests: list[bytes], concurrency: int, stagger: float = 0.0) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    split: list[int] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)

    async def worker(k: int) -> None:
        nonlocal failures
        await asyncio.sleep(k * stagger)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                request = queue.get_nowait()
                started = time.perf_counter()
                status = await _post(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                if status != 201:
                    failures += 1
        finally:
            writer.close()

    async def look() -> None:
        await asyncio.sleep(concurrency * stagger + 1)
        split.extend(await asyncio.to_thread(connections_per_worker, port))

    started = time.perf_counter()
    await asyncio.gather(look(), *(worker(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[max(int(len(latencies) * p) - 1, 0)] * 1000

    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000, "p90": pct(0.9),
            "p99": pct(0.99), "max": latencies[-1] * 1000, "failures": failures, "n": len(latencies),
            "split": split}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="XUNCHA_WORKER_THREADS (0: FastAPI's 40)")
    parser.add_argument("--stagger", type=float, default=0.01, help="seconds between client connects")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-bench-"))
    url = f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "XUNCHA_DATABASE_URL": url, "XUNCHA_MEDIA_DIR": str(tmp / "media"),
           "XUNCHA_SCHEDULER_ENABLED": "false", "XUNCHA_SECRET_KEY": "bench-secret-0123456789-0123456789-xx",
           "XUNCHA_ENV": "development", "XUNCHA_WORKER_THREADS": str(args.threads),
           "UV_TCP_SINGLE_ACCEPT": "1"}  # as `xuncha serve` sets it
    os.environ.update({k: v for k, v in env.items() if k.startswith("XUNCHA_")})
    warm = 100
    ids, codes, token = seed(url, args.count + warm)
    headers = {"Authorization": f"Bearer {token}"}

    def body() -> dict:
        return {"client_uuid": str(uuid.uuid4()), "results": [{"item_code": c, "result": "pass"} for c in codes]}

    print(f"{len(codes)}-item submissions, {args.count} requests, {args.concurrency} concurrent clients "
          f"connecting {args.stagger * 1000:.0f} ms apart, {args.workers} server worker(s) x "
          f"{args.threads or 40} threads, SQLite WAL")
    figures = {}
    for name, app in (("bare FastAPI POST (ceiling)", "tests.bench.bare_app:app"),
                      ("xuncha visit submission", "server.app:create_app")):
        port = free_port()
        server = start(app, port, env, args.workers)
        try:
            if app.startswith("tests"):
                work = [encode(port, "/bare", body(), headers) for _ in range(args.count + warm)]
            else:
                work = [encode(port, f"/api/v1/visits/{vid}/submissions", body(), headers) for vid in ids]
            asyncio.run(load(port, work[:warm], args.concurrency))
            cpu = process_tree_cpu(server.pid)
            figures[name] = asyncio.run(load(port, work[warm:], args.concurrency, args.stagger))
            figures[name]["cpu_ms"] = (process_tree_cpu(server.pid) - cpu) * 1000 / figures[name]["n"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'case':32} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'failed':>7}"
          f" {'server CPU ms/req':>18}  connections per worker")
    for name, f in figures.items():
        print(f"{name:32} {f['rps']:8.0f} {f['p50']:8.1f} {f['p90']:8.1f} {f['p99']:8.1f} {f['max']:8.1f} "
              f"{f['failures']:7d} {f['cpu_ms']:18.2f}  {f['split']}")
    ours, bare = figures["xuncha visit submission"], figures["bare FastAPI POST (ceiling)"]
    print(f"throughput vs ceiling: {ours['rps'] / bare['rps']:.2f}; server CPU per submission "
          f"{ours['cpu_ms']:.2f} ms, {ours['cpu_ms'] - bare['cpu_ms']:.2f} ms more than the bare endpoint's; "
          f"targets: p99 < 250 ms, >= 150 submissions/s; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
