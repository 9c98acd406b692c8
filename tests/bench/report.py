"""The figures, as a table for people and as JSON for comparing runs."""

from __future__ import annotations

import os
import platform
from typing import Any

from tests.bench.load import LoadResult
from tests.bench.rules import RulesResult


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def load_row(label: str, result: LoadResult) -> str:
    return (
        f"{label:<34} {result.completed:>9} {result.per_second:>9.1f}"
        f" {_ms(result.percentile_ms(50)):>8} {_ms(result.percentile_ms(99)):>8}"
        f" {result.error_count:>7}"
    )


def render(
    settings: dict[str, Any],
    orchestrator: LoadResult | None,
    orchestrator_failure: str | None,
    ceiling: LoadResult | None,
    rules: list[RulesResult],
) -> str:
    lines = [
        "",
        f"bench: {settings['clients']} clients, {settings['duration_s']:g} s per part"
        f" after {settings['warmup_s']:g} s warm-up, loopback,"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}",
        (
            f"applications: {settings['population']} synthetic households, each new people"
            if settings.get("population")
            else "applications: the five example households, over and over"
        ),
    ]
    if orchestrator or orchestrator_failure or ceiling:
        lines.append(
            f"{'':<34} {'completed':>9} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        )
    if orchestrator is not None:
        lines.append(load_row("orchestrator SubmitApplication", orchestrator))
    elif orchestrator_failure:
        lines.append(
            f"{'orchestrator SubmitApplication':<34} FAILED: {orchestrator_failure.splitlines()[0]}"
        )
    if ceiling is not None:
        lines.append(load_row("ceiling: echo fan-out to 3 servers", ceiling))
    for result in (orchestrator, ceiling):
        if result is not None and result.errors:
            lines.append(f"  {result.name} errors: {dict(result.errors)}")
    if orchestrator is not None and orchestrator.outcomes:
        lines.append("  cases by household and status:")
        lines.extend(
            f"    {label:<44} {n:>7}" for label, n in sorted(orchestrator.outcomes.items())
        )
    if orchestrator is not None and ceiling is not None and ceiling.per_second > 0:
        lines.append(
            f"ratio orchestrator / ceiling: {orchestrator.per_second / ceiling.per_second:.3f}"
            " in applications per second"
        )
    for result in rules:
        label = f"rules in process: {result.name}"
        if result.unavailable:
            lines.append(f"{label:<34} n/a: {result.unavailable}")
        else:
            lines.append(
                f"{label:<34} {result.households:>9} {result.per_second:>9.1f} households/s"
            )
    return "\n".join(lines)


def as_json(
    settings: dict[str, Any],
    orchestrator: LoadResult | None,
    orchestrator_failure: str | None,
    ceiling: LoadResult | None,
    rules: list[RulesResult],
) -> dict[str, Any]:
    def load(result: LoadResult | None) -> dict[str, Any] | None:
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
        }

    return {
        "settings": settings,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "orchestrator": load(orchestrator),
        "orchestrator_failure": orchestrator_failure,
        "ceiling": load(ceiling),
        "ratio": (
            orchestrator.per_second / ceiling.per_second
            if orchestrator and ceiling and ceiling.per_second
            else None
        ),
        "rules": {
            r.name: (
                {"households": r.households, "per_second": round(r.per_second, 2)}
                if not r.unavailable
                else {"unavailable": r.unavailable}
            )
            for r in rules
        },
    }
