"""The voided-hazard ids and the overdue list before and after session 9's index-only reads, on PostgreSQL.

Run from the repository root, on data sets built by ``bench_stats --pg-generate`` (smallest first):
    python -m tests.bench.bench_overdue --runs 3 <url of a 1 M set> <url of a 5 M set>
Not collected by pytest. Results go in tests/bench/README.md ("Index-only voided lookup and overdue count").

"Before" is the code as it was: the voided ids from the ``hazard.void`` events (``ix_event_action_entity_id``,
entity checked on the heap), and the overdue count and page as one ``OR`` over the hazards. "After" is the code
as shipped (``ix_hazard_voided``, ``ix_hazard_stats_overdue``). A set needs the indexes of both: its own models'
and, if built before migration 0022, the new ones created as 0022 does. For each call the paths and the sets
alternate run by run, so all see the same load. Then, load-independent, the shared buffers (pages) each overdue
statement touches, from ``EXPLAIN (ANALYZE, BUFFERS)``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, Select, case, func, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

import server.app  # noqa: E402,F401  every model
from hazards.models import Hazard  # noqa: E402
from hazards.stats import closure as stats  # noqa: E402
from hazards.stats import lists, sql  # noqa: E402
from hazards.stats.inputs import Filters  # noqa: E402
from inspection.identity.access import Actor  # noqa: E402
from inspection.models import Enterprise, Event  # noqa: E402
from schemas.enums import HazardLevel  # noqa: E402
from server.db import make_engine  # noqa: E402
from tests.bench import bench_stats as bench  # noqa: E402

H = sql.H


def voided_ids_before() -> Select[Any]:
    E = Event.__table__.c
    return select(E.entity_id).where(E.action == "hazard.void", sql.unindexed(E.entity) == "hazard")


def overdue_statements_before(actor: Actor, at: datetime, filters: Filters | None = None, *, limit: int = 100,
                              offset: int = 0) -> tuple[Select[Any], Select[Any]]:
    filters = filters or Filters()
    where = [lists.overdue_condition(at), stats.scope(actor), *filters.conditions("found"), sql.not_voided()]
    count = select(func.count(), func.count(case((H.level == HazardLevel.MAJOR.value, 1)))).where(*where)
    E = Enterprise.__table__.c
    page = (select(H.id, H.enterprise_id, E.name, H.street, H.department_id, H.kind, H.item_code, H.level,
                   H.status, H.found_at, H.due_at)
            .join_from(Hazard.__table__, Enterprise.__table__, E.id == H.enterprise_id)
            .where(*where).order_by(H.due_at, H.id).limit(limit).offset(offset))
    return count, page


_CACHES: dict[str, dict[Any, Any]] = {}


@contextmanager
def path(name: str) -> Iterator[None]:
    """``before`` or ``after``; each with its own cache of closure statements (``stats.built_once``)."""
    kept = sql.voided_ids, lists.overdue_statements, stats._BUILT
    stats._BUILT = _CACHES.setdefault(name, {})  # type: ignore[misc]
    if name == "before":
        sql.voided_ids = voided_ids_before  # type: ignore[assignment]
        lists.overdue_statements = overdue_statements_before  # type: ignore[assignment]
    try:
        yield
    finally:
        sql.voided_ids, lists.overdue_statements, stats._BUILT = kept  # type: ignore[misc]




def timings(engines: dict[str, Engine], runs: int) -> None:
    print("\n  | call | " + " | ".join(f"{size} before | after" for size in engines) + " | load |")
    print("  |---|" + "---:|---:|" * len(engines) + "---|")
    sessions = {size: Session(engine) for size, engine in engines.items()}
    for label, call in bench.calls():
        if "PDF" in label:  # every JSON call; the report has no target
            continue
        times: dict[tuple[str, str], list[float]] = {}
        for session in sessions.values():
            for name in ("before", "after"):
                with path(name):
                    call(session)  # warm up
        for _ in range(runs):
            for size, session in sessions.items():
                for name in ("before", "after"):
                    with path(name):
                        began = time.perf_counter()
                        call(session)
                        times.setdefault((size, name), []).append((time.perf_counter() - began) * 1000)
        cells = [f"{statistics.median(times[(size, name)]):.0f}" for size in engines for name in ("before", "after")]
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  | {label} | " + " | ".join(cells) + f" | {load} |", flush=True)
    for session in sessions.values():
        session.close()


def buffers(engines: dict[str, Engine]) -> None:
    """Shared buffers hit + read per overdue statement (the top node's), per path: pages touched."""
    print("\n  | statement | " + " | ".join(f"{size} before | after" for size in engines) + " |")
    print("  |---|" + "---:|---:|" * len(engines))
    rows: dict[str, list[str]] = {}
    for engine in engines.values():
        for name in ("before", "after"):
            with path(name):
                statements = dict(zip(("overdue count", "overdue first 100"),
                                      lists.overdue_statements(bench.OFFICE, bench.AS_OF), strict=True))
                statements["voided ids"] = sql.voided_ids()
            with engine.connect() as conn:
                for label, statement in statements.items():
                    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
                    plan = [r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
                    found = re.search(r"Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?", "\n".join(plan))
                    pages = sum(int(g or 0) for g in found.groups()) if found else 0
                    rows.setdefault(label, []).append(f"{pages:,}")
    for label, cells in rows.items():
        print(f"  | {label} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*", help="PostgreSQL data sets built by bench_stats, smallest first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.urls:  # as `make bench` runs it: the data sets take minutes to build, so they are named
        print("skipped: give the URLs of PostgreSQL data sets built by `bench_stats --backend pg --pg-generate "
              "--hazards N` (e.g. 1 M and 5 M), smallest first")
        return
    engines: dict[str, Engine] = {}
    for url in args.urls:
        engine = make_engine(url)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT hazards FROM bench_meta")).scalar()
        engines[f"{size:,}"] = engine
    print(f"load {'/'.join(f'{x:.1f}' for x in os.getloadavg())}, median of {args.runs} wall ms after a warm-up")
    timings(engines, args.runs)
    buffers(engines)
    for engine in engines.values():
        engine.dispose()


if __name__ == "__main__":
    main()
