"""Deadline sweep benchmark: hazards/sweep.py's set-based SQL against a per-row Python loop, 1,000,000 hazards.

Run from the repository root:
    python -m tests.bench.bench_sweep               # SQLite file under /tmp, built once and reused
    python -m tests.bench.bench_sweep --rebuild     # build it again
Not collected by pytest. Results go in tests/bench/README.md ("Deadline sweep") by hand.

The data: 20,000 enterprises (2 % green-listed), 5 departments, 1,000,000 hazards found over two years up to
2026-07-01 (ids in time order), deadlines of 1-30 days, 10 % major. Hazards due more than 30 days ago are
nearly all closed (2 % still open, 1 % submitted); recent ones are mostly open. Rows are bulk-inserted with the
hazard table's secondary indexes dropped, then indexed once.

Both sweeps do the same work and must leave the same outbox: reminders 3 and 1 days ahead, overdue notices,
escalations (with their audit events), green lists lost. Each scenario starts from the same state: after the
first approach ran, the rows it wrote are removed before the second runs. Scenarios:

* ``backlog``: the first sweep ever over the whole table (every current notice is new);
* ``hourly``: an hour later, nothing new: the steady state of an hourly job;
* ``next day``: a day later, the notices of one day.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select, text, update  # noqa: E402
from sqlmodel import Session, SQLModel, col  # noqa: E402

from hazards.models import Hazard  # noqa: E402
from hazards.notify import outbox, sweep  # noqa: E402
from hazards.notify.models import Outbox  # noqa: E402
from inspection import audit  # noqa: E402
from inspection.clock import SHANGHAI, end_of_local_day, local_date  # noqa: E402
from inspection.models import Enterprise, Event  # noqa: E402
from schemas.enums import HazardLevel, HazardStatus  # noqa: E402
from server import migrate  # noqa: E402
from server.db import make_engine  # noqa: E402

SQLITE_PATH = Path(os.environ.get("XUNCHA_BENCH_SWEEP_SQLITE", "/tmp/xuncha-bench-sweep.db"))
HAZARDS = 1_000_000
ENTERPRISES = 20_000
AS_OF = datetime(2026, 7, 1, 9, 5, tzinfo=SHANGHAI).astimezone(UTC)
START = AS_OF - timedelta(days=730)
POLICY = sweep.SweepPolicy(remind_days=(3, 1), escalate_general_after_days=3)


# --- data ---------------------------------------------------------------------------------------------------------

def _ts(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def _defaults(table: str, given: tuple[str, ...], now: str) -> tuple[list[str], list[Any]]:
    """NOT NULL columns this script does not set get an empty value (models grow; the script keeps working)."""
    names, values = [], []
    for column in SQLModel.metadata.tables[table].columns:
        if column.name in given or column.nullable or column.primary_key:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        names.append(column.name)
        values.append("[]" if column.type.__class__.__name__ == "JSON" else
                      {bool: 0, int: 0, float: 0.0, str: "", list: "[]", dict: "{}"}.get(kind, now))
    return names, values


def build(path: Path, seed: int = 2026) -> None:
    if path.exists():
        path.unlink()
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    rng = random.Random(seed)
    now = _ts(START)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='hazard' "
                         "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")

    def insert(table: str, given: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        extra_names, extra_values = _defaults(table, given, now)
        names = [*given, *extra_names]
        marks = ", ".join("?" * len(names))
        db.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                       [(*row, *extra_values) for row in rows])

    codes = ("应急", "消防", "住建", "市监", "生态")
    insert("department", ("id", "code", "name", "district_short", "working_days", "priority"),
           [(i, code, f"{code}部门", "新北", 0, 10 * i) for i, code in enumerate(codes, 1)])
    enterprise_rows = []
    for i in range(1, ENTERPRISES + 1):
        green = i % 50 == 0
        enterprise_rows.append((i, f"基准企业{i:05d}", f"91320411{i:09d}X", "三井街道", "machinery", "B", int(green),
                                "2026-01-01" if green else None, "2027-12-31" if green else None, now, now))
    insert("enterprise", ("id", "name", "credit_code", "street", "industry", "risk_class", "green_listed",
                          "green_valid_from", "green_valid_to", "created_at", "updated_at"), enterprise_rows)
    given = ("id", "enterprise_id", "department_id", "kind", "item_code", "level", "status", "deadline_days",
             "due_at", "found_at", "closed_at", "party")
    span = int((AS_OF - START).total_seconds())
    offsets = sorted(rng.randrange(span) for _ in range(HAZARDS))
    batch: list[tuple[Any, ...]] = []
    for hazard_id, offset in enumerate(offsets, start=1):
        found = START + timedelta(seconds=offset)
        days = rng.randint(1, 30)
        due = end_of_local_day(local_date(found) + timedelta(days=days))
        age = (AS_OF - due).days
        roll = rng.random()
        if age > 30:
            status = "open" if roll < 0.02 else "submitted" if roll < 0.03 else "closed"
        else:
            status = "open" if roll < 0.7 else "submitted" if roll < 0.8 else "closed"
        closed = _ts(min(due, AS_OF) - timedelta(hours=rng.randint(1, 48))) if status == "closed" else None
        batch.append((hazard_id, int(ENTERPRISES * rng.random() ** 1.5) + 1, rng.randint(1, 5), "DUST",
                      f"DUST-{rng.randint(1, 20):02d}", "major" if rng.random() < 0.1 else "general", status, days,
                      _ts(due), _ts(found), closed, "self"))
        if len(batch) == 50_000:
            insert("hazard", given, batch)
            batch.clear()
    insert("hazard", given, batch)
    db.commit()
    for _, sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.commit()
    db.close()


# --- the two sweeps ----------------------------------------------------------------------------------------------

def per_row(session: Session, *, now: datetime, policy: sweep.SweepPolicy) -> dict[str, int]:
    """The baseline: load the open hazards near or past their deadline, decide in Python, insert one row each."""
    today = local_date(now)
    days = sorted(policy.remind_days, reverse=True)
    bounds = [end_of_local_day(today + timedelta(days=n)) for n in days]
    general_limit = end_of_local_day(today - timedelta(days=policy.escalate_general_after_days))
    counts = {f"remind{n}": 0 for n in days} | {"overdue": 0, "escalate": 0}
    hazards = session.exec(select(Hazard).where(col(Hazard.status) == HazardStatus.OPEN,  # type: ignore[call-overload]
                                                col(Hazard.due_at) <= bounds[0])).scalars()
    for hazard in hazards:
        kinds = []
        for i, n in enumerate(days):
            lower = bounds[i + 1] if i + 1 < len(days) else now
            if lower < hazard.due_at <= bounds[i]:
                kinds.append((f"remind{n}", "hazard.reminder", f"enterprise:{hazard.enterprise_id}"))
        if hazard.due_at < now:
            kinds.append(("overdue", "hazard.overdue", f"enterprise:{hazard.enterprise_id}"))
            if hazard.level == HazardLevel.MAJOR or hazard.due_at <= general_limit:
                kinds.append(("escalate", "hazard.escalated", sweep.OFFICE))
        due = sweep.due_key(hazard.due_at)
        for kind, event_type, recipient in kinds:
            payload = {"kind": kind, "hazard_id": hazard.id, "enterprise_id": hazard.enterprise_id,
                       "department_id": hazard.department_id, "level": str(hazard.level),
                       "item_code": hazard.item_code, "due_at": due}
            if outbox.add(session, event_type=event_type, dedup_key=f"{kind}:{hazard.id}:{due}", recipient=recipient,
                          payload=payload, now=now):
                counts[kind] += 1
                if kind == "escalate":
                    late = (today - local_date(hazard.due_at)).days
                    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.escalated",
                                 actor=None, at=now, after={"level": hazard.level, "due_at": hazard.due_at,
                                                            "days_overdue": late, "recipient": sweep.OFFICE},
                                 reason="escalated")
    counts["green_revoked"] = sweep._revoke_green_lists(session, now=now)  # the same step in both
    return counts


def set_based(session: Session, *, now: datetime, policy: sweep.SweepPolicy) -> dict[str, int]:
    report = sweep.sweep_deadlines(session, now=now, policy=policy)
    return {**report.queued, "green_revoked": report.green_revoked}


Sweep = Callable[..., dict[str, int]]


def snapshot(session: Session) -> set[tuple[Any, ...]]:
    rows = session.exec(select(Outbox.dedup_key, Outbox.event_type, Outbox.recipient, Outbox.payload)).all()  # type: ignore[call-overload]
    return {(k, e, r, tuple(sorted(p.items()))) for k, e, r, p in rows}


def undo(session: Session, now: datetime, last_event: int) -> None:
    """Remove what a sweep at ``now`` wrote, so the other approach starts from the same state."""
    session.execute(delete(Outbox).where(col(Outbox.created_at) == now))
    session.execute(delete(Event).where(col(Event.id) > last_event))
    session.execute(update(Enterprise).where(col(Enterprise.updated_at) == now).values(green_listed=True))
    session.commit()


def timed(engine: Any, fn: Sweep, now: datetime) -> tuple[float, dict[str, int]]:
    with Session(engine.execution_options(begin_immediate=True)) as session:
        started = time.perf_counter()
        counts = fn(session, now=now, policy=POLICY)
        session.commit()
        return time.perf_counter() - started, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the cheap scenarios")
    args = parser.parse_args(argv)
    if args.rebuild or not SQLITE_PATH.exists():
        started = time.perf_counter()
        build(SQLITE_PATH)
        print(f"built {SQLITE_PATH} in {time.perf_counter() - started:.0f} s")
    engine = make_engine(f"sqlite:///{SQLITE_PATH}")
    with Session(engine) as session:  # a previous, interrupted run may have left rows behind
        session.execute(delete(Outbox))
        session.execute(delete(Event))
        session.execute(update(Enterprise).where(col(Enterprise.id) % 50 == 0).values(green_listed=True))
        session.commit()
        open_near = session.execute(text("SELECT count(*) FROM hazard WHERE status = 'open'")).scalar()
    print(f"{HAZARDS:,} hazards ({open_near:,} open); SQLite {sqlite3.sqlite_version}, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'scenario':<10} {'approach':<10} {'median s':>9} {'runs':>18}  queued")
    moments = [("backlog", AS_OF, 1), ("hourly", AS_OF + timedelta(hours=1), args.runs),
               ("next day", AS_OF + timedelta(days=1), args.runs)]
    for label, now, runs in moments:
        results: dict[str, tuple[list[float], dict[str, int], set[tuple[Any, ...]]]] = {}
        for name, fn in (("set-based", set_based), ("per-row", per_row)):
            times = []
            for _ in range(runs):
                with Session(engine) as session:
                    last_event = session.execute(text("SELECT coalesce(max(id), 0) FROM event")).scalar() or 0
                seconds, counts = timed(engine, fn, now)
                times.append(seconds)
                with Session(engine) as session:
                    rows = snapshot(session)
                    undo(session, now, last_event)
            results[name] = (times, counts, rows)
            shown = " ".join(f"{k}={v}" for k, v in counts.items() if v)
            print(f"{label:<10} {name:<10} {statistics.median(times):>9.3f} "
                  f"{' / '.join(f'{t:.2f}' for t in times):>18}  {shown or 'nothing new'}")
        assert results["set-based"][2] == results["per-row"][2], "the two sweeps left different outboxes"
        assert results["set-based"][1] == results["per-row"][1]
        ratio = statistics.median(results["per-row"][0]) / statistics.median(results["set-based"][0])
        print(f"{label:<10} per-row / set-based: {ratio:.1f}x")
        with Session(engine) as session:  # keep this moment's notices: the next scenario builds on them
            set_based(session, now=now, policy=POLICY)
            session.commit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
