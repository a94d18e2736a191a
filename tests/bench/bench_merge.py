"""综合查一次 merge benchmark: 100,000 planned tasks over 20,000 enterprises, target under 2 s.

Run from the repository root:  python tests/bench/bench_merge.py [--runs 5] [--tasks 100000] [--enterprises 20000]
(or python -m tests.bench.bench_merge). Not collected by pytest. Results go in tests/bench/README.md by hand.

The input is made once, in memory, with a fixed seed: six departments, a quarter of the enterprises in 2,000
plant sites (厂中厂), windows of 0-30 days starting over the next 60 days, 60% routine tasks under a quarterly
visit budget, 70% announced (3 days' notice), 5,000 planned visits to join, and the real PRC holiday calendar.
Each run is timed in wall-clock and CPU time (the dev VM is shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from hazards.loop.deadlines import is_working_day  # noqa: E402
from inspection.planning import merge  # noqa: E402

TODAY = date(2026, 3, 2)
TARGET_SECONDS = 2.0
KINDS = ("DUST", "FCZ", "GAS")


def make_input(tasks: int, enterprises: int, seed: int = 2026):
    rnd = random.Random(seed)
    site_of: dict[int, int] = {}
    for enterprise_id in range(1, enterprises // 4 + 1):  # a quarter of them in 2,000 sites
        site_of[enterprise_id] = 1 + (enterprise_id - 1) % 2000
    planned = []
    for task_id in range(1, tasks + 1):
        enterprise_id = rnd.randint(1, enterprises)
        start = TODAY + timedelta(days=rnd.randint(0, 60))
        planned.append(merge.Task(
            task_id, rnd.randint(1, 6), enterprise_id, start, start + timedelta(days=rnd.randint(0, 30)),
            tuple(sorted(rnd.sample(KINDS, rnd.randint(1, 2)))), site_of.get(enterprise_id),
            routine=rnd.random() < 0.6, notice=rnd.random() < 0.7))
    existing = [merge.ExistingVisit(900_000 + n, e, TODAY + timedelta(days=rnd.randint(1, 40)), site_of.get(e),
                                    (rnd.randint(1, 6),))
                for n, e in enumerate(rnd.sample(range(1, enterprises + 1), 5000))]
    budget = merge.Budget(cap={e: 1 if e % 10 == 0 else 3 for e in range(1, enterprises + 1)},
                          used={(e, "2026Q1"): rnd.randint(0, 2) for e in range(1, enterprises + 1, 7)})
    return planned, existing, budget


def run_once(planned, existing, budget) -> tuple[float, float, merge.MergePlan]:
    wall, cpu = time.perf_counter(), time.process_time()
    plan = merge.merge(planned, today=TODAY, is_working_day=is_working_day, priority={d: 10 * d for d in range(1, 7)},
                       notice_days=3, existing=existing, budget=budget)
    return time.perf_counter() - wall, time.process_time() - cpu, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    args = parser.parse_args(argv)
    planned, existing, budget = make_input(args.tasks, args.enterprises)
    print(f"{len(planned):,} tasks, {args.enterprises:,} enterprises, {len(existing):,} planned visits; "
          f"load average {os.getloadavg()[0]:.1f}")
    run_once(planned, existing, budget)  # warm-up (the holiday calendar's first look-ups)
    walls, cpus = [], []
    plan = None
    for _ in range(args.runs):
        wall, cpu, plan = run_once(planned, existing, budget)
        walls.append(wall)
        cpus.append(cpu)
    assert plan is not None
    assert plan.scheduled_tasks + len(plan.unscheduled) == len(planned)
    reasons: dict[str, int] = {}
    for item in plan.unscheduled:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    joint = sum(1 for trip in plan.trips if len(trip.department_ids) > 1)
    print(f"trips {len(plan.trips):,} (joint {joint:,}), new visits {plan.new_visits:,}, "
          f"scheduled tasks {plan.scheduled_tasks:,}, visits saved {plan.scheduled_tasks - len(plan.trips):,}, "
          f"unscheduled {reasons}")
    print(f"wall s: median {statistics.median(walls):.2f}  min {min(walls):.2f}  max {max(walls):.2f}")
    print(f"cpu  s: median {statistics.median(cpus):.2f}  min {min(cpus):.2f}  max {max(cpus):.2f}")
    verdict = "OK" if min(walls) < TARGET_SECONDS else "OVER"
    print(f"target < {TARGET_SECONDS:.0f} s (best wall): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
