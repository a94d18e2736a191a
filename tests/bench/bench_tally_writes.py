"""What the month tallies cost a hazard write: inserting hazards and closing one, with every tally
(``hazards.models.TALLIES``), with the street tally only (before the item and industry tallies) and with none,
alternated round by round in one process so each sees the same load.

Run from the repository root:
    python -m tests.bench.bench_tally_writes                  # SQLite file under /tmp, recreated
    python -m tests.bench.bench_tally_writes --backend pg     # PostgreSQL database XUNCHA_BENCH_TALLY_PG (emptied)
Not collected by pytest. Results go in tests/bench/README.md ("Statistics") by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import hazards.models  # noqa: E402
from hazards.models import TALLIES, Hazard  # noqa: E402
from schemas.enums import HazardLevel, HazardStatus  # noqa: E402
from server.db import make_engine  # noqa: E402

PG_URL = os.environ.get("XUNCHA_BENCH_TALLY_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/tally_writes")
SETS = {"every tally": TALLIES, "street tally only": TALLIES[:1], "no tally": ()}
FOUND = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)


def seed(engine) -> None:  # noqa: ANN001
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO department (id, code, name, district_short, working_days, priority) "
                          "VALUES (1, 'A', '应急管理局', '新北', false, 100)"))
        conn.execute(text("INSERT INTO enterprise (id, name, credit_code, address, street, industry, risk_class, "
                          "green_listed, dust_involved, gas_user, gas_role, contact_name, contact_phone, "
                          "fatal_accident_3y, serious_dishonest, created_at, updated_at) VALUES (1, '基准企业', "
                          "'91320411000000001X', '新北', '三井街道', 'machinery', 'B', false, false, false, 'user', "
                          "'', '', false, false, :now, :now)"), {"now": FOUND})


def hazard(i: int) -> Hazard:
    return Hazard(enterprise_id=1, department_id=1, kind="DUST", item_code=f"DUST-{i % 30 + 1:02d}",
                  level=HazardLevel.GENERAL, due_at=FOUND + timedelta(days=7), found_at=FOUND + timedelta(minutes=i),
                  street="三井街道", industry="machinery", risk_class="B")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=10, help="hazards inserted per transaction")
    parser.add_argument("--closes", type=int, default=30, help="hazards closed (one per transaction) per round")
    args = parser.parse_args(argv)
    url = f"sqlite:///{tempfile.gettempdir()}/xuncha-bench-tally-writes.db" if args.backend == "sqlite" else PG_URL
    engine = make_engine(url)
    seed(engine)
    insert_ms: dict[str, list[float]] = {name: [] for name in SETS}
    close_ms: dict[str, list[float]] = {name: [] for name in SETS}
    n = 0

    def timed(body: Callable[[Session], None]) -> float:
        with Session(engine) as session:
            began = time.perf_counter()
            body(session)
            session.commit()
            return (time.perf_counter() - began) * 1000

    for _ in range(args.rounds):
        for name, tallies in SETS.items():
            hazards.models.TALLIES = tallies  # type: ignore[misc]  # what the listeners append to
            try:
                ids = []
                for _ in range(max(1, args.closes // args.batch)):
                    batch = [hazard(n + k) for k in range(args.batch)]
                    n += args.batch

                    def insert(session: Session, batch: list[Hazard] = batch, ids: list[int] = ids) -> None:
                        session.add_all(batch)
                        session.flush()
                        ids.extend(h.id for h in batch)

                    insert_ms[name].append(timed(insert))
                for hazard_id in ids[:args.closes]:
                    def close(session: Session, hazard_id: int = hazard_id) -> None:
                        h = session.get(Hazard, hazard_id)
                        assert h is not None
                        h.status, h.closed_at = HazardStatus.CLOSED, h.found_at + timedelta(days=2)
                        session.add(h)

                    close_ms[name].append(timed(close))
            finally:
                hazards.models.TALLIES = TALLIES  # type: ignore[misc]
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    base_insert, base_close = statistics.median(insert_ms["no tally"]), statistics.median(close_ms["no tally"])
    print(f"{engine.dialect.name}, {args.rounds} rounds, load {load}; medians, ms (× no tally)")
    print(f"| tallies appended to | insert {args.batch} hazards, one transaction | close one hazard |")
    print("|---|---:|---:|")
    for name in SETS:
        ins, close = statistics.median(insert_ms[name]), statistics.median(close_ms[name])
        print(f"| {name} | {ins:.2f} ({ins / base_insert:.2f}×) | {close:.2f} ({close / base_close:.2f}×) |")
    engine.dispose()


if __name__ == "__main__":
    main()
