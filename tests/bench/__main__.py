"""`make bench`: run every benchmark in this folder, one after another, each printing its own figures.

Benchmarks compare against a baseline measured in the same process (never absolute timings in unit
tests). Run one alone with `python -m tests.bench.<name>` or `python tests/bench/<name>.py`.
"""

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(p for p in HERE.glob("bench_*.py") if not wanted or p.stem in wanted or p.stem[6:] in wanted)
    for script in scripts:
        print(f"\n===== {script.stem} =====", flush=True)
        started = time.perf_counter()
        saved = sys.argv
        sys.argv = [str(script)]
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                print(f"{script.stem} exited with {exit_.code}")
        finally:
            sys.argv = saved
        print(f"===== {script.stem}: {time.perf_counter() - started:.1f} s =====", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
