"""The figures, as a table for people and as JSON for comparing runs."""

from __future__ import annotations

import os
import platform
from typing import Any

from tests.bench.load import LoadResult
from tests.bench.memory import render_rss
from tests.bench.rules import RulesResult
from tests.bench.stack_runs import EngineRun

WIDTH = 40


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def load_row(label: str, result: LoadResult, ceiling: LoadResult | None) -> str:
    ratio = (
        f"{result.per_second / ceiling.per_second:>7.3f}"
        if ceiling is not None and ceiling.per_second > 0
        else f"{'-':>7}"
    )
    return (
        f"{label:<{WIDTH}} {result.completed:>9} {result.per_second:>9.1f}"
        f" {_ms(result.percentile_ms(50)):>8} {_ms(result.percentile_ms(99)):>8}"
        f" {result.error_count:>7} {ratio}"
    )


def render(
    settings: dict[str, Any],
    ceiling: LoadResult | None,
    runs: list[EngineRun],
    rules: list[RulesResult],
    floor: LoadResult | None = None,
) -> str:
    lines = [
        "",
        f"bench: {settings['clients']} clients, {settings['duration_s']:g} s per part"
        f" after {settings['warmup_s']:g} s warm-up, loopback,"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"applications: {settings['population']} synthetic households; new = people never"
        " seen (SSA, Treasury, HHS, USDA asked), returning = the same households again"
        " (identity and income reused)",
        f"{'':<{WIDTH}} {'completed':>9} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7} {'ratio':>7}",
    ]
    if ceiling is not None:
        lines.append(load_row(f"ceiling: echo fan-out to {settings['fan_out']}", ceiling, None))
    if floor is not None:
        lines.append(load_row("floor: the path's calls, bare", floor, ceiling))
    for run in runs:
        if run.failure:
            word = "" if run.failure.startswith("n/a") else "FAILED: "
            lines.append(f"{run.engine + ':':<{WIDTH}} {word}{run.failure.splitlines()[0]}")
            continue
        for label, result in run.rows:
            lines.append(load_row(label, result, ceiling))
    lines.append("ratio = applications per second / the ceiling's calls per second, same run")
    if floor is not None:
        lines.append(
            "floor = an application's shape of calls (orchestrator; SSA, then Treasury, then"
            " HHS and USDA at once) between echo servers: no rules, database or audit"
        )
    lines.append("CPU ms per application, by service (whole part, warm-up included):")
    for run in runs:
        for label, result in run.rows:
            if result.cpu_ms:
                costs = "  ".join(f"{name} {ms:.1f}" for name, ms in result.cpu_ms.items())
                lines.append(f"  {label}: {costs}")
    for run in runs:
        for label, result in run.rows:
            if result.errors:
                lines.append(f"  {label} errors: {dict(result.errors)}")
        if run.memory:
            lines.append(
                f"{run.engine} RSS MiB after {run.applications} applications: "
                + render_rss(run.memory)
            )
    outcomes = [(label, r) for run in runs for label, r in run.rows if r.outcomes]
    if outcomes:
        lines.append("cases by household size and status:")
        for label, result in outcomes:
            tally = ", ".join(
                f"{k.removeprefix('synthetic ')} {n}" for k, n in sorted(result.outcomes.items())
            )
            lines.append(f"  {label}: {tally}")
    for result in rules:
        label = f"rules in process: {result.name}"
        if result.unavailable:
            lines.append(f"{label:<{WIDTH}} n/a: {result.unavailable}")
        else:
            lines.append(
                f"{label:<{WIDTH}} {result.households:>9} {result.per_second:>9.1f} households/s"
                f" ({result.per_cpu_second:,.0f} per CPU-second)"
            )
    return "\n".join(lines)


def _load(result: LoadResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "completed": result.completed,
        "per_second": round(result.per_second, 2),
        "p50_ms": result.percentile_ms(50),
        "p99_ms": result.percentile_ms(99),
        "errors": dict(result.errors),
        "outcomes": dict(result.outcomes),
        "elapsed_s": round(result.elapsed_s, 3),
        "cpu_ms_per_application": {k: round(v, 2) for k, v in result.cpu_ms.items()},
    }


def as_json(
    settings: dict[str, Any],
    ceiling: LoadResult | None,
    runs: list[EngineRun],
    rules: list[RulesResult],
    floor: LoadResult | None = None,
) -> dict[str, Any]:
    return {
        "settings": settings,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ceiling": _load(ceiling),
        "floor": _load(floor),
        "engines": {
            run.engine: {
                "failure": run.failure,
                "parts": {label: _load(result) for label, result in run.rows},
                "ratios": {
                    label: result.per_second / ceiling.per_second
                    for label, result in run.rows
                    if ceiling is not None and ceiling.per_second
                },
                "rss_mib": run.memory,
                "applications": run.applications,
            }
            for run in runs
        },
        "rules": {
            r.name: (
                {
                    "households": r.households,
                    "per_second": round(r.per_second, 2),
                    "per_cpu_second": round(r.per_cpu_second, 2),
                }
                if not r.unavailable
                else {"unavailable": r.unavailable}
            )
            for r in rules
        },
    }
