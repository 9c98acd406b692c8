"""Households determined per second by the program rules alone: no gRPC, no database.

The inputs are the example households mapped exactly as the orchestrator maps them for
HHS and USDA. A rules module that does not exist yet, or whose ``determine`` cannot be
called this way, is reported as "n/a: <reason>" rather than failing the whole bench.
"""

from __future__ import annotations

import datetime as dt
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
    # This process's CPU time over the same span: on a shared machine wall time also
    # measures the neighbours.
    cpu_s: float = 0.0

    @property
    def per_second(self) -> float:
        return self.households / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def per_cpu_second(self) -> float:
        return self.households / self.cpu_s if self.cpu_s > 0 else 0.0


def _tried(call: Callable[[], object], what: str) -> Callable[[], object]:
    """``call``, run once up front so a rules API that moved is reported, not crashed on."""
    try:
        call()
    except Exception as error:
        raise RulesUnavailable(f"{what} failed: {type(error).__name__}: {error}") from None
    return call


def hhs_calls(requests: list[pb.SubmitApplicationRequest]) -> list[Callable[[], object]]:
    """HHS's ``determine(facts, parameters, benchmarks)`` with facts mapped up front, so the
    figure is the rules alone; the benchmark premiums come from the shipped data file."""
    try:
        from services.hhs import mapping, rules
        from services.hhs.benchmarks import shipped_table
    except ImportError as error:
        raise RulesUnavailable(f"services.hhs.rules cannot be imported ({error})") from None
    from services.orchestrator.adapters.agency_requests import hhs_request

    parameters = rules.load_parameters()
    benchmarks = shipped_table()
    today = dt.date.today()
    calls = []
    for request in requests:
        plan_year = request.plan_year or today.year
        facts = mapping.to_facts(hhs_request(request.household, plan_year), today)
        calls.append(
            _tried(
                lambda facts=facts: rules.determine(facts, parameters, benchmarks),
                "services.hhs.rules.determine",
            )
        )
    return calls


def usda_calls(requests: list[pb.SubmitApplicationRequest]) -> list[Callable[[], object]]:
    """USDA's ``determine(facts, params)`` for this month, as the orchestrator asks it."""
    try:
        from services.usda import rules
        from services.usda.mapping import facts_from_request
    except ImportError as error:
        raise RulesUnavailable(f"services.usda.rules cannot be imported ({error})") from None
    from services.orchestrator.adapters.agency_requests import snap_request

    parameters = rules.load_parameters()
    month = dt.date.today().replace(day=1)
    calls = []
    for request in requests:
        facts = facts_from_request(snap_request(request.household, month), month)
        calls.append(
            _tried(
                lambda facts=facts: rules.determine(facts, parameters),
                "services.usda.rules.determine",
            )
        )
    return calls


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
    started, cpu_started = time.perf_counter(), time.process_time()
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
    result.cpu_s = time.process_time() - cpu_started
    return result
