"""Several API nodes on one machine, as README "Beyond one machine" runs them: ``xuncha serve`` processes and one
``xuncha scheduler`` sharing one PostgreSQL database and one S3 bucket (SeaweedFS, ``tests/seaweed.py``).

Used by the two-node test (tests/server/test_two_nodes.py) and the two-node benchmark (tests/bench/bench_nodes.py)
alike, so both start the layout the same way.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.seaweed import credentials_env

ROOT = Path(__file__).resolve().parents[1]
XUNCHA = str(Path(sys.executable).parent / "xuncha")


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    killed_at: float | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def database(server_url: str, prefix: str) -> str:
    """A new, empty database ``<prefix>_<pid>`` on the PostgreSQL server of ``server_url``; its URL."""
    base = make_url(server_url)
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
    admin.dispose()


def node_env(url: str, media_url: str, tmp: Path, name: str, secret_key: str) -> dict[str, str]:
    """The environment of every process of this layout (README "Beyond one machine")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(credentials_env())
    env.update({
        "XUNCHA_ENV": "production",
        "XUNCHA_SECRET_KEY": secret_key,  # every node the same
        "XUNCHA_DATABASE_URL": url,
        "XUNCHA_MEDIA_URL": media_url,
        "XUNCHA_MEDIA_DIR": str(tmp / name),  # this node's upload spools and cache
        "XUNCHA_AUDIT_ANCHOR_FILE": str(tmp / "audit-anchors.jsonl"),
        "XUNCHA_SCHEDULER_ENABLED": "false",  # the scheduler runs as its own process
        "XUNCHA_PHOTO_PROCESSES": "0",
    })
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([XUNCHA, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)


def start_node(name: str, port: int, env: dict[str, str], tmp: Path) -> Node:
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen([XUNCHA, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Node(name, port, process)


def start_scheduler(env: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    log = open(tmp / "scheduler.log", "wb")  # noqa: SIM115 - kept open for the process's life
    return subprocess.Popen([XUNCHA, "scheduler"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_healthy(node: Node, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise RuntimeError(f"{node.name} exited with {node.process.returncode}")
        try:
            if httpx.get(f"{node.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{node.name} did not answer /healthz within {seconds:.0f} s")


def kill_9(node: Node, started: float) -> None:
    """``kill -9`` the node; ``killed_at`` is seconds since ``started`` (a ``perf_counter`` reading)."""
    os.kill(node.process.pid, signal.SIGKILL)
    node.killed_at = time.perf_counter() - started


def stop(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each process group still up, SIGKILL to any still up 15 s later."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
