"""Marketplace benchmarks through the orchestrator: a 2027 estimate keeps the case pending,
a caller's benchmark with its source answers it, a bad one is refused whole."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of


def _rivera(request_id: str) -> pb.SubmitApplicationRequest:
    return load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)


def _market(case: pb.Case, person_id: str) -> det.ProgramDetermination:
    (person,) = [d for d in case.determinations if d.person_id == person_id]
    return next(p for p in person.programs if p.program == det.PROGRAM_MARKETPLACE)


async def test_a_2027_credit_from_an_estimate_is_labelled_and_leaves_the_case_pending(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = (await coordination.orchestrator.SubmitApplication(_rivera("est-1"))).case
    assert case.plan_year == 2027
    assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION
    for parent in ("maria", "jose"):
        market = _market(case, parent)
        assert market.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
        assert market.reasons[0].code == "BENCHMARK_ESTIMATED"
        assert market.monthly_benefit_cents > 0


async def test_a_callers_benchmark_reaches_hhs_with_its_source(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _rivera("quote-1")
    request.benchmark_premium.CopyFrom(
        hh.BenchmarkPremiumQuote(
            monthly_premium_cents=62_000, age=40, source="Exchange 2027 plan catalogue"
        )
    )
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    market = _market(case, "maria")
    codes = [r.code for r in market.reasons]
    assert "BENCHMARK_FROM_CALLER" in codes and "BENCHMARK_ESTIMATED" not in codes
    assert any("Exchange 2027 plan catalogue" in r.message for r in market.reasons)
    assert market.status != det.DETERMINATION_STATUS_PENDING_VERIFICATION


async def test_a_benchmark_without_a_source_is_refused_whole(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _rivera("quote-bad")
    request.benchmark_premium.CopyFrom(hh.BenchmarkPremiumQuote(monthly_premium_cents=-5, age=40))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} >= {
        "benchmark_premium.monthly_premium_cents",
        "benchmark_premium.source",
    }
