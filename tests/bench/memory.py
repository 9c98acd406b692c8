"""Resident memory (RSS) of the stack's services, read from /proc (Linux).

A service run as several workers is one supervisor and its children: its figure is the
sum over all of them, since together they are what the service costs the machine."""

from __future__ import annotations

import os
from pathlib import Path

from services.cli.stack import Stack


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


def tree_rss_mib(pid: int) -> float:
    """RSS of ``pid`` and every process below it, in MiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss_kib(current)
        todo += _children(current)
    return total / 1024


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0


def tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and every process below it still running."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _cpu_ticks(current)
        todo += _children(current)
    return total / os.sysconf("SC_CLK_TCK")


def stack_cpu_s(stack: Stack) -> dict[str, float]:
    return {name: tree_cpu_s(p.pid) for name, p in stack.processes.items()}


def stack_rss_mib(stack: Stack) -> dict[str, float]:
    """Each running service's RSS in MiB (0 where /proc cannot tell)."""
    return {name: tree_rss_mib(p.pid) for name, p in stack.processes.items()}


def render_rss(rss: dict[str, float]) -> str:
    return "  ".join(f"{name} {mib:.0f}" for name, mib in rss.items())
