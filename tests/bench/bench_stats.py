"""Statistics benchmark: the grouped queries of hazards/stats.py on 1,000,000 hazards, with and without indexes.

Run from the repository root:
    python -m tests.bench.bench_stats                      # SQLite (file under /tmp, built once and reused)
    python -m tests.bench.bench_stats --backend pg         # PostgreSQL database helper7bench (built once)
    python -m tests.bench.bench_stats --backend both --rebuild
    XUNCHA_BENCH_PG=<url of s9_stats5m> python -m tests.bench.bench_stats --backend pg --pg-generate \
        --hazards 5000000 --calls-only --growth-from <url of a 1 M set>   # built inside PostgreSQL, 1 M beside 5 M
Not collected by pytest. Results go in tests/bench/README.md ("Statistics") by hand.

The data: 20,000 enterprises on 12 streets, 5 departments, 1,000,000 hazards found evenly over five years
(2021-07-01 .. 2026-06-30, ids in time order as in life) on the real checklist items, closed mostly within
their deadline, ~2 % never closed, 0.2 % voided, 3 % repeats; and the audit trail those hazards leave
(~2.8 events per hazard), because the voided-hazard exclusion reads it. Rows are bulk-inserted
(executemany on SQLite, COPY on PostgreSQL) with the secondary indexes dropped, then indexed once.

Each query runs once to warm up and then ``--runs`` times; the median is reported, for index sets in the same
run: ``covering`` (ours, from the models), ``untallied`` (the same indexes, but every month counted from the
hazards instead of the month tally), ``none`` (the statistics indexes dropped, the tally's too),
``mismatched`` (a plain index on found_at plus one on (street, found_month, status)), and on SQLite
``nohelper`` (ours, but the connections sort without the helper thread server/db.py gives them). The plan of
each query is printed (EXPLAIN QUERY PLAN / EXPLAIN).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, func, select, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import hazards.models  # noqa: E402,F401
from hazards.models import TALLIES, Tally, days_to_close, local_month  # noqa: E402
from hazards.stats import closure as stats  # noqa: E402
from hazards.stats import inputs, tally  # noqa: E402
from hazards.stats import lists as stats_lists  # noqa: E402
from hazards.stats import report as stats_report  # noqa: E402
from inspection.clock import SHANGHAI, end_of_local_day  # noqa: E402
from inspection.field import checklists  # noqa: E402
from inspection.identity.access import Actor  # noqa: E402
from schemas.enums import Role  # noqa: E402
from server.db import make_engine  # noqa: E402

SQLITE_PATH = Path(os.environ.get("XUNCHA_BENCH_SQLITE", "/tmp/xuncha-bench-stats.db"))
PG_URL = os.environ.get("XUNCHA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/helper7bench")
HAZARDS = 1_000_000
ENTERPRISES = 20_000
START = date(2021, 7, 1)
END = date(2026, 7, 1)  # exclusive
AS_OF = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
TARGET_MS = 150
STREETS = ["三井街道", "河海街道", "新桥街道", "龙虎塘街道", "薛家镇", "罗溪镇", "西夏墅镇", "春江街道",
           "孟河镇", "奔牛镇", "魏村街道", "安家街道"]
DEPARTMENTS = [("应急", "应急管理局", ("DUST", "FCZ")), ("消防", "消防救援大队", ("FCZ",)),
               ("住建", "住房和城乡建设局", ("GAS",)), ("市场", "市场监督管理局", ("GAS",)),
               ("生态", "生态环境局", ("DUST",))]
DEPARTMENT_WEIGHTS = [40, 20, 20, 12, 8]
STATS_INDEXES = ["ix_hazard_stats_found", "ix_hazard_stats_days", "ix_hazard_stats_repeat", "ix_hazard_stats_due",
                 "ix_hazard_stats_open", "ix_hazard_stats_overdue", "ix_hazard_stats_overdue_open",
                 "ix_hazard_due_at_closed_at", "ix_hazard_voided",
                 *[f"ix_{t.table.__tablename__}_key" for t in TALLIES]]
EVENT_INDEXES = ["ix_event_action_entity_id"]
MISMATCHED = {
    "ix_bench_found_at": "CREATE INDEX ix_bench_found_at ON hazard (found_at)",
    "ix_bench_street_month_status": "CREATE INDEX ix_bench_street_month_status ON hazard (street, found_month, status)",
}


# Data -----


BEFORE = json.dumps({"status": "open"})
AFTER = {status: json.dumps({"status": status}) for status in ("open", "submitted", "closed")}


def _ts(at: datetime, sqlite: bool) -> Any:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}" if sqlite else at


def generate(seed: int = 2026, n: int = HAZARDS) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Yield ("enterprise"|"department"|"hazard"|"event", row) in insertion order, deterministic for a seed."""
    rng = random.Random(seed)
    for i, (code, name, _) in enumerate(DEPARTMENTS, start=1):
        yield "department", (i, code, name)
    industries = sorted(checklists.INDUSTRIES)
    enterprises = []
    for i in range(1, ENTERPRISES + 1):
        street = STREETS[min(int(rng.expovariate(0.25)), len(STREETS) - 1)]
        row = (i, f"基准企业{i:05d}有限公司", f"91320411{i:09d}X", street, rng.choice(industries),
               rng.choices("ABCD", weights=[30, 40, 20, 10])[0])
        enterprises.append(row)
        yield "enterprise", row
    items = {kind: checklists.latest(kind).items for kind in ("DUST", "FCZ", "GAS")}
    span = (END - START).days * 86400
    start = datetime.combine(START, datetime.min.time(), tzinfo=SHANGHAI)
    offsets = sorted(rng.randrange(span) for _ in range(n))
    event_id = 0
    for hazard_id, offset in enumerate(offsets, start=1):
        found = start + timedelta(seconds=offset)
        if not 8 <= found.hour < 18:  # inspections happen in office hours
            found = found.replace(hour=8 + found.hour % 10)
        found_utc = found.astimezone(UTC)
        department = rng.choices(range(1, len(DEPARTMENTS) + 1), weights=DEPARTMENT_WEIGHTS)[0]
        kind = rng.choice(DEPARTMENTS[department - 1][2])
        item = rng.choice(items[kind])
        enterprise = enterprises[int(ENTERPRISES * rng.random() ** 1.5)]  # skewed: the busiest has ~1,400
        major = item.is_major or rng.random() < 0.02
        spot = item.deadline_days == 0 and rng.random() < 0.6
        days = item.deadline_days if spot else max(item.deadline_days, 7 if major else 1)
        due = end_of_local_day(found.date() + timedelta(days=days))
        voided = rng.random() < 0.002
        status, closed = "closed", None
        actions = ["hazard.created"]
        if voided:
            closed = found_utc + timedelta(hours=rng.randrange(1, 48))
            actions.append("hazard.void")
        elif spot:
            closed = found_utc + timedelta(minutes=rng.randrange(5, 90))
            actions.append("hazard.close_on_spot")
        else:
            late = rng.random() < 0.15
            took = days * rng.random() if not late else days + rng.expovariate(1 / 10)
            closed = found_utc + timedelta(days=took, hours=rng.randrange(0, 8))
            if closed > AS_OF or rng.random() < 0.02:
                closed = None
                status = "submitted" if rng.random() < 0.3 else "open"
                actions += ["hazard.submit"] if status == "submitted" else []
            else:
                actions += ["hazard.submit", "hazard.accept"]
        repeat = hazard_id > 1000 and rng.random() < 0.03
        yield "hazard", (
            hazard_id, enterprise[0], department, kind, item.code, "major" if major else "general",
            item.text, item.legal_basis, status, days, _ts(due, SQLITE), _ts(found_utc, SQLITE),
            None if closed is None else _ts(closed, SQLITE), spot, major and not spot,
            rng.randrange(1, hazard_id - 500) if repeat else None, repeat, enterprise[3], enterprise[4],
            enterprise[5], found.strftime("%Y-%m"), local_month(due), days_to_close(found_utc, closed), voided,
        )
        for k, action in enumerate(actions):
            event_id += 1
            at = found_utc if k == 0 else (closed or found_utc + timedelta(days=1))
            yield "event", (event_id, "hazard", hazard_id, action, _ts(at, SQLITE), BEFORE, AFTER[status], "",
                            f"{event_id - 1:064x}", f"{event_id:064x}")


SQLITE = True  # set by the builder: timestamps are text on SQLite, aware datetimes on PostgreSQL
COLUMNS = {
    "department": ("id", "code", "name", "district_short", "working_days", "priority"),
    "enterprise": ("id", "name", "credit_code", "address", "street", "industry", "risk_class", "green_listed",
                   "dust_involved", "gas_user", "gas_role", "contact_name", "contact_phone", "fatal_accident_3y",
                   "serious_dishonest", "created_at", "updated_at"),
    "hazard": ("id", "enterprise_id", "department_id", "kind", "item_code", "level", "description", "legal_basis",
               "status", "deadline_days", "due_at", "found_at", "closed_at", "fixed_on_spot", "plan_required",
               "repeat_of_id", "suspected_false_rectification", "street", "industry", "risk_class", "found_month",
               "due_month", "close_days", "voided", "checklist_version", "party", "working_days", "before_photo_ids",
               "after_photo_ids"),
    "event": ("id", "entity", "entity_id", "action", "at", "before", "after", "reason", "prev_hash", "hash"),
}


def _full(table: str, row: tuple[Any, ...], now: Any) -> tuple[Any, ...]:
    if table == "department":
        row = (*row, "新北", False, 100)
    elif table == "enterprise":
        i, name, code, street, industry, risk = row
        row = (i, name, code, "常州市新北区", street, industry, risk, False, False, False, "user", "", "", False,
               False, now, now)
    elif table == "hazard":
        row = (*row, 1, "self", False, "[]", "[]")
    return row + _extras(table, now)[1]


_EXTRAS: dict[str, tuple[list[str], tuple[Any, ...]]] = {}


def _extras(table: str, now: Any) -> tuple[list[str], tuple[Any, ...]]:
    """Columns added to the models since this script was written: NOT NULL ones get an empty value."""
    if table not in _EXTRAS:
        names, values = [], []
        for column in SQLModel.metadata.tables[table].columns:
            if column.name in COLUMNS[table] or column.nullable or column.server_default is not None:
                continue
            try:
                kind = column.type.python_type
            except NotImplementedError:
                kind = str
            empty = {bool: False, int: 0, float: 0.0, str: "", list: "[]", dict: "{}"}.get(kind, now)
            names.append(column.name)
            values.append("[]" if column.type.__class__.__name__ == "JSON" else empty)
        _EXTRAS[table] = (names, tuple(values))
    return _EXTRAS[table]


def _columns(table: str) -> str:
    return ", ".join([*COLUMNS[table], *_extras(table, None)[0]])


def _secondary_indexes(engine: Engine, tables: tuple[str, ...]) -> list[Any]:
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in tables:
            found.extend(table.indexes)
    return found


def build(engine: Engine, n: int, generated: bool = False) -> None:
    """Create the schema from the models and bulk-load the data set; about two minutes either way at 1 M.
    ``generated`` (PostgreSQL): hazards and events generated inside the database (``stats_generated``)."""
    global SQLITE
    SQLITE = engine.dialect.name == "sqlite"
    began = time.perf_counter()
    if not SQLITE:  # a SQLite file is deleted instead (see main): DROP TABLE with foreign keys on is quadratic
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_meta"))
    SQLModel.metadata.create_all(engine)
    indexes = _secondary_indexes(engine, ("hazard", "event"))
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    now = _ts(AS_OF, SQLITE)
    if SQLITE:
        batches: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        raw = engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")  # batches of hazards may go in before the last enterprises
        cursor.execute("BEGIN")

        def flush(table: str) -> None:
            width = len(batches[table][0]) if batches[table] else 0
            if width:
                cursor.executemany(f"INSERT INTO {table} ({_columns(table)}) VALUES ({', '.join('?' * width)})",
                                   batches[table])
            batches[table].clear()

        for table, row in generate(n=n):
            batches[table].append(_full(table, row, now))
            if len(batches[table]) >= 50_000:
                flush(table)
        for table in COLUMNS:
            flush(table)
        cursor.execute("COMMIT")
        raw.close()
    elif generated:
        from tests.bench import stats_generated

        first = engine.raw_connection()
        with first.driver_connection.cursor() as cursor:
            for table in ("department", "enterprise"):
                with cursor.copy(f"COPY {table} ({_columns(table)}) FROM STDIN") as copy:
                    for row in _parents(table, now):
                        copy.write_row(row)
        first.driver_connection.commit()
        first.close()
        phases = stats_generated.load(engine, n, start=START, end=END, as_of=AS_OF, enterprises=ENTERPRISES)
        print("  generated in PostgreSQL: " + ", ".join(f"{name} {s:.0f} s" for name, s in phases.items()),
              flush=True)
    else:
        # two connections, so hazards and their events stream through two COPYs at once; the parents first
        first, second = engine.raw_connection(), engine.raw_connection()
        rows = generate(n=n)
        parents: dict[str, list[tuple[Any, ...]]] = {"department": [], "enterprise": []}
        pending = None
        for table, row in rows:
            if table not in parents:
                pending = (table, row)
                break
            parents[table].append(_full(table, row, now))
        with first.driver_connection.cursor() as cursor:
            for table, parent_rows in parents.items():
                with cursor.copy(f"COPY {table} ({_columns(table)}) FROM STDIN") as copy:
                    for row in parent_rows:
                        copy.write_row(row)
        first.driver_connection.commit()
        with (first.driver_connection.cursor() as c1, second.driver_connection.cursor() as c2,
              c1.copy(f"COPY hazard ({_columns('hazard')}) FROM STDIN") as hazard_copy,
              c2.copy(f"COPY event ({_columns('event')}) FROM STDIN") as event_copy):
            copies = {"hazard": hazard_copy, "event": event_copy}
            assert pending is not None
            copies[pending[0]].write_row(_full(pending[0], pending[1], now))
            for table, row in rows:
                copies[table].write_row(_full(table, row, now))
        first.driver_connection.commit()
        second.driver_connection.commit()
        first.close()
        second.close()
    if not SQLITE:
        with engine.begin() as conn:
            for table in ("department", "enterprise", "hazard", "event"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    loaded = time.perf_counter()
    print(f"  loaded {n:,} hazards in {loaded - began:.0f} s (load {_load()})", flush=True)
    with engine.begin() as conn:
        if not SQLITE:  # this session only; the measurements run with the server's settings
            conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            conn.execute(text("SET LOCAL work_mem = '256MB'"))
        for index in indexes:
            index.create(conn)
        indexed = time.perf_counter()
        print(f"  indexed in {indexed - loaded:.0f} s (load {_load()})", flush=True)
        tallied = tally.rebuild(conn)
        conn.execute(text("CREATE TABLE bench_meta (hazards INTEGER)"))
        conn.execute(text("INSERT INTO bench_meta VALUES (:n)"), {"n": n})
    counted = time.perf_counter()
    print(f"  tallied ({tallied:,} tally rows) in {counted - indexed:.0f} s (load {_load()})", flush=True)
    if not SQLITE:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        print(f"  VACUUM ANALYZE in {time.perf_counter() - counted:.0f} s (load {_load()})", flush=True)
    print(f"  built {n:,} hazards in {loaded - began:.0f} s, indexed and tallied ({tallied:,} tally rows) in "
          f"{time.perf_counter() - loaded:.0f} s")


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _parents(table: str, now: Any) -> list[tuple[Any, ...]]:
    """The departments or enterprises of ``generate`` (they come first, so no hazard is drawn)."""
    out = []
    for kind, row in generate(n=0):
        if kind not in ("department", "enterprise"):
            break
        if kind == table:
            out.append(_full(table, row, now))
    return out


def built(engine: Engine, n: int) -> bool:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT hazards FROM bench_meta")).scalar() == n
    except Exception:  # noqa: BLE001 - no table yet
        return False


def ensure_tallies(engine: Engine) -> None:
    """Tallies (and cohorts of a tally) added to the models since the data set was built: created and counted."""
    SQLModel.metadata.create_all(engine, tables=[t.table.__table__ for t in TALLIES])
    began, added = time.perf_counter(), []
    with engine.begin() as conn:
        for kept in TALLIES:
            table = kept.table.__table__
            for cohort in kept.cohorts:
                if conn.execute(select(table.c.id).where(table.c.cohort == cohort).limit(1)).first() is None:
                    conn.execute(table.insert().from_select(list(kept.columns),
                                                            tally.recount(kept._replace(cohorts=(cohort,)))))
                    added.append(f"{table.name} {cohort}")
    if not added:
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"  counted what the tallies lacked ({', '.join(added)}) in {time.perf_counter() - began:.0f} s")


# Index sets -----


def set_indexes(engine: Engine, variant: str) -> None:
    by_name = {ix.name: ix for ix in _secondary_indexes(
        engine, ("hazard", "event", *[t.table.__tablename__ for t in TALLIES]))}
    ours = [name for name in STATS_INDEXES + EVENT_INDEXES if name in by_name]
    with engine.begin() as conn:
        for name in [*ours, *MISMATCHED]:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        if variant == "covering":
            for name in ours:
                by_name[name].create(conn)
        if variant == "mismatched":
            for ddl in MISMATCHED.values():
                conn.execute(text(ddl))
            if "ix_event_action_entity_id" in by_name:  # only the hazard indexes are in question here
                by_name["ix_event_action_entity_id"].create(conn)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE hazard"))
    # new connections: pysqlite caches prepared statements, and a cached EXPLAIN QUERY PLAN never notices
    # that an index went away (it reads no table, so SQLite never checks the schema version)
    engine.dispose()


# Queries -----

OFFICE = Actor(user_id=0, username="bench", full_name="bench", role=Role.OFFICE)
INSPECTOR = Actor(user_id=0, username="bench", full_name="bench", role=Role.INSPECTOR, department_id=2)
ENTERPRISE = Actor(user_id=0, username="bench", full_name="bench", role=Role.ENTERPRISE, enterprise_id=1)
HALF_YEAR = inputs.Period(date(2026, 1, 1), date(2026, 6, 30))
YEAR = inputs.Period(date(2025, 7, 1), date(2026, 6, 30))
MONTH = inputs.Period(date(2026, 6, 1), date(2026, 6, 30))
YEAR_TO_DATE = inputs.Period(date(2026, 1, 1), date(2026, 6, 20))
FIVE_YEARS = inputs.Period(START, END - timedelta(days=1))


def suite(dialect: str) -> list[tuple[str, Any]]:
    """(label, statement) for every grouped statement the API runs, over typical periods."""
    out: list[tuple[str, Any]] = []

    def closure(label: str, actor: Actor, period: inputs.Period, group_by: list[str],
                filters: inputs.Filters | None = None) -> None:
        statements = stats.closure_statements(actor, period, filters or inputs.Filters(), group_by, AS_OF,
                                              dialect=dialect)
        for part, statement in statements.items():
            out.append((f"{label} [{part}]", statement))

    closure("street, 6 months", OFFICE, HALF_YEAR, ["street"])
    closure("street+month, 6 months", OFFICE, HALF_YEAR, ["street", "month"])
    closure("department+kind, 12 months", OFFICE, YEAR, ["department", "kind"])
    closure("item_code, 12 months", OFFICE, YEAR, ["item_code"])
    closure("item_code+street, 12 months", OFFICE, YEAR, ["item_code", "street"])
    closure("department, year to date (cuts a month)", OFFICE, YEAR_TO_DATE, ["department"])
    closure("industry+risk_class, 1 month", OFFICE, MONTH, ["industry", "risk_class"])
    closure("street, inspector's dept, 12 months", INSPECTOR, YEAR, ["street"])
    closure("month, street filter, 12 months", OFFICE, YEAR, ["month"], inputs.Filters(street=("河海街道",)))
    closure("month, 5 years (trend)", OFFICE, FIVE_YEARS, ["month"])
    closure("total, enterprise's own, 5 years", ENTERPRISE, FIVE_YEARS, [])
    out.append(("top items per kind, 12 months", stats_lists.top_items_statement(OFFICE, YEAR, limit=10)))
    count, page = stats_lists.overdue_statements(OFFICE, AS_OF)
    out.append(("overdue now [count]", count))
    out.append(("overdue now [first 100]", page))
    count, page = stats_lists.overdue_statements(OFFICE, datetime(2025, 12, 31, 16, tzinfo=UTC))
    out.append(("overdue at 2025-12-31 [count]", count))
    return out


@contextmanager
def explaining(engine: Engine) -> Iterator[None]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "

    def rewrite(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        return prefix + statement, parameters

    event.listen(engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", rewrite)


def plan(engine: Engine, statement: Any) -> str:
    with explaining(engine), engine.connect() as conn:
        rows = conn.execute(statement).cursor.fetchall()  # raw rows: the statement's result types do not apply
    lines = [row[-1] for row in rows]
    return " | ".join(line.strip() for line in lines)


def timed(engine: Engine, statement: Any, runs: int) -> tuple[float, float, int]:
    """(median wall ms, median CPU ms of this process, rows). On SQLite the query runs in this process, so
    its CPU time is the query's cost whatever else the machine is doing; on PostgreSQL it is only the client's."""
    with engine.connect() as conn:
        rows = len(conn.execute(statement).all())  # warm up
        walls, cpus = [], []
        for _ in range(runs):
            began, cpu = time.perf_counter(), time.process_time()
            conn.execute(statement).all()
            walls.append((time.perf_counter() - began) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), rows


def calls() -> list[tuple[str, Callable[[Session], Any]]]:
    """The JSON statistics calls as the API answers them (``server.routes.stats``: the service, the response
    model, its JSON), with the bench's "now"; and the monthly PDF report, which has no target."""
    from server.routes import stats as routes

    def closure_json(group_by: list[str], period: inputs.Period = YEAR) -> Callable[[Session], Any]:
        return lambda s: routes.closure_out(stats.closure(s, actor=OFFICE, period=period, group_by=group_by,
                                                          now=AS_OF)).model_dump_json()

    out = [(f"/stats/closure?group_by={g}, 12 months", closure_json(g.split(",")))
           for g in ("street", "department", "kind", "item_code", "item_code,street", "industry", "risk_class")]
    out += [
        ("/stats/closure?group_by=month, 5 years (trend)", closure_json(["month"], FIVE_YEARS)),
        ("/stats/top-items, 12 months", lambda s: routes.top_items(
            s, OFFICE, YEAR, inputs.Filters(), limit=10).model_dump_json()),
        ("/stats/overdue (now, first 100)", lambda s: routes.overdue(
            s, OFFICE, inputs.Filters(), at=AS_OF.isoformat(), limit=100, offset=0).model_dump_json()),
        ("monthly report 2026-06, PDF with charts", lambda s: stats_report.render_pdf(stats_report.monthly(
            s, actor=OFFICE, month="2026-06", now=AS_OF))),
    ]
    return out


_BUILT_FOR: dict[tuple[Tally, ...] | None, dict[tuple[Any, ...], Any]] = {}


@contextmanager
def reading(tallies: tuple[Tally, ...] | None) -> Iterator[None]:
    """The statistics read ``tallies`` (None: none, every month from the hazards' covering indexes).

    Each set of tallies gets its own cache of statements built once per shape (``stats.built_once``): the
    cache's key does not hold ``stats.TALLIES``, so with one shared cache every path after the first would run
    the statements the first path built (as this bench did from session 8's merge until session 9)."""
    kept, tallied, built = stats.TALLIES, stats.tallied, stats._BUILT
    stats._BUILT = _BUILT_FOR.setdefault(tallies, {})  # type: ignore[misc]
    if tallies is None:
        stats.tallied = lambda *args, **kwargs: None  # type: ignore[assignment]
    else:
        stats.TALLIES = tallies  # type: ignore[misc]
    try:
        yield
    finally:
        stats.TALLIES, stats.tallied, stats._BUILT = kept, tallied, built  # type: ignore[misc]


@contextmanager
def tally_through_less_voided() -> Iterator[None]:
    """As before session 9: a statement whose whole months come from a tally always goes through
    ``less_voided``'s union and outer GROUP BY, even when the period cuts no month (``Tallied.whole`` off)."""
    kept = stats.tallied

    def tallied(*args: Any, **kwargs: Any) -> Any:
        found = kept(*args, **kwargs)
        return found._replace(whole=False) if found is not None else None

    stats.tallied = tallied  # type: ignore[assignment]
    try:
        yield
    finally:
        stats.tallied = kept  # type: ignore[assignment]


Way = Callable[[], AbstractContextManager[None]]  # a way of answering, entered around each call
# the paths compared call by call: as before session 9, as shipped (a tally read alone when nothing is live)
PATHS: dict[str, Way] = {"today (through less_voided)": tally_through_less_voided, "shipped": nullcontext}


def whole_calls(engine: Engine, runs: int, paths: dict[str, Way] | None = None,
                only: str = "") -> list[tuple[str, dict[str, tuple[float, float]], str]]:
    """Each call's median (wall ms, CPU ms of this process) per path, the paths alternated run by run (so both see
    the same load), and the load average when the call finished; ``only``: the calls whose label holds it. On
    SQLite the queries run in this process, so its CPU time is the call's own cost whatever the load; on
    PostgreSQL it is only the client's part."""
    paths = paths or PATHS
    out = []
    with Session(engine) as session:
        for label, call in calls():
            if only not in label:
                continue
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
            for path in paths.values():  # warm up
                with path():
                    call(session)
            for _ in range(runs):
                for name, path in paths.items():
                    with path():
                        began, cpu = time.perf_counter(), time.process_time()
                        call(session)
                        times[name].append(((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000))
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            medians = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
                       for name, t in times.items()}
            out.append((label, medians, load))
            cells = "  ".join(f"{name} {ms:7.0f} ms ({cpu:.0f} cpu)" for name, (ms, cpu) in medians.items())
            print(f"  call {label:48s} {cells}  (load {load})", flush=True)
    return out


def print_calls(results: list[tuple[str, dict[str, tuple[float, float]], str]]) -> None:
    """A Markdown table: wall ms (CPU ms) per path, the first path's wall ÷ the last's, the load."""
    names = list(results[0][1]) if results else []
    print("\n  | call | " + " | ".join(names) + " | ratio | load 1/5/15 |")
    print("  |---|" + "---:|" * (len(names) + 1) + "---|")
    for label, medians, load in results:
        ratio = medians[names[0]][0] / medians[names[-1]][0] if medians[names[-1]][0] else float("nan")
        cells = " | ".join(f"{medians[n][0]:.0f} ({medians[n][1]:.0f})" for n in names)
        print(f"  | {label} | {cells} | {ratio:.1f}× | {load} |")


def growth(engines: dict[str, Engine], runs: int) -> None:
    """Each call as shipped (every tally) on data sets of two sizes, alternated run by run in one process (so both
    see the same load): the medians (wall ms, client CPU ms) and the larger's wall ÷ the smaller's."""
    sessions = {name: Session(engine) for name, engine in engines.items()}
    names = list(engines)
    print(f"\n  | call | {' | '.join(names)} | {names[-1]} ÷ {names[0]} | load 1/5/15 |")
    print("  |---|" + "---:|" * (len(names) + 1) + "---|")
    try:
        for label, call in calls():
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
            for session in sessions.values():  # warm up
                call(session)
            for _ in range(runs):
                for name, session in sessions.items():
                    began, cpu = time.perf_counter(), time.process_time()
                    call(session)
                    times[name].append(((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000))
            medians = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
                       for name, t in times.items()}
            cells = " | ".join(f"{medians[n][0]:.0f} ({medians[n][1]:.0f})" for n in names)
            print(f"  | {label} | {cells} | {medians[names[-1]][0] / medians[names[0]][0]:.1f}× | {_load()} |",
                  flush=True)
    finally:
        for session in sessions.values():
            session.close()


def item_street_days(engine: Engine, runs: int) -> None:
    """The choice for item × street (tests/bench/README.md, "City scale"): its days to close read from its tally,
    against from the covering index (the tally's found and due cohorts read either way)."""
    by_item_street = TALLIES[3]
    table = by_item_street.table.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(table).where(table.c.cohort == "days")).scalar()
    print(f"\n  item × street days rows: {rows:,}")
    index = (*TALLIES[:3], by_item_street._replace(cohorts=("found", "due")))
    paths: dict[str, Way] = {"days from the index": lambda: reading(index),
                             "days tallied too": lambda: reading(TALLIES)}
    print_calls(whole_calls(engine, runs, paths, only="item_code,street"))


def _sorting_alone(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA threads=0")


def run(engine: Engine, runs: int, variants: list[str], show_plans: bool
        ) -> dict[str, dict[str, tuple[float, float, int]]]:
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    for variant in variants:
        set_indexes(engine, "covering" if variant in ("untallied", "nohelper") else variant)
        no_helper = _sorting_alone if variant == "nohelper" else None
        if no_helper:
            event.listen(engine, "connect", no_helper)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n  -- {variant} (load average {load}) --")
        tallied = stats.tallied
        if variant == "untallied":  # the covering indexes, every month counted from the hazards
            stats.tallied = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            statements = suite(engine.dialect.name)
        finally:
            stats.tallied = tallied
        for label, statement in statements:
            ms, cpu, rows = timed(engine, statement, runs)
            results.setdefault(label, {})[variant] = (ms, cpu, rows)
            flag = "" if ms < TARGET_MS else "  (over target)"
            print(f"  {label:48s} {ms:9.1f} ms wall {cpu:9.1f} ms cpu {rows:5d} rows{flag}", flush=True)
            if show_plans:
                print(f"      plan: {plan(engine, statement)}")
        if variant == "covering":
            print_calls(whole_calls(engine, runs))
        if no_helper:
            event.remove(engine, "connect", no_helper)
    set_indexes(engine, "covering")
    return results


def summary(results: dict[str, dict[str, tuple[float, float, int]]], variants: list[str], sqlite: bool) -> None:
    """A Markdown table: wall ms per index set (and CPU ms on SQLite), and none ÷ covering."""
    print("\n  | query | " + " | ".join(variants) + " | none ÷ covering |")
    print("  |---|" + "---:|" * (len(variants) + 1))
    for label, by_variant in results.items():
        cells = [f"{by_variant[v][0]:.0f}" + (f" ({by_variant[v][1]:.0f})" if sqlite else "") for v in variants]
        ratio = (by_variant["none"][0] / by_variant["covering"][0]
                 if "none" in by_variant and "covering" in by_variant else float("nan"))
        print(f"  | {label} | " + " | ".join(cells) + f" | {ratio:.1f}× |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="sqlite")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set even if it exists")
    parser.add_argument("--hazards", type=int, default=HAZARDS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variants", default="covering,nohelper,untallied,none,mismatched")
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--calls-only", action="store_true",
                        help="only the whole calls, today's path (a tally read through less_voided) beside "
                             "the shipped one")
    parser.add_argument("--item-street-days", action="store_true",
                        help="also item × street with its days to close tallied, against read from the index")
    parser.add_argument("--pg-generate", action="store_true",
                        help="PostgreSQL: generate hazards and events inside the database (fast at 5 M; "
                             "tests/bench/stats_generated.py) instead of in Python")
    parser.add_argument("--growth-from", metavar="URL",
                        help="PostgreSQL: also each call as shipped on this (smaller) database beside --hazards's, "
                             "alternated run by run: the growth as a ratio from one machine state")
    parser.add_argument("--http", action="store_true",
                        help="with --calls-only: also each JSON call over HTTP, through the real server "
                             "(tests/bench/stats_http.py)")
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} cpu(s)")
    backends = ["sqlite", "pg"] if args.backend == "both" else [args.backend]
    for backend in backends:
        url = f"sqlite:///{SQLITE_PATH}" if backend == "sqlite" else PG_URL
        engine = make_engine(url)
        global SQLITE
        SQLITE = backend == "sqlite"
        with engine.connect() as conn:
            version = conn.execute(text("SELECT sqlite_version()" if SQLITE else "SHOW server_version")).scalar()
        print(f"\n== {backend} {version}: {url}")
        if args.rebuild or not built(engine, args.hazards):
            if SQLITE:
                engine.dispose()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
                engine = make_engine(url)
            build(engine, args.hazards, generated=args.pg_generate and not SQLITE)
        ensure_tallies(engine)
        if SQLITE and (args.calls_only or args.item_street_days):
            # without sqlite_stat1 SQLite breaks a tie between indexes for the last created, and build() creates
            # them in set order: the voided ids then came from all 2.8 M hazard events (ix_event_entity_entity_id,
            # 2.5-3.6 s a statement) and the overdue list took seconds. Created in our order, as run() leaves them.
            # PostgreSQL plans from statistics, not creation order: recreating them there (minutes at 5 M) is not
            # needed.
            set_indexes(engine, "covering")
        if args.item_street_days:
            item_street_days(engine, args.runs)
        if args.growth_from:
            smaller = make_engine(args.growth_from)
            with smaller.connect() as conn:
                size = conn.execute(text("SELECT hazards FROM bench_meta")).scalar()
            growth({f"{size:,} hazards": smaller, f"{args.hazards:,} hazards": engine}, args.runs)
            smaller.dispose()
        if args.calls_only:
            print(f"  (load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
            print_calls(whole_calls(engine, args.runs))
            if args.http:
                from tests.bench import stats_http

                year, five = ((str(p.start), str(p.end)) for p in (YEAR, FIVE_YEARS))
                stats_http.over_http(engine, url, stats_http.paths(year, five, AS_OF.isoformat()), args.runs)
            engine.dispose()
            continue
        ours = [v for v in variants if SQLITE or v != "nohelper"]  # the helper thread is SQLite's
        results = run(engine, args.runs, ours, not args.no_plans)
        summary(results, ours, SQLITE)
        engine.dispose()


if __name__ == "__main__":
    main()
