"""Beyond one machine: two API nodes (``xuncha serve``), one ``xuncha scheduler``, one PostgreSQL database and one
SeaweedFS bucket, all on this machine, started as README "Beyond one machine" says (``tests/nodes.py``, shared
with the benchmark ``tests/bench/bench_nodes.py``, which runs bench_mixed's whole morning). A short mixed load
(inspectors' whole flows with photos, office and enterprise reads) goes to both nodes; one node is killed with
``kill -9`` mid-load. A phone whose request got no answer sends the same request again (same client keys) to the
node still up, as behind a proxy.

Asserted: no acknowledged write lost (every visit, photo and submission answered 2xx is in the database, every
acknowledged photo in the bucket), nothing duplicated (one row per client key, one photo per picture, one
submission per visit), the other node keeps serving with no server error, the scheduler keeps running. The
fail-over figures (errors and latency around the kill, each node's throughput) are printed (``pytest -s``).

PostgreSQL only: several nodes share one database only there (SQLite is one machine's embedded database). One to
two minutes on the shared two-core VM at load 11-13 (mostly the processes starting), once per CI run.
"""

import asyncio
import io
import os
import random
import signal
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlmodel import Session

from inspection.photos.objectstore import S3Location, S3Store
from tests.nodes import Node, database, drop, kill_9, migrate, start_node, start_scheduler, stop, wait_healthy
from tests.nodes import node_env as layout_env
from tests.seaweed import Weed, free_ports, weed  # noqa: F401 - the session fixture

TEST_URL = os.environ.get("XUNCHA_TEST_DATABASE_URL", "")
KILL_AFTER_WRITES = 6  # node-a is killed once it has acknowledged this many writes (mid-load, both nodes busy)
KILL_AT = 25.0  # ... or this many seconds into the load at the latest
AFTER_KILL = 5.0  # seconds of load after it
INSPECTORS = 6
READERS = 4
TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(not TEST_URL.startswith("postgresql"), reason=(
    "two API nodes share one PostgreSQL database; SQLite is one machine's embedded database "
    "(runs on the PostgreSQL run: set XUNCHA_TEST_DATABASE_URL)"))


@dataclass
class Record:
    at: float
    node: str
    label: str
    status: int  # -1: no answer (connection refused or dropped)
    seconds: float


@dataclass
class Load:
    started: float = field(default_factory=time.perf_counter)
    stop: float = field(default_factory=lambda: time.perf_counter() + 120)  # set at the kill
    records: list[Record] = field(default_factory=list)
    acked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # kind -> client keys
    photo_ids: set[int] = field(default_factory=set)
    submitted_visits: set[int] = field(default_factory=set)


def seed(url: str) -> dict[str, Any]:
    """A department, enterprises, inspector pairs, an office user and an admin; their tokens; checklist codes."""
    from inspection.field import visits as visit_service
    from inspection.identity.accounts import actor_for
    from inspection.types import utcnow
    from schemas.enums import Role
    from schemas.visits import VisitCreate
    from server.auth import issue_token
    from tests import factories

    engine = create_engine(url)
    now = utcnow()
    with Session(engine) as session:
        dept = factories.make_department(session, "应急")
        enterprises = [factories.make_enterprise(session, dust_involved=True, dust_kind="aluminium_magnesium",
                                                 industry="metal_processing") for _ in range(12)]
        pairs = []
        for k in range(INSPECTORS):
            a = factories.make_user(session, f"node_insp_{k}_a", Role.INSPECTOR, department_id=dept.id,
                                    cert_no=f"N{k}A")
            b = factories.make_user(session, f"node_insp_{k}_b", Role.INSPECTOR, department_id=dept.id,
                                    cert_no=f"N{k}B")
            pairs.append((issue_token(a, now=now)[0], b.id))
        office = factories.make_user(session, "node_office", Role.OFFICE)
        admin = factories.make_user(session, "node_admin", Role.ADMIN)
        owner = factories.make_user(session, "node_owner", Role.ENTERPRISE, enterprise_id=enterprises[0].id)
        probe_user = factories.make_user(session, "node_probe", Role.INSPECTOR, department_id=dept.id, cert_no="NP")
        probe = visit_service.create(session, VisitCreate(enterprise_id=enterprises[0].id), actor=actor_for(probe_user),
                                     now=now)
        codes = [asked.item.code for asked in visit_service.asked_items(session, probe)]
        session.commit()
        world = {"pairs": pairs, "office": issue_token(office, now=now)[0], "admin": issue_token(admin, now=now)[0],
                 "owner": issue_token(owner, now=now)[0], "enterprises": [e.id for e in enterprises],
                 "codes": codes}
    engine.dispose()
    return world


def node_env(url: str, media_url: str, tmp: Path, name: str) -> dict[str, str]:
    return layout_env(url, media_url, tmp, name, os.environ["XUNCHA_SECRET_KEY"])


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    image.putpixel((rng.randrange(640), rng.randrange(480)), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    note = uuid.uuid4().hex.encode()  # a comment segment: every upload a new file
    data = out.getvalue()
    return data[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + data[2:]


class Phone:
    """One client: prefers one node; a request without an answer goes again, unchanged, to the other node."""

    def __init__(self, nodes: list[Node], prefer: int, load: Load, token: str) -> None:
        self.nodes, self.prefer, self.load, self.token = nodes, prefer, load, token
        self.client = httpx.AsyncClient(timeout=TIMEOUT, headers={"Authorization": f"Bearer {token}"})

    async def send(self, method: str, path: str, label: str, **kwargs: Any) -> httpx.Response | None:
        for _ in range(4):
            node = self.nodes[self.prefer]
            began = time.perf_counter()
            try:
                response = await self.client.request(method, node.base + path, **kwargs)
            except (httpx.TransportError, httpx.TimeoutException):
                self.load.records.append(Record(began - self.load.started, node.name, label, -1,
                                                time.perf_counter() - began))
                self.prefer = (self.prefer + 1) % len(self.nodes)  # that node is gone: stay on the other
                continue
            self.load.records.append(Record(began - self.load.started, node.name, label, response.status_code,
                                            time.perf_counter() - began))
            if response.status_code == 503:
                await asyncio.sleep(0.5)
                continue
            return response
        return None


async def inspector(phone: Phone, world: dict[str, Any], partner: int, rng: random.Random) -> None:
    load = phone.load
    while time.perf_counter() < load.stop:
        visit_key = str(uuid.uuid4())
        created = await phone.send("POST", "/api/v1/visits", "visit", json={
            "enterprise_id": rng.choice(world["enterprises"]), "inspector_ids": [partner], "client_uuid": visit_key})
        if created is None or created.status_code not in (200, 201):
            continue
        load.acked["visit"].add(visit_key)
        visit = created.json()["id"]
        started = await phone.send("POST", f"/api/v1/visits/{visit}/start", "start",
                                   json={"latitude": 31.81, "longitude": 119.97})
        if started is None or started.status_code not in (200, 409):  # 409: started by the request that got lost
            continue
        photo_key = str(uuid.uuid4())
        uploaded = await phone.send("POST", "/api/v1/photos", "photo",
                                    data={"client_uuid": photo_key, "visit_id": str(visit)},
                                    files={"file": ("p.jpg", photo(rng.randrange(1 << 30)), "image/jpeg")})
        if uploaded is None or uploaded.status_code not in (200, 201):
            continue
        load.acked["photo"].add(photo_key)
        photo_id = uploaded.json()["id"]
        load.photo_ids.add(photo_id)
        results = [{"item_code": code, "result": "pass"} for code in world["codes"]]
        results[0] = {"item_code": world["codes"][0], "result": "fail" if rng.random() < 0.3 else "pass",
                      "note": "积尘", "photo_ids": [photo_id]}
        submission_key = str(uuid.uuid4())
        submitted = await phone.send("POST", f"/api/v1/visits/{visit}/submissions", "submit",
                                     json={"client_uuid": submission_key, "results": results})
        if submitted is not None and submitted.status_code in (200, 201):
            load.acked["submission"].add(submission_key)
            load.submitted_visits.add(visit)


async def reader(phone: Phone, paths: list[str], rng: random.Random) -> None:
    while time.perf_counter() < phone.load.stop:
        path = rng.choice(paths)
        await phone.send("GET", path, "read " + path.split("?")[0].rsplit("/", 1)[-1])


async def run_load(nodes: list[Node], world: dict[str, Any]) -> Load:
    load = Load()
    phones: list[Phone] = []

    victim = nodes[0]

    def kill() -> None:  # a thread of its own: on time even when the event loop is slow
        while time.perf_counter() - load.started < KILL_AT:
            writes = [r for r in list(load.records) if r.node == victim.name and r.label != "read"
                      and not r.label.startswith("read ") and 200 <= r.status < 300]
            if len(writes) >= KILL_AFTER_WRITES:
                break
            time.sleep(0.05)
        kill_9(victim, load.started)  # kill -9, mid-load
        load.stop = time.perf_counter() + AFTER_KILL

    killer = threading.Thread(target=kill, daemon=True)
    killer.start()
    tasks = []
    for k, (token, partner) in enumerate(world["pairs"]):
        phone = Phone(nodes, k % 2, load, token)
        phones.append(phone)
        tasks.append(inspector(phone, world, partner, random.Random(k)))
    reads = ["/api/v1/stats/closure", "/api/v1/checklists", "/api/v1/enterprises?limit=20", "/api/v1/hazards",
             "/api/v1/stats/overdue"]
    for k in range(READERS):
        token = world["office"] if k % 2 == 0 else world["owner"]
        phone = Phone(nodes, k % 2, load, token)
        phones.append(phone)
        tasks.append(reader(phone, reads, random.Random(100 + k)))
    try:
        await asyncio.gather(*tasks)
    finally:
        killer.join()
        for phone in phones:
            await phone.client.aclose()
    return load


def report(load: Load, nodes: list[Node]) -> str:
    kill = nodes[0].killed_at or KILL_AT
    lines = [f"load {load.stop - load.started:.1f} s, {INSPECTORS} inspectors + {READERS} readers, node-a killed "
             f"at {kill:.1f} s"
             f" (load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())})"]
    for node in nodes:
        mine = [r for r in load.records if r.node == node.name]
        before = [r for r in mine if r.at < kill]
        after = [r for r in mine if r.at >= kill]
        statuses = Counter(r.status for r in mine)
        alive = kill if node.killed_at else load.stop - load.started
        answered = [r for r in mine if r.status > 0]
        lines.append(f"  {node.name}: {len(answered) / alive:.1f} answered requests/s while up, statuses "
                     f"{dict(sorted(statuses.items()))}, before the kill {len(before)}, after {len(after)}")
    window = [r for r in load.records if kill - 1 <= r.at <= kill + 2]
    failed = [r for r in window if r.status < 0]
    latencies = sorted(r.seconds for r in window if r.status > 0)
    if latencies:
        lines.append(f"  around the kill (-1 s .. +2 s): {len(window)} requests, {len(failed)} without an answer "
                     f"(sent again to node-b), median {statistics.median(latencies) * 1000:.0f} ms, "
                     f"max {latencies[-1] * 1000:.0f} ms")
    lines.append(f"  acknowledged: {', '.join(f'{k} {len(v)}' for k, v in sorted(load.acked.items()))}")
    return "\n".join(lines)


def test_two_nodes_one_killed_mid_load_lose_no_acknowledged_write_and_duplicate_nothing(weed, tmp_path):  # noqa: F811
    url = database(TEST_URL, "xuncha_two_nodes")
    bucket = f"two-nodes-{uuid.uuid4().hex[:8]}"
    media_url = weed.media_url(bucket)
    store = S3Store(S3Location.parse(media_url))
    store.ensure_bucket()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        migrate(node_env(url, media_url, tmp_path, "migrate"))
        world = seed(url)
        port_a, port_b = free_ports(2)
        nodes = [start_node("node-a", port_a, node_env(url, media_url, tmp_path, "node-a"), tmp_path),
                 start_node("node-b", port_b, node_env(url, media_url, tmp_path, "node-b"), tmp_path)]
        processes += [node.process for node in nodes]
        scheduler = start_scheduler(node_env(url, media_url, tmp_path, "sch"), tmp_path)
        processes.append(scheduler)
        for node in nodes:
            wait_healthy(node)
            for path in ("/api/v1/checklists", "/api/v1/stats/closure", "/api/v1/hazards"):  # first-call costs
                httpx.get(node.base + path, headers={"Authorization": f"Bearer {world['office']}"}, timeout=60)

        load = asyncio.run(run_load(nodes, world))
        figures = report(load, nodes)
        print("\n" + figures)
        survivor = nodes[1]
        kill = nodes[0].killed_at
        assert kill is not None and nodes[0].process.wait(10) == -signal.SIGKILL

        # the other node kept serving: answers after the kill, and not one server error anywhere
        assert [r for r in load.records if r.status >= 500 and r.status != 503] == [], figures
        after = [r for r in load.records if r.node == survivor.name and r.at > kill + 0.5]
        assert len([r for r in after if 200 <= r.status < 300]) >= 10, figures
        assert httpx.get(f"{survivor.base}/healthz", timeout=5).status_code == 200
        assert load.acked["visit"] and load.acked["photo"] and load.acked["submission"], figures

        engine = create_engine(url)
        with engine.connect() as conn:
            def keys(table: str) -> Counter[str]:
                return Counter(conn.execute(text(f"SELECT client_uuid FROM {table}")).scalars())

            visits, photos, submissions = keys("visit"), keys("photo"), keys("submission")
            # no acknowledged write lost
            assert load.acked["visit"] <= set(visits), figures
            assert load.acked["photo"] <= set(photos), figures
            assert load.acked["submission"] <= set(submissions), figures
            # nothing duplicated: one row per client key, one photo per picture, one submission per visit
            assert max(visits.values()) == max(photos.values()) == max(submissions.values()) == 1
            assert conn.execute(text("SELECT count(*) FROM (SELECT sha256 FROM photo GROUP BY sha256 "
                                     "HAVING count(*) > 1) d")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM (SELECT visit_id FROM submission GROUP BY visit_id "
                                     "HAVING count(*) > 1) d")).scalar() == 0
            stored = conn.execute(text("SELECT sha256, content_type FROM photo WHERE id = ANY(:ids)"),
                                  {"ids": sorted(load.photo_ids)}).all()
        engine.dispose()
        assert len(stored) == len(load.photo_ids)
        extension = {"image/jpeg": "jpg"}
        for sha, content_type in stored:  # every acknowledged photo's original is in the bucket
            assert store.exists(f"original/{sha[:2]}/{sha}.{extension[content_type]}")

        # the scheduler is still up, and the jobs answer through the surviving node
        assert scheduler.poll() is None
        jobs = httpx.get(f"{survivor.base}/api/v1/admin/jobs", headers={"Authorization": f"Bearer {world['admin']}"},
                         timeout=10)
        assert jobs.status_code == 200 and len(jobs.json()) > 0
    finally:
        stop(processes)
        drop(url)
