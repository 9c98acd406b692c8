"""Households determined per second by the program rules alone: no gRPC, no database.

The inputs are the example households mapped exactly as the orchestrator maps them for
HHS and USDA. A rules module that does not exist yet, or whose ``determine`` cannot be
called this way, is reported as "n/a: <reason>" rather than failing the whole bench.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from eligibility.orchestrator.v1 import coordination_pb2 as pb


class RulesUnavailable(Exception):
    pass


@dataclass
class RulesResult:
    name: str
    households: int = 0
    elapsed_s: float = 0.0
    unavailable: str | None = None

    @property
    def per_second(self) -> float:
        return self.households / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _determine(module_name: str) -> Callable[..., object]:
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise RulesUnavailable(f"{module_name} cannot be imported ({error})") from None
    determine = getattr(module, "determine", None)
    if not callable(determine):
        raise RulesUnavailable(f"{module_name} has no determine()")
    return determine


def _bind(
    determine: Callable[..., object], module_name: str, request: object
) -> Callable[[], object]:
    """A no-argument call of ``determine`` on one agency request, tried once up front."""
    bound = lambda: determine(request)  # noqa: E731 - the simplest shape; see the module doc
    try:
        bound()
    except Exception as error:
        signature = inspect.signature(determine)
        raise RulesUnavailable(
            f"{module_name}.determine{signature} did not accept {type(request).__name__}"
            f" ({type(error).__name__}: {error})"
        ) from None
    return bound


def hhs_calls(requests: list[pb.SubmitApplicationRequest]) -> list[Callable[[], object]]:
    determine = _determine("services.hhs.rules")
    from services.orchestrator.agency_requests import hhs_request

    return [
        _bind(
            determine,
            "services.hhs.rules",
            hhs_request(r.household, r.plan_year or dt.date.today().year),
        )
        for r in requests
    ]


def usda_calls(requests: list[pb.SubmitApplicationRequest]) -> list[Callable[[], object]]:
    determine = _determine("services.usda.rules")
    from services.orchestrator.agency_requests import snap_request

    month = dt.date.today().replace(day=1)
    return [
        _bind(determine, "services.usda.rules", snap_request(r.household, month)) for r in requests
    ]


def run_rules(
    name: str,
    make_calls: Callable[[list[pb.SubmitApplicationRequest]], list[Callable[[], object]]],
    requests: list[pb.SubmitApplicationRequest],
    *,
    duration_s: float,
    max_households: int,
) -> RulesResult:
    result = RulesResult(name)
    try:
        calls = make_calls(requests)
    except RulesUnavailable as error:
        result.unavailable = str(error)
        return result
    started = time.perf_counter()
    stop_at = started + duration_s
    next_report = started + 1.0
    while result.households < max_households:
        for call in calls:
            call()
        result.households += len(calls)
        now = time.perf_counter()
        if now >= stop_at:
            break
        if now >= next_report:
            print(
                f"  {name:<14} {now - started:5.1f}s  households {result.households:>8}",
                file=sys.stderr,
                flush=True,
            )
            next_report += 1.0
    result.elapsed_s = time.perf_counter() - started
    return result
