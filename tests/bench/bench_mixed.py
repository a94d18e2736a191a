"""A district's Monday morning on one machine: inspectors' whole flows beside office and enterprise reads.

A quarter of the clients run the inspector's flow (create a visit, start it, read its checklist, upload a real
photo, submit; one flow in five fails an item, so hazards and orders are written too); the rest read ten
list, detail and statistics endpoints. Every client waits for its answer before the next request (a phone),
up to 30 s (a client timeout). ``/healthz`` is probed twice a second during the load and for 5 s after it.
A bare FastAPI app (tests/bench/bare_app.py) served the same way gives the ceiling in the same run.

Run: python -m tests.bench.bench_mixed [--configs sqlite:1,sqlite:2,postgres:2,postgres:4] [--clients 10,50,100]
     [--seconds 30] [--threads 0]
Prints requests/s, p50/p99 per endpoint, 5xx, 503s and client timeouts, and /healthz latency; photo uploads
are reported on their own line (a 12 MP upload takes seconds of CPU on two cores).
"""

import argparse
import asyncio
import collections
import io
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench import cpu_split
from tests.bench.bench_submit import free_port, start

TIMEOUT = 30.0
PHONE_SIZE, FULL_SIZE = (1600, 1200), (4000, 3000)
# PostgreSQL where the bench makes its database: this machine by default; another host to give it its own cores
PG_ADMIN = os.environ.get("XUNCHA_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# --- photos ------------------------------------------------------------------------------------------------

def photo_like(size: tuple[int, int], seed: int) -> bytes:
    """A JPEG with structure, texture and noise (a wall, a machine, a floor), not a flat colour."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    w, h = size
    small = rng.integers(40, 220, size=(h // 40 + 1, w // 40 + 1, 3), dtype=np.uint8)
    base = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    pixels = np.asarray(base, dtype=np.int16) + rng.normal(0, 9, size=(h, w, 3)).astype(np.int16)
    out = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(out, "JPEG", quality=88)
    return out.getvalue()


def unique(jpeg: bytes) -> bytes:
    """The same picture with a comment segment of its own, so every upload is a new file."""
    note = uuid.uuid4().hex.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]


# --- a small keep-alive HTTP/1.1 client (the load generator must stay cheap on two cores) ------------------

class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.node = str(port)  # whom the answers are counted for (tests/bench/bench_nodes.py: a node's name)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}",
                 *[f"{k}: {v}" for k, v in headers.items()]]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length, chunked = 0, False
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return status, b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
              "Content-Type: image/jpeg\r\n\r\n".encode())
    out.write(file)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- the world -------------------------------------------------------------------------------------------------

@dataclass
class World:
    inspectors: list[tuple[str, int]]  # (token, partner's user id)
    office: str
    enterprise_user: str
    enterprise_ids: list[int]
    codes: list[str]
    reads: list[tuple[str, str]] = field(default_factory=list)  # (token, path), filled after the warm-up


def seed(url: str, pairs: int) -> World:
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
    now = utcnow()
    with Session(engine) as session:
        dept = factories.make_department(session, "应急")
        enterprises = [factories.make_enterprise(session, dust_involved=True, dust_kind="aluminium_magnesium",
                                                 industry="metal_processing") for _ in range(30)]
        inspectors = []
        for k in range(pairs):
            a = factories.make_user(session, f"insp_{k}_a", Role.INSPECTOR, department_id=dept.id, cert_no=f"A{k}")
            b = factories.make_user(session, f"insp_{k}_b", Role.INSPECTOR, department_id=dept.id, cert_no=f"B{k}")
            inspectors.append((issue_token(a, now=now)[0], b.id))
        office = factories.make_user(session, "office_1", Role.OFFICE)
        owner = factories.make_user(session, "ent_1", Role.ENTERPRISE, enterprise_id=enterprises[0].id)
        probe = visit_service.create(session, VisitCreate(enterprise_id=enterprises[0].id),
                                     actor=actor_for(factories.make_user(session, "probe", Role.INSPECTOR,
                                                                         department_id=dept.id, cert_no="P")),
                                     now=now)
        codes = [asked.item.code for asked in visit_service.asked_items(session, probe)]
        session.commit()
        world = World(inspectors, issue_token(office, now=now)[0], issue_token(owner, now=now)[0],
                      [e.id for e in enterprises], codes)
    engine.dispose()
    return world


# --- the load ------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    statuses: dict[str, collections.Counter[int]] = field(default_factory=lambda: collections.defaultdict(
        collections.Counter))
    timeouts: collections.Counter[str] = field(default_factory=collections.Counter)
    health: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, latency)
    started: float = field(default_factory=time.perf_counter)
    # every request: (seconds since start, node, status (-1 no answer, 0 client timeout), seconds)
    records: list[tuple[float, str, int, float]] = field(default_factory=list)
    acked: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))  # kind -> client keys


def label(method: str, path: str) -> str:
    return method + " " + re.sub(r"/\d+", "/{id}", path.split("?")[0])


async def call(conn: Conn, tally: Tally, method: str, path: str, token: str, body: bytes = b"",
               content_type: str = "application/json", name: str | None = None) -> tuple[int, bytes]:
    key = name or label(method, path)
    headers = {"Authorization": f"Bearer {token}"}
    if body:
        headers["Content-Type"] = content_type
    started = time.perf_counter()
    try:
        status, payload = await asyncio.wait_for(conn.request(method, path, headers, body), TIMEOUT)
    except TimeoutError:
        conn.close()
        tally.timeouts[key] += 1
        tally.records.append((started - tally.started, conn.node, 0, time.perf_counter() - started))
        return 0, b""
    except (ConnectionError, asyncio.IncompleteReadError):
        conn.close()
        tally.statuses[key][-1] += 1
        tally.records.append((started - tally.started, conn.node, -1, time.perf_counter() - started))
        return -1, b""
    tally.latencies[key].append(time.perf_counter() - started)
    tally.statuses[key][status] += 1
    tally.records.append((started - tally.started, conn.node, status, time.perf_counter() - started))
    return status, payload


async def inspector_flow(conn: Conn, tally: Tally, world: World, who: int, photos: list[bytes], rng: random.Random
                         ) -> None:
    """One inspector's visit: create, start, checklist, photo, submit. Every acknowledged write's client key goes
    in ``tally.acked`` (visit, photo, submission)."""
    import json

    token, partner = world.inspectors[who % len(world.inspectors)]
    visit_key = str(uuid.uuid4())
    body = json.dumps({"enterprise_id": rng.choice(world.enterprise_ids), "inspector_ids": [partner],
                       "client_uuid": visit_key}).encode()
    status, payload = await call(conn, tally, "POST", "/api/v1/visits", token, body)
    if status not in (200, 201):  # 200: the same visit again (a request sent twice after a lost answer)
        return
    tally.acked["visit"].add(visit_key)
    visit = json.loads(payload)["id"]
    start = json.dumps({"latitude": 31.81, "longitude": 119.97}).encode()
    if (await call(conn, tally, "POST", f"/api/v1/visits/{visit}/start", token, start))[0] != 200:
        return
    await call(conn, tally, "GET", f"/api/v1/visits/{visit}/checklist", token)
    photo_key = str(uuid.uuid4())
    form, ctype = multipart({"client_uuid": photo_key, "visit_id": str(visit)}, unique(rng.choice(photos)))
    status, payload = await call(conn, tally, "POST", "/api/v1/photos", token, form, ctype, name="POST /photos")
    if status not in (200, 201):
        return
    tally.acked["photo"].add(photo_key)
    photo = json.loads(payload)["id"]
    failing = rng.random() < 0.2
    results = [{"item_code": c, "result": "pass"} for c in world.codes]
    if failing:
        results[0] = {"item_code": world.codes[0], "result": "fail", "note": "积尘", "photo_ids": [photo]}
    else:
        results[0]["photo_ids"] = [photo]
    submission_key = str(uuid.uuid4())
    submission = json.dumps({"client_uuid": submission_key, "results": results}).encode()
    status, _ = await call(conn, tally, "POST", f"/api/v1/visits/{visit}/submissions", token, submission)
    if status in (200, 201):
        tally.acked["submission"].add(submission_key)


async def reader(conn: Conn, tally: Tally, world: World, rng: random.Random) -> None:
    token, path = rng.choice(world.reads)
    await call(conn, tally, "GET", path, token)


async def run_load(port: int, world: World, clients: int, seconds: float, photos: list[bytes], seed_: int,
                   connect: Callable[[int, Tally], Conn] | None = None, tally: Tally | None = None) -> Tally:
    """``clients`` phones for ``seconds``; client k's connection is ``connect(k, tally)`` (default: ``port``);
    ``/healthz`` probed on ``port``."""
    tally = tally or Tally()
    stop = time.perf_counter() + seconds
    started = tally.started

    async def client(k: int) -> None:
        rng = random.Random(seed_ * 1000 + k)
        conn = connect(k, tally) if connect else Conn(port)
        await asyncio.sleep(k * 0.02)  # phones connect a few milliseconds apart
        try:
            while time.perf_counter() < stop:
                if k % 4 == 0:
                    await inspector_flow(conn, tally, world, k // 4, photos, rng)
                else:
                    await reader(conn, tally, world, rng)
        finally:
            conn.close()

    async def probe() -> None:
        conn = Conn(port)
        try:
            while time.perf_counter() < stop + 5:
                t0 = time.perf_counter()
                try:
                    await asyncio.wait_for(conn.request("GET", "/healthz", {}), TIMEOUT)
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                    conn.close()
                tally.health.append((t0 - started, time.perf_counter() - t0))
                await asyncio.sleep(0.5)
        finally:
            conn.close()

    await asyncio.gather(probe(), *(client(k) for k in range(clients)))
    tally.latencies["_elapsed"] = [time.perf_counter() - started]
    return tally


async def warm_up(port: int, world: World, photos: list[bytes]) -> None:
    """A few flows with failures, so the reads have hazards, orders and a thumbnail to show."""
    import json

    tally = Tally()
    conn = Conn(port)
    for k in range(min(6, len(world.inspectors))):
        token, partner = world.inspectors[k]
        body = json.dumps({"enterprise_id": world.enterprise_ids[0], "inspector_ids": [partner]}).encode()
        visit = json.loads((await call(conn, tally, "POST", "/api/v1/visits", token, body))[1])["id"]
        await call(conn, tally, "POST", f"/api/v1/visits/{visit}/start", token,
                   json.dumps({"latitude": 31.81, "longitude": 119.97}).encode())
        form, ctype = multipart({"client_uuid": str(uuid.uuid4()), "visit_id": str(visit)}, unique(photos[0]))
        photo = json.loads((await call(conn, tally, "POST", "/api/v1/photos", token, form, ctype))[1])["id"]
        results = [{"item_code": c, "result": "pass"} for c in world.codes]
        results[0] = {"item_code": world.codes[0], "result": "fail", "note": "积尘", "photo_ids": [photo]}
        await call(conn, tally, "POST", f"/api/v1/visits/{visit}/submissions", token,
                   json.dumps({"client_uuid": str(uuid.uuid4()), "results": results}).encode())
    status, payload = await call(conn, tally, "GET", "/api/v1/orders?limit=1", world.office)
    orders = json.loads(payload)
    order = (orders["items"] if isinstance(orders, dict) else orders)[0]["id"]
    conn.close()
    inspector = world.inspectors[0][0]
    enterprise = world.enterprise_ids[0]
    world.reads = [
        (inspector, "/api/v1/hazards?limit=20"), (world.enterprise_user, "/api/v1/orders"),
        (inspector, "/api/v1/visits?assigned=me"), (world.office, "/api/v1/stats/closure?group_by=street"),
        (world.office, "/api/v1/stats/overdue"), (inspector, f"/api/v1/enterprises/{enterprise}"),
        (inspector, "/api/v1/me"), (inspector, f"/api/v1/photos/{photo}?variant=thumb"),
        (world.enterprise_user, f"/api/v1/orders/{order}"), (inspector, "/api/v1/extensions/pending"),
    ]
    bad = {k: dict(v) for k, v in tally.statuses.items() if any(s >= 400 or s <= 0 for s in v)}
    if bad:
        raise RuntimeError(f"warm-up failed: {bad}")


async def bare_load(port: int, clients: int, seconds: float) -> float:
    conn_stop = time.perf_counter() + seconds
    count = 0

    async def client() -> None:
        nonlocal count
        conn = Conn(port)
        try:
            while time.perf_counter() < conn_stop:
                await conn.request("GET", "/healthz", {})
                count += 1
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return count / seconds


# --- report ----------------------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * p) - 1))] * 1000


def report(tally: Tally, seconds: float, clients: int, ceiling: float,
           cpu: dict[str, float] | None = None) -> dict[str, Any]:
    elapsed = tally.latencies.pop("_elapsed")[0]
    total = sum(len(v) for v in tally.latencies.values())
    errors = sum(n for c in tally.statuses.values() for s, n in c.items() if s >= 500 and s != 503)
    busy = sum(c[503] for c in tally.statuses.values())
    timeouts = sum(tally.timeouts.values())
    during = [lat for at, lat in tally.health if at <= seconds]
    after = [lat for at, lat in tally.health if at > seconds]
    load = os.getloadavg()
    print(f"-- {clients} clients, {seconds:.0f} s: {total / elapsed:.1f} requests/s (bare ceiling "
          f"{ceiling:.0f}/s), 5xx (not 503) {errors}, 503 {busy}, client timeouts {timeouts}; /healthz max "
          f"{max(during, default=0) * 1000:.0f} ms during, {max(after, default=0) * 1000:.0f} ms after; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    flows = len(tally.latencies.get("POST /api/v1/visits/{id}/submissions", []))
    photos = len(tally.latencies.get("POST /photos", []))
    reads = sum(len(v) for k, v in tally.latencies.items() if k.startswith("GET"))
    print(f"   {flows} inspector flows ({flows / elapsed:.1f}/s), {reads} reads ({reads / elapsed:.1f}/s)")
    if cpu is not None and total:
        # requests/s alone does not compare configurations: in this closed loop whatever leaves the photo
        # processes more CPU completes more flows and fewer reads; CPU per request does (tests/bench/README.md)
        print(f"   CPU: API workers {cpu['api']:.1f} s ({cpu['api'] * 1000 / total:.2f} ms a request), photo "
              f"processes {cpu['photos']:.1f} s ({cpu['photos'] * 1000 / max(photos, 1):.0f} ms a photo), "
              f"PostgreSQL {cpu['postgres']:.1f} s ({cpu['postgres'] * 1000 / total:.2f} ms a request), "
              f"load generator {cpu['load']:.1f} s")
    print(f"   {'endpoint':38} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for key in sorted(tally.latencies, key=lambda k: (k.startswith("GET"), k)):
        values = tally.latencies[key]
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(tally.statuses[key].items()))
        extra = f" timeouts:{tally.timeouts[key]}" if tally.timeouts[key] else ""
        print(f"   {key:38} {len(values):6d} {pct(values, 0.5):8.1f} {pct(values, 0.99):8.1f} "
              f"{max(values) * 1000:8.1f}  {statuses}{extra}")
    return {"rps": total / elapsed, "errors": errors, "busy": busy, "timeouts": timeouts,
            "health_during": max(during, default=0), "health_after": max(after, default=0),
            "health_probes": len(tally.health), "writes": sum(len(v) for k, v in tally.latencies.items()
                                                              if k.startswith("POST")),
            "flows": flows, "reads": reads, "cpu": cpu,
            "statuses": {k: dict(v) for k, v in tally.statuses.items()}}


def database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp}/bench.db"
    from sqlalchemy import create_engine, text

    name = f"xuncha_bench_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def run_config(backend: str, workers: int, args: argparse.Namespace, clients: list[int]) -> dict[int, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-mixed-"))
    url = database(backend, tmp)
    env = {**os.environ, "XUNCHA_DATABASE_URL": url, "XUNCHA_MEDIA_DIR": str(tmp / "media"),
           "XUNCHA_SCHEDULER_ENABLED": "false", "XUNCHA_SECRET_KEY": "bench-secret-0123456789-0123456789-xx",
           "XUNCHA_ENV": "development", "UV_TCP_SINGLE_ACCEPT": "1",
           "XUNCHA_PHOTO_PROCESSES": str(args.photo_processes)}
    if args.threads is not None:
        env["XUNCHA_WORKER_THREADS"] = str(args.threads)
    os.environ.update({k: v for k, v in env.items() if k.startswith("XUNCHA_")})
    world = seed(url, max(clients) // 4 + 1)
    from server.settings import Settings

    threads = Settings(database_url=url).threads_per_process() or 40  # type: ignore[call-arg]
    small = [photo_like(PHONE_SIZE, k) for k in range(4)]
    big = [photo_like(FULL_SIZE, 10)]
    mix = small * round((1 - args.big_share) * 10) + big * round(args.big_share * 10)
    print(f"\n== {backend}, {workers} worker(s) x {threads} threads, {args.photo_processes} photo "
          f"process(es) each; a quarter of the clients run inspector flows ({len(world.codes)}-item checklist, "
          f"photos {PHONE_SIZE[0]}x{PHONE_SIZE[1]} ~{len(small[0]) // 1024} KB and {args.big_share:.0%} 12 MP "
          f"~{len(big[0]) // 1024} KB), the rest read ten endpoints; {os.cpu_count()} CPUs", flush=True)
    ceilings = {n: 0.0 for n in clients}
    if not args.no_ceiling:
        bare_port = free_port()
        bare = start("tests.bench.bare_app:app", bare_port, env, workers)
        try:
            ceilings = {n: asyncio.run(bare_load(bare_port, n, 5)) for n in clients}
        finally:
            bare.terminate()
            bare.wait(timeout=10)
    port = free_port()
    server = start("server.app:create_app", port, env, workers)
    figures = {}
    try:
        asyncio.run(warm_up(port, world, mix))
        for n in clients:
            before = cpu_split.reading(server.pid)
            tally = asyncio.run(run_load(port, world, n, args.seconds, mix, n))
            cpu = cpu_split.used(before, cpu_split.reading(server.pid))
            figures[n] = report(tally, args.seconds, n, ceilings[n], cpu)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        remove(url, tmp)
    return figures


def remove(url: str, tmp: Path) -> None:
    """The run's database (PostgreSQL) and folder (SQLite's file, the photos: hundreds of MB a run)."""
    if url.startswith("postgresql"):
        from server.db import get_engine
        from tests.nodes import drop

        get_engine().dispose()  # the seeding's pool, if this process made one
        drop(url)
    shutil.rmtree(tmp, ignore_errors=True)


def postgres_reachable() -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure: no PostgreSQL here
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", default="sqlite:1,sqlite:2,postgres:2,postgres:4",
                        help="backend:workers, comma-separated")
    parser.add_argument("--threads", type=int, help="XUNCHA_WORKER_THREADS (0: FastAPI's 40; default: the app's)")
    parser.add_argument("--photo-processes", type=int, default=1, help="XUNCHA_PHOTO_PROCESSES")
    parser.add_argument("--clients", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--big-share", type=float, default=0.1, help="share of 12 MP photos")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare app's run")
    parser.add_argument("--json", type=Path, help="also write the figures of each run here")
    args = parser.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    results = {}
    for config in args.configs.split(","):
        backend, workers = config.split(":")
        if backend == "postgres" and not postgres_reachable():
            print(f"\n== {config}: skipped, no PostgreSQL at {PG_ADMIN}")
            continue
        results[config] = run_config(backend, int(workers), args, clients)
    if args.json:
        args.json.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
