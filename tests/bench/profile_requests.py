"""Server CPU per request, one request at a time, in process: the mixed bench's reads and the flow's writes.

The app runs in this process on a temporary database seeded like ``bench_mixed`` (30 enterprises, inspectors)
and grown by ``--flows`` inspector flows (one in five fails an item, so hazards and orders exist). Requests are
driven straight through ASGI on one thread: AnyIO's ``to_thread.run_sync`` is replaced by a direct call, so
the CPU time of that thread (``time.thread_time``) is the request's own cost, without a client, sockets or the
thread hops of a real server (those are about the same for every request: the bare app's rows show them).
CPU time, not wall time: other work on the machine inflates it little. ``--profile LABEL`` prints cProfile's
top functions for one endpoint (a label as printed, e.g. ``"GET /api/v1/stats/closure"``).

Run: python -m tests.bench.profile_requests [--flows 100] [--calls 200] [--database sqlite|postgres]
     [--profile LABEL] [--repeat 3] [--only TEXT] [--count-calls | --count-statements [--show-statements]]
"""

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio.to_thread

from tests.bench.bench_mixed import PHONE_SIZE, database, label, multipart, photo_like, seed, unique
from tests.bench.statements import KINDS, StatementCounter

Call = Callable[[], Awaitable[Any]]


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


async def asgi(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI app; (status, body)."""
    route, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": route, "raw_path": route.encode(), "query_string": query.encode(),
             "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-length", str(len(body)).encode()),
                         *[(k.lower().encode(), v.encode()) for k, v in headers.items()]]}
    sent = False
    status = 0
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Future()  # no disconnect: the client waits for its answer
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(parts)


async def cpu_ms(fn: Call, calls: int) -> float:
    """Median CPU ms of this thread per call."""
    samples = []
    for _ in range(calls):
        cpu = time.thread_time()
        await fn()
        samples.append((time.thread_time() - cpu) * 1000)
    return statistics.median(samples)


async def count_statements(counter: StatementCounter, selected: dict[str, Call], args: argparse.Namespace,
                           submit: Call, prepare: Callable[[int], Awaitable[None]]) -> None:
    """Statements (and round trips) per request, the mean of ``--calls`` calls after five warm-up ones."""
    calls = min(args.calls, 50)
    print(f"{args.database}: per request (mean of {calls} calls): statements, then the round trips around them")
    print(f"   {'request':44} {'stmts':>6} {'trips':>6}  " + " ".join(f"{k:>10}" for k in KINDS[1:]))
    for name, fn in selected.items():
        if "bare" in name:
            continue
        if fn is submit:
            await prepare(calls + 5)
        for _ in range(5):
            await fn()
        counter.reset()
        for _ in range(calls):
            await fn()
        per = {k: counter.counts[k] / calls for k in KINDS}
        print(f"   {name:44} {per['statements']:6.1f} {counter.round_trips() / calls:6.1f}  "
              + " ".join(f"{per[k]:10.1f}" for k in KINDS[1:]))
        if args.show_statements:
            for text, n in counter.texts.most_common():
                print(f"        {n / calls:5.1f}  {text}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--flows", type=int, default=100, help="inspector flows before measuring")
    parser.add_argument("--calls", type=int, default=200, help="calls per endpoint")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over all endpoints")
    parser.add_argument("--profile", help="print cProfile's top functions for this endpoint label")
    parser.add_argument("--callees", help="with --profile: also print the callees of functions matching this")
    parser.add_argument("--count-calls", action="store_true",
                        help="Python function calls per request instead of CPU time: a measure of work that other "
                             "load on the machine does not change (SQLite's own work in C is not in it)")
    parser.add_argument("--count-statements", action="store_true",
                        help="SQL statements per request, and on PostgreSQL the round trips around them (BEGIN, "
                             "COMMIT/ROLLBACK, pre-ping, prepare, DEALLOCATE): load-independent")
    parser.add_argument("--show-statements", action="store_true",
                        help="with --count-statements or --count-write-statements: also print each request's "
                             "statements, most frequent first")
    parser.add_argument("--only", help="measure only labels containing this text (and the bare rows)")
    parser.add_argument("--count-write-statements", action="store_true",
                        help="SQL statements and Python function calls per request of the inspector flow's writes "
                             "(create with a client key, start, checklist, photo, submission failing one item)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="xuncha-profile-"))
    url = database(args.database, tmp)
    os.environ.update({"XUNCHA_DATABASE_URL": url, "XUNCHA_MEDIA_DIR": str(tmp / "media"),
                       "XUNCHA_SCHEDULER_ENABLED": "false", "XUNCHA_ENV": "development",
                       "XUNCHA_SECRET_KEY": "bench-secret-0123456789-0123456789-xx", "XUNCHA_PHOTO_PROCESSES": "1"})
    world = seed(url, 8)
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # every request on this one thread
    try:
        asyncio.run(measure(args, world))
    finally:
        if args.database == "postgres":
            from server.db import get_engine
            from tests.nodes import drop

            get_engine().dispose()
            drop(url)  # the database this run made
        shutil.rmtree(tmp, ignore_errors=True)


async def measure(args: argparse.Namespace, world: Any) -> None:
    from server.app import create_app
    from server.settings import get_settings
    from tests.bench.bare_app import app as bare_app

    counting = args.count_statements or args.count_write_statements
    counter = StatementCounter().install() if counting else None
    get_settings.cache_clear()
    app = create_app()
    photo = photo_like(PHONE_SIZE, 1)
    rng = random.Random(1)

    def auth(token: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **more}

    def jsonb(value: Any) -> bytes:
        return json.dumps(value).encode()

    async def call(method: str, path: str, token: str, body: bytes = b"", ctype: str = "application/json",
                   expect: int = 200) -> Any:
        status, payload = await asgi(app, method, path, auth(token, **({"Content-Type": ctype} if body else {})),
                                     body)
        assert status == expect, (method, path, status, payload[:300])
        return payload

    async def flow(k: int, failing: bool) -> int:
        token, partner = world.inspectors[k % len(world.inspectors)]
        enterprise = world.enterprise_ids[0] if k < 6 else rng.choice(world.enterprise_ids)  # the first: the owner's
        visit = json.loads(await call("POST", "/api/v1/visits", token, jsonb({
            "enterprise_id": enterprise, "inspector_ids": [partner], "client_uuid": str(uuid.uuid4())}),
            expect=201))["id"]
        await call("POST", f"/api/v1/visits/{visit}/start", token, jsonb({"latitude": 31.81, "longitude": 119.97}))
        form, ctype = multipart({"client_uuid": str(uuid.uuid4()), "visit_id": str(visit)}, unique(photo))
        shot = json.loads(await call("POST", "/api/v1/photos", token, form, ctype, expect=201))["id"]
        results: list[dict[str, Any]] = [{"item_code": c, "result": "pass"} for c in world.codes]
        results[0] = ({"item_code": world.codes[0], "result": "fail", "note": "积尘", "photo_ids": [shot]}
                      if failing else {**results[0], "photo_ids": [shot]})
        await call("POST", f"/api/v1/visits/{visit}/submissions", token,
                   jsonb({"client_uuid": str(uuid.uuid4()), "results": results}), expect=201)
        return shot

    async with app.router.lifespan_context(app):
        started = time.perf_counter()
        shots = [await flow(k, k % 5 == 0 or k < 6) for k in range(args.flows)]
        print(f"{args.database}: {args.flows} flows seeded in {time.perf_counter() - started:.1f} s; "
              f"{len(world.codes)}-item checklist; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        orders = json.loads(await call("GET", "/api/v1/orders?limit=1", world.enterprise_user))
        order = (orders["items"] if isinstance(orders, dict) else orders)[0]["id"]
        inspector = world.inspectors[0][0]
        enterprise = world.enterprise_ids[0]
        reads = [
            (inspector, "/api/v1/hazards?limit=20"), (world.enterprise_user, "/api/v1/orders"),
            (inspector, "/api/v1/visits?assigned=me"), (world.office, "/api/v1/stats/closure?group_by=street"),
            *[(world.office, f"/api/v1/stats/closure?group_by={g}")
              for g in ("department", "item_code", "industry", "month&from=2022-01-01")],
            (world.office, "/api/v1/stats/overdue"), (inspector, f"/api/v1/enterprises/{enterprise}"),
            (inspector, "/api/v1/me"), (inspector, f"/api/v1/photos/{shots[0]}?variant=thumb"),
            (world.enterprise_user, f"/api/v1/orders/{order}"), (inspector, "/api/v1/extensions/pending"),
        ]

        async def bare_get() -> None:
            await asgi(bare_app, "GET", "/healthz", {})

        async def health() -> None:
            await asgi(app, "GET", "/healthz", {})

        cases: dict[str, Call] = {"GET /healthz (bare app)": bare_get, "GET /healthz": health}
        for token, path in reads:
            async def read(token: str = token, path: str = path) -> None:
                await call("GET", path, token)
            cases[label("GET", path) + ("?" + path.partition("?")[2] if "group_by" in path else "")] = read

        # the submission alone, on visits made beforehand (as bench_submit does)
        token, partner = world.inspectors[1]
        pending: list[int] = []

        async def prepare(n: int) -> None:
            for _ in range(n):
                pending.append(json.loads(await call("POST", "/api/v1/visits", token, jsonb({
                    "enterprise_id": world.enterprise_ids[1], "inspector_ids": [partner]}), expect=201))["id"])
        body = json.dumps({"results": [{"item_code": c, "result": "pass"} for c in world.codes]})

        async def submit() -> None:
            payload = body[:-1] + f', "client_uuid": "{uuid.uuid4()}"}}'
            await call("POST", f"/api/v1/visits/{pending.pop()}/submissions", token, payload.encode(), expect=201)

        async def bare_submit() -> None:
            payload = body[:-1] + f', "client_uuid": "{uuid.uuid4()}"}}'
            status, _ = await asgi(bare_app, "POST", "/bare", auth(token, **{"Content-Type": "application/json"}),
                                   payload.encode())
            assert status == 201
        cases["POST /bare (bare app, same body)"] = bare_submit
        cases["POST /api/v1/visits/{id}/submissions"] = submit
        if args.count_write_statements:
            assert counter is not None
            await count_write_statements(counter, args, call, world, photo)
            return

        if args.profile:
            fn = cases[args.profile]
            if fn is submit:
                await prepare(args.calls + 5)
            for _ in range(5):
                await fn()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.calls):
                await fn()
            profiler.disable()
            for order_by, lines in (("cumulative", 60), ("tottime", 30)):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order_by).print_stats(lines)
                print(out.getvalue())
            if args.callees:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_callees(args.callees)
                print(out.getvalue())
            return

        selected = {k: v for k, v in cases.items() if not args.only or args.only in k or "bare" in k}
        if counter is not None:
            await count_statements(counter, selected, args, submit, prepare)
            return
        if args.count_calls:
            print(f"Python function calls per request (mean of {args.calls} calls)")
            for name, fn in selected.items():
                if fn is submit:
                    await prepare(args.calls + 5)
                for _ in range(5):
                    await fn()
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.calls):
                    await fn()
                profiler.disable()
                print(f"   {name:44} {pstats.Stats(profiler).total_calls / args.calls:10.0f}")  # type: ignore[attr-defined]
            return
        rows: dict[str, list[float]] = {k: [] for k in selected}
        for _round in range(args.repeat):
            for name, fn in selected.items():
                if fn is submit:
                    await prepare(args.calls + 5)
                for _ in range(5):
                    await fn()
                rows[name].append(await cpu_ms(fn, args.calls))
        print(f"CPU ms per call, one thread (median of {args.calls} calls; one value per round), load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, values in rows.items():
            print(f"   {name:44} {' '.join(f'{v:7.2f}' for v in values)}")


async def count_write_statements(counter: StatementCounter, args: argparse.Namespace,
                                 call: Callable[..., Awaitable[Any]], world: Any, photo: bytes) -> None:
    """SQL statements (an executemany counts once) and Python function calls per request for each step of the
    inspector's flow, each step measured on ``--calls`` flows whose earlier steps ran unmeasured. The first
    submission fails its first item (a hazard and an order) with a photo; the second passes every item (as
    ``bench_submit``'s)."""
    token, partner = world.inspectors[2]
    enterprise = world.enterprise_ids[2]

    def jsonb(value: Any) -> bytes:
        return json.dumps(value).encode()

    created: list[int] = []
    started: list[int] = []
    shot: list[tuple[int, int]] = []

    async def create() -> None:
        created.append(json.loads(await call("POST", "/api/v1/visits", token, jsonb({
            "enterprise_id": enterprise, "inspector_ids": [partner], "client_uuid": str(uuid.uuid4())}),
            expect=201))["id"])

    async def start() -> None:
        visit = created.pop()
        await call("POST", f"/api/v1/visits/{visit}/start", token, jsonb({"latitude": 31.81, "longitude": 119.97}))
        started.append(visit)

    async def checklist() -> None:
        await call("GET", f"/api/v1/visits/{started[-1]}/checklist", token)

    async def upload() -> None:
        visit = started.pop()
        form, ctype = multipart({"client_uuid": str(uuid.uuid4()), "visit_id": str(visit)}, unique(photo))
        shot.append((visit, json.loads(await call("POST", "/api/v1/photos", token, form, ctype, expect=201))["id"]))

    async def submit() -> None:
        visit, photo_id = shot.pop()
        results: list[dict[str, Any]] = [{"item_code": c, "result": "pass"} for c in world.codes]
        results[0] = {"item_code": world.codes[0], "result": "fail", "note": "积尘", "photo_ids": [photo_id]}
        await call("POST", f"/api/v1/visits/{visit}/submissions", token,
                   jsonb({"client_uuid": str(uuid.uuid4()), "results": results}), expect=201)

    async def submit_passing() -> None:
        visit, _ = shot.pop()
        await call("POST", f"/api/v1/visits/{visit}/submissions", token, jsonb({
            "client_uuid": str(uuid.uuid4()), "results": [{"item_code": c, "result": "pass"} for c in world.codes]}),
            expect=201)

    steps: list[tuple[str, Call]] = [
        ("POST /api/v1/visits (client key)", create), ("POST /api/v1/visits/{id}/start", start),
        ("GET /api/v1/visits/{id}/checklist", checklist), ("POST /api/v1/photos", upload),
        ("POST /api/v1/visits/{id}/submissions (1 fail)", submit),
        ("POST /api/v1/visits/{id}/submissions (all pass)", submit_passing)]
    print(f"statements and Python function calls per request (mean of {args.calls} calls)")
    for index, (name, fn) in enumerate(steps):
        if args.only and args.only not in name:
            continue
        for _ in range(1 if fn is checklist else args.calls + 5):  # the earlier steps, unmeasured
            for _, earlier in steps[:min(index, 4)]:  # a submission follows the photo
                if earlier is not checklist:
                    await earlier()
        for _ in range(5):
            await fn()
        counter.reset()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.calls):
            await fn()
        profiler.disable()
        statements = counter.counts["statements"]
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        print(f"   {name:48} {statements / args.calls:6.1f} statements {calls / args.calls:10.0f} calls")
        if args.show_statements:
            for text, n in counter.texts.most_common():
                print(f"        {n / args.calls:5.1f}  {text}")


if __name__ == "__main__":
    main()
