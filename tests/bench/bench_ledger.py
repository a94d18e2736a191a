"""Ledger benchmark: the hazard ledger (隐患台账) and the overdue list exported as CSV and XLSX, streamed, at 100 k and
1 M hazards on SQLite and PostgreSQL: time, time to the first bytes, and peak memory growth.

Run from the repository root:
    python -m tests.bench.bench_ledger                                  # SQLite, 100 k hazards
    python -m tests.bench.bench_ledger --backend both --hazards 100000,1000000
Not collected by pytest. Results go in tests/bench/README.md ("Ledgers, streamed") by hand.

The data set is bench_stats's (20,000 enterprises, five years of hazards with their audit trail), built once per
size in its own SQLite file / PostgreSQL database and reused. Each export runs in a fresh process (so one
export's memory does not hide another's): the same generators the routes stream
(``hazards.stats.ledger``), drained as a client would. "Peak growth" is the process's peak RSS during the export
minus its RSS just before it (imports and engine ready), from ``VmHWM``. The load average is
printed beside every figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

SQLITE_DIR = Path(os.environ.get("XUNCHA_BENCH_SQLITE_DIR", "/tmp"))
PG_BASE = os.environ.get("XUNCHA_BENCH_PG_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_PREFIX = os.environ.get("XUNCHA_BENCH_PG_PREFIX", "scale_ledger")  # databases <prefix>_<size>: one per size
TARGET_GROWTH_MB = 100
TARGET_FIRST_BYTES_S = 1.0
EXPORTS = ["ledger-csv", "ledger-xlsx", "overdue-csv", "overdue-xlsx"]
BASELINES = ["ledger-openpyxl", "overdue-openpyxl"]  # the XLSX as openpyxl's write-only mode made it before


def url_for(backend: str, n: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_DIR}/xuncha-bench-ledger-{n}.db"
    return f"{PG_BASE}/{PG_PREFIX}_{n}"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``getrusage``'s ru_maxrss: Linux carries that across ``exec`` from
    the parent, so a child of the process that built the data set would report the builder's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def prepare(backend: str, n: int, rebuild: bool) -> None:
    from server.db import make_engine
    from tests.bench import bench_stats

    url = url_for(backend, n)
    if backend == "pg":
        import psycopg

        with psycopg.connect(PG_BASE.replace("postgresql+psycopg", "postgresql") + "/postgres",
                             autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (f"{PG_PREFIX}_{n}",)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{PG_PREFIX}_{n}"')
    engine = make_engine(url)
    if rebuild or not bench_stats.built(engine, n):
        if backend == "sqlite":
            engine.dispose()
            path = url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            engine = make_engine(url)
        print(f"  building {n:,} hazards ({backend}, load {load()}) ...", flush=True)
        bench_stats.build(engine, n)
    engine.dispose()


def openpyxl_chunks(headers: list[str], batches: Iterable[list[list[Any]]]) -> Iterator[bytes]:
    """How the XLSX was made before it streamed (the baseline): rows appended to an openpyxl write-only sheet,
    which keeps them in a temporary file; the package zipped at ``save``; then the file sent."""
    from openpyxl import Workbook

    from hazards.stats.export import safe_cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.freeze_panes = "A2"
    sheet.append([safe_cell(header) for header in headers])
    for rows in batches:
        for row in rows:
            sheet.append(row)
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        yield from iter(lambda: out.read(256 * 1024), b"")


def measure(url: str, export: str) -> dict[str, float]:
    """In this (fresh) process: one export drained to a temporary file; figures as a JSON line."""
    from sqlmodel import Session

    from hazards.stats import inputs, ledger
    from inspection.identity.access import Actor
    from schemas.enums import Role
    from server.db import make_engine
    from tests.bench.bench_stats import AS_OF, END, START

    engine = make_engine(url)
    office = Actor(user_id=0, username="bench", full_name="bench", role=Role.OFFICE)
    period = inputs.Period(START, date.fromordinal(END.toordinal() - 1))
    what, fmt = export.split("-")
    overdue_at = AS_OF if what == "overdue" else None
    statement = (ledger.overdue_statement(office, AS_OF) if overdue_at else ledger.ledger_statement(office, period))
    with Session(engine) as session, tempfile.TemporaryFile() as sink:
        session.execute(text("SELECT 1"))  # connected, as a request's session is
        before = rss_mb()
        began = time.perf_counter()
        batches = ledger.row_batches(session, statement, overdue_at=overdue_at)
        first_bytes = first_rows = None
        rows = size = 0

        def counted():  # noqa: ANN202
            nonlocal rows, first_rows
            for batch in batches:
                if first_rows is None:
                    first_rows = time.perf_counter() - began
                rows += len(batch)
                yield batch

        if fmt == "csv":
            for chunk in ledger.csv_chunks(ledger.headers(overdue_at is not None), counted()):
                if first_bytes is None:
                    first_bytes = time.perf_counter() - began
                size += len(chunk)
                sink.write(chunk)
        elif fmt == "openpyxl":  # the baseline: openpyxl's write-only workbook (a temporary file), then sent
            for chunk in openpyxl_chunks(ledger.headers(overdue_at is not None), counted()):
                if first_bytes is None:
                    first_bytes = time.perf_counter() - began
                size += len(chunk)
                sink.write(chunk)
        else:
            for chunk in ledger.xlsx_chunks("台账", ledger.headers(overdue_at is not None), counted()):
                if first_bytes is None:
                    first_bytes = time.perf_counter() - began
                size += len(chunk)
                sink.write(chunk)
        elapsed = time.perf_counter() - began
    peak = peak_rss_mb()
    return {"rows": rows, "bytes": size, "seconds": elapsed, "first_bytes": first_bytes or 0.0,
            "first_rows": first_rows or 0.0, "rss_before_mb": before, "peak_growth_mb": peak - before}


def drop_os_cache(url: str) -> None:
    """Evict the OS page cache of this PostgreSQL database's files only (``posix_fadvise(DONTNEED)`` on
    ``base/<oid>/*``; needs read access to the data directory, i.e. a local server run as the same user or root).
    PostgreSQL's shared buffers are left as they are: nothing is restarted."""
    import glob

    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        oid, data = conn.execute("SELECT oid, current_setting('data_directory') FROM pg_database "
                                 "WHERE datname = current_database()").fetchone()
    for path in glob.glob(f"{data}/base/{oid}/*"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def first_rows(url: str, voided_from_events: bool) -> dict[str, Any]:
    """In this (fresh) process: the ledger CSV's header and first batch only, as ``measure`` times them.
    ``voided_from_events``: the statement as before session 9, the voided ids gathered from the events."""
    from sqlmodel import Session

    from hazards.stats import inputs, ledger
    from hazards.stats import sql as stats_sql
    from inspection.identity.access import Actor
    from schemas.enums import Role
    from server.db import make_engine
    from tests.bench.bench_stats import END, START

    if voided_from_events:
        ledger.not_voided_row = stats_sql.not_voided  # type: ignore[assignment]
    office = Actor(user_id=0, username="bench", full_name="bench", role=Role.OFFICE)
    period = inputs.Period(START, date.fromordinal(END.toordinal() - 1))
    with Session(make_engine(url)) as session:
        session.execute(text("SELECT 1"))  # connected, as a request's session is
        began = time.perf_counter()
        batches = ledger.row_batches(session, ledger.ledger_statement(office, period))
        chunks = ledger.csv_chunks(ledger.headers(), batches)
        next(chunks)
        header = time.perf_counter() - began
        next(chunks)
        first = time.perf_counter() - began
        batches.close()
    return {"header": header, "first_rows": first}


def compare_first_rows(url: str, runs: int, cold: bool) -> None:
    """The ledger CSV's first rows with the voided ids from the events (before) and from the row's flag (now),
    alternated, each in a fresh process; ``cold``: the database's OS page cache dropped before each run."""
    for i in range(runs):
        for name, flag in (("voided ids from the events", "--voided-from-events"), ("the row's flag", "")):
            if cold:
                drop_os_cache(url)
            started = load()
            done = subprocess.run([sys.executable, __file__, "--first-rows-of", url, *([flag] if flag else [])],
                                  capture_output=True, text=True, cwd=ROOT, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"  run {i + 1} {'cold' if cold else 'warm'} {name:27s} header {r['header']:.3f} s, first rows "
                  f"{r['first_rows']:.3f} s  load {started} -> {load()}", flush=True)


def run(backend: str, n: int, exports: list[str] = EXPORTS) -> None:
    url = url_for(backend, n)
    for export in exports:
        started_load = load()
        done = subprocess.run([sys.executable, __file__, "--measure", export, "--url", url], capture_output=True,
                              text=True, cwd=ROOT)
        if done.returncode != 0:
            print(f"  {export}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        ok = "ok" if r["peak_growth_mb"] < TARGET_GROWTH_MB else "OVER"
        print(f"  {backend:6} {n:>9,} {export:13} {r['rows']:>9,} rows {r['bytes'] / 2**20:7.1f} MB "
              f"{r['seconds']:7.1f} s ({r['rows'] / max(r['seconds'], 1e-9):8,.0f} rows/s)  first bytes "
              f"{r['first_bytes']:.3f} s, first rows {r['first_rows']:.2f} s  peak growth "
              f"{r['peak_growth_mb']:5.1f} MB ({ok})  load {started_load} -> {load()}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="sqlite")
    parser.add_argument("--hazards", default="100000", help="comma-separated sizes")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--exports", default=",".join(EXPORTS),
                        help=f"comma-separated, of {','.join(EXPORTS + BASELINES)}")
    parser.add_argument("--first-rows", metavar="URL",
                        help="only the ledger CSV's first rows on this database (a built data set), before and "
                             "after session 9's change, alternated; with --cold, the database's OS cache dropped")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--first-rows-of", help=argparse.SUPPRESS)
    parser.add_argument("--voided-from-events", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.url, args.measure)))
        return
    if args.first_rows_of:
        print(json.dumps(first_rows(args.first_rows_of, args.voided_from_events)))
        return
    if args.first_rows:
        compare_first_rows(args.first_rows, args.runs, args.cold)
        return
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} cpu(s); targets: peak "
          f"growth < {TARGET_GROWTH_MB} MB, CSV first bytes < {TARGET_FIRST_BYTES_S:.0f} s")
    backends = ["sqlite", "pg"] if args.backend == "both" else [args.backend]
    for n in (int(x) for x in args.hazards.split(",")):
        for backend in backends:
            prepare(backend, n, args.rebuild)
            run(backend, n, args.exports.split(","))


if __name__ == "__main__":
    main()
