"""A short morning on a real server: inspectors' flows beside office and enterprise reads, no server errors, and
/healthz answering throughout. The whole mix of tests/bench/bench_mixed.py, for seconds instead of minutes.

It runs once (SQLite, the embedded default); the benchmark itself measures both databases.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEALTH_BOUND_SECONDS = 5.0  # generous: the point is that it answers, not how fast on a loaded machine


@pytest.mark.skipif("postgresql" in os.environ.get("XUNCHA_TEST_DATABASE_URL", ""),
                    reason="runs once, on SQLite: the load test is not repeated on PostgreSQL")
def test_a_short_mixed_load_gets_no_server_error_and_health_answers_throughout(tmp_path):
    out = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    command = [sys.executable, "-m", "tests.bench.bench_mixed", "--configs", "sqlite:1", "--clients", "12",
               "--seconds", "4", "--no-ceiling", "--json", str(out)]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    figures = json.loads(out.read_text())["sqlite:1"]["12"]
    server_errors = {name: codes for name, codes in figures["statuses"].items()
                     if any(int(code) >= 500 or int(code) < 0 for code in codes)}
    assert server_errors == {}, run.stdout
    assert figures["timeouts"] == 0
    assert figures["writes"] > 0  # the inspectors' flows ran
    assert figures["health_probes"] >= 8  # during the load and the 5 s after it
    assert figures["health_during"] < HEALTH_BOUND_SECONDS and figures["health_after"] < HEALTH_BOUND_SECONDS
