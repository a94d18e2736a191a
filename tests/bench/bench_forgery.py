"""Forged-rectification benchmark: how often the perceptual-hash check catches a before-photo sent again as
evidence, how often it cries wolf on different photos of the same kind of place, and what the banded index buys
over a full scan at a million stored hashes.

Run from the repository root:  python tests/bench/bench_forgery.py [--originals 200] [--distinct 1000]
[--stored 1000000] (or python -m tests.bench.bench_forgery). Results go in tests/bench/README.md by hand.

Images: ``tests/scenes.extinguisher_wall`` (1024×768, "a factory wall with a fire extinguisher": every photo
the same kind of place, each its own wall colour, light, camera position, clutter, sensor grain), JPEG q90,
hashed by the upload path's own ``pipeline.make_variants``. Copies: re-encoded at q60, resized to half (q80),
10% and 5% of each side cropped (split at random between the sides, q85).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from inspection.models import PhotoHash  # noqa: E402
from inspection.photos import likeness, pipeline, stamp  # noqa: E402
from tests import scenes  # noqa: E402

STAMP = stamp.Stamp(captured_at=datetime(2026, 11, 25, 6, 3, tzinfo=UTC), enterprise="常州市安达精细化工有限公司",
                    inspector="王建国", lat=31.81, lng=119.97, verify_code="7K3QX9PA")
TARGET_DETECTION = 0.95
TARGET_FALSE_ALARMS = 0.01
LOOKUP_SQL = ("SELECT photo_id, window, value FROM photo_hash "
              "WHERE band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?")
NO_INDEX_SQL = ("SELECT photo_id, window, value FROM photo_hash "  # unary + keeps SQLite off the indexes
                "WHERE +band0 = ? OR +band1 = ? OR +band2 = ? OR +band3 = ?")


def hashes(image) -> list[int]:
    return list(pipeline.make_variants(scenes.jpeg(image), stamp=STAMP).hashes)


def best(new: int, stored: list[int]) -> int:
    return min(likeness.distance(new, value) for value in stored)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def detection(originals: int) -> tuple[dict[int, list[int]], dict[str, list[int]], Counter[str]]:
    """Each original's 19 hashes; each kind of copy's distance to its original (the closest of the 19); how many
    same-picture copies share a 16-bit band with the stored hash they match (what the index finds)."""
    stored: dict[int, list[int]] = {}
    copies: dict[str, list[int]] = {"re-encoded q60": [], "resized 50%": [], "cropped 10%": [], "cropped 5%": []}
    found: Counter[str] = Counter()
    for seed in range(originals):
        image = scenes.extinguisher_wall(seed)
        stored[seed] = hashes(image)
        rng = random.Random(seed)
        made = {"re-encoded q60": scenes.reencoded(image, 60), "resized 50%": scenes.resized(image, 0.5),
                "cropped 10%": scenes.cropped(image, 0.10, rng), "cropped 5%": scenes.cropped(image, 0.05, rng)}
        for kind, copy in made.items():
            new = hashes(copy)[0]
            copies[kind].append(best(new, stored[seed]))
            found[kind] += any(shares_band(new, v) for v in stored[seed]
                               if likeness.distance(new, v) <= likeness.SAME_PICTURE_BITS)
    return stored, copies, found


def false_alarms(distinct: int, start: int) -> tuple[list[list[int]], list[int], list[int]]:
    """``distinct`` different photos; for each, the distance from its hash to the closest hash of any other
    photo (as if every other were this hazard's before-photo), and to the closest the index would return
    (hashes sharing a band with it)."""
    stored = [hashes(scenes.extinguisher_wall(start + n)) for n in range(distinct)]
    closest, indexed = [], []
    for i, mine in enumerate(stored):
        others = [v for j, other in enumerate(stored) if j != i for v in other]
        closest.append(best(mine[0], others))
        reachable = [v for v in others if shares_band(mine[0], v)]
        indexed.append(best(mine[0], reachable) if reachable else 64)
    return stored, closest, indexed


def shares_band(a: int, b: int) -> bool:
    return any(x == y for x, y in zip(likeness.bands(a), likeness.bands(b), strict=True))


def build_table(path: Path, count: int, band_pool: list[Counter[int]] | None, rng: random.Random,
                planted: list[list[int]]) -> None:
    """``count`` rows in the real ``photo_hash`` table (its indexes included): the planted photos' real hashes,
    and filler whose bands are drawn from ``band_pool`` (the real hashes' band values, so bands collide as
    often as a same-kind collection's do) or uniformly."""
    engine = create_engine(f"sqlite:///{path}")
    PhotoHash.__table__.create(engine)  # type: ignore[attr-defined]
    engine.dispose()
    pools = [list(c.elements()) for c in band_pool] if band_pool else None
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        rows = []
        photo = 0
        for photo, values in enumerate(planted, start=1):
            for window, value in enumerate(values):
                rows.append((photo, window, likeness.to_signed(value), *likeness.bands(value)))
        while len(rows) < count:
            photo += 1
            for window in range(likeness.WINDOWS):
                parts = [rng.choice(pool) for pool in pools] if pools else [rng.getrandbits(16) for _ in range(4)]
                value = (parts[0] << 48) | (parts[1] << 32) | (parts[2] << 16) | parts[3]
                rows.append((photo, window, likeness.to_signed(value), *parts))
            if len(rows) >= 200_000:
                db.executemany("INSERT INTO photo_hash (photo_id, window, value, band0, band1, band2, band3) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                count -= len(rows)
                rows = []
        db.executemany("INSERT INTO photo_hash (photo_id, window, value, band0, band1, band2, band3) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("ANALYZE")


def time_lookups(path: Path, queries: list[int], sql: str) -> tuple[float, float, int]:
    """Median ms a lookup (the query and the exact distances of what it returns), mean rows read, hits."""
    times, rows_read, hits = [], [], 0
    with sqlite3.connect(path) as db:
        db.execute(sql, (0, 0, 0, 0)).fetchall()  # warm the page cache alike for both
        for new in queries:
            started = time.perf_counter()
            rows = db.execute(sql, likeness.bands(new)).fetchall()
            found = likeness.closest(new, rows)
            times.append((time.perf_counter() - started) * 1000)
            rows_read.append(len(rows))
            hits += any(m.same_picture for m in found.values())
    return statistics.median(times), statistics.fmean(rows_read), hits


def full_scan(path: Path, queries: list[int]) -> float:
    """Median ms to read every stored hash and measure it (what a lookup costs with no band index)."""
    times = []
    with sqlite3.connect(path) as db:
        for new in queries:
            started = time.perf_counter()
            likeness.closest(new, db.execute("SELECT photo_id, window, value FROM photo_hash"))
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def rate(values: list[int], limit: int) -> float:
    return sum(v <= limit for v in values) / len(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=1000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=50)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, {platform.machine()}, SQLite {sqlite3.sqlite_version}; {load()}")
    same, near = likeness.SAME_PICTURE_BITS, likeness.NEAR_MATCH_BITS
    print(f"{likeness.WINDOWS} pHashes a photo; same picture ≤ {same} bits (refused), near match ≤ {near} (flagged)")

    started = time.perf_counter()
    originals, copies, found = detection(args.originals)
    print(f"\n## Detection: {args.originals} originals, each copied four ways ({time.perf_counter() - started:.0f} s)")
    print(f"| copy | refused (≤ {same}) | refused or flagged (≤ {near}) | median bits | refused copies the index "
          "finds | target |")
    print("|---|---:|---:|---:|---:|---|")
    for kind, distances in copies.items():
        target = f"≥ {TARGET_DETECTION:.0%}" if kind in ("re-encoded q60", "resized 50%") else "reported"
        refused = sum(d <= same for d in distances)
        print(f"| {kind} | {rate(distances, same):.1%} | {rate(distances, near):.1%} | "
              f"{statistics.median(distances):.0f} | {found[kind]}/{refused} | {target} |")

    started = time.perf_counter()
    distinct, closest, indexed = false_alarms(args.distinct, start=100_000)
    print(f"\n## False alarms: {args.distinct} different photos of the same kind, each against all the others "
          f"({time.perf_counter() - started:.0f} s)")
    print("| threshold (bits) | alarms against every other photo | alarms among what the index returns |")
    print("|---|---:|---:|")
    for limit in range(2, near + 3, 2):
        print(f"| ≤ {limit} | {rate(closest, limit):.2%} | {rate(indexed, limit):.2%} |")
    print(f"closest pair {min(closest)} bits; 1st percentile of each photo's closest "
          f"{sorted(closest)[len(closest) // 100]} bits; target ≤ {TARGET_FALSE_ALARMS:.0%} refused")

    queries_rng = random.Random(1)
    planted = list(originals.values())[: args.lookups]
    queries = [hashes(scenes.resized(scenes.extinguisher_wall(seed), 0.5))[0] for seed in range(args.lookups)]
    band_pool = [Counter(likeness.bands(v)[b] for values in distinct for v in values) for b in range(4)]
    print(f"\n## Lookup at {args.stored:,} stored hashes (SQLite file, the photo_hash table with its indexes), "
          f"{args.lookups} lookups of resized copies; {load()}")
    print("| band values of the filler | with index: median ms | rows read | same picture found | "
          "no index (+band): median ms | full scan + distances: median ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, pool in (("drawn from real hashes' bands", band_pool), ("uniform", None)):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hashes.db"
            started = time.perf_counter()
            build_table(path, args.stored, pool, queries_rng, planted)
            built = time.perf_counter() - started
            ms, read, hits = time_lookups(path, queries, LOOKUP_SQL)
            plain_ms, _, _ = time_lookups(path, queries[:5], NO_INDEX_SQL)
            scan_ms = full_scan(path, queries[:5])
            print(f"| {name} (built in {built:.0f} s) | {ms:.2f} | {read:.0f} | {hits}/{len(queries)} | "
                  f"{plain_ms:.0f} | {scan_ms:.0f} |")
    print(f"\n{load()}")


if __name__ == "__main__":
    main()
