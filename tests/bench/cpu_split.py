"""Where a load's CPU went, from ``/proc``: the API's workers, its photo processes, PostgreSQL's processes (on this
machine; 0 for a database elsewhere) and the load generator, so a mixed benchmark can say what one request cost on
each side and not only how many were answered (a closed loop answers fewer reads when its photo processes get more
of the CPU).

Linux only; elsewhere every figure is 0. CPU of a process that ended between two readings is lost (none does
during a load).
"""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
GROUPS = ("api", "photos", "postgres", "load")


def _processes() -> dict[int, tuple[int, int, float, str]]:
    """pid -> (parent pid, nice, CPU seconds so far, the command line's start)."""
    out = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()[:64].replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (int(fields[1]), int(fields[16]), (int(fields[11]) + int(fields[12])) / TICK, command)
    return out


def reading(server_pid: int) -> dict[str, float]:
    """CPU seconds so far per group: the server's process tree at nice 0 (its workers), the tree's processes at a
    lower priority (the photo processes, nice 10), PostgreSQL's processes, and this process."""
    processes = _processes()
    tree, frontier = {server_pid}, [server_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, *_) in processes.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    out = dict.fromkeys(GROUPS, 0.0)
    for pid, (_, nice, cpu, command) in processes.items():
        if pid in tree:
            out["photos" if nice > 0 else "api"] += cpu
        elif command.startswith("postgres"):
            out["postgres"] += cpu
        elif pid == os.getpid():
            out["load"] += cpu
    return out


def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {group: after[group] - before[group] for group in GROUPS}
