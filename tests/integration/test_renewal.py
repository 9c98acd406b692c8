"""Renewal without paperwork: a case renews for the next plan year from agency data, the
person is asked only for what the data cannot show, and a second renewal changes nothing."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of


def _application(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    request.plan_year = 2026
    return request


async def test_a_case_renews_from_agency_data_once_and_keeps_the_step(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    case = (await orchestrator.SubmitApplication(_application("okafor", "okafor-2026"))).case
    assert case.status == pb.CASE_STATUS_DETERMINED
    clock.advance(dt.timedelta(days=10))  # renewal season for 2027 coverage
    asked_before = sum(r.calls["VerifyIdentity"] for r in [coordination.recorders["ssa"]])

    renewal = pb.RenewCaseRequest(request_id="renew-1", case_id=case.case_id)
    reply = await orchestrator.RenewCase(renewal)
    assert reply.outcome == pb.RENEWAL_OUTCOME_RENEWED_FROM_DATA
    assert reply.case.plan_year == 2027
    assert [e.kind for e in reply.case.history] == [
        pb.CASE_EVENT_KIND_APPLIED,
        pb.CASE_EVENT_KIND_RENEWED,
    ]
    # Identity verified at application is still fresh: SSA was not asked again.
    assert coordination.recorders["ssa"].calls["VerifyIdentity"] == asked_before
    # Nothing asked of the person; the renewal form's questions answered from data instead.
    assert (reply.questions_asked, reply.questions_avoided > 0) == (0, True)
    report = (
        await orchestrator.GetBurdenReport(pb.GetBurdenReportRequest(case_id=case.case_id))
    ).report
    assert (report.renewal_questions_asked, report.renewal_questions_avoided) == (
        0,
        reply.questions_avoided,
    )
    assert any(line.question.startswith("renewal:") for line in report.lines)

    calls = dict(coordination.recorders["hhs"].calls)
    again = await orchestrator.RenewCase(renewal)
    assert again.outcome == pb.RENEWAL_OUTCOME_ALREADY_RENEWED
    assert again.case.plan_year == 2027 and len(again.case.history) == 2
    assert dict(coordination.recorders["hhs"].calls) == calls  # nothing asked again


async def test_a_renewal_the_data_cannot_settle_needs_the_person(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    application = _application("rivera", "rivera-2026")
    # The Riveras now say far less than their last return shows: the data cannot settle it.
    application.household.members[0].incomes[0].annual_amount_cents //= 5
    case = (await coordination.orchestrator.SubmitApplication(application)).case
    reply = await coordination.orchestrator.RenewCase(
        pb.RenewCaseRequest(request_id="renew-r", case_id=case.case_id)
    )
    assert reply.outcome == pb.RENEWAL_OUTCOME_NEEDS_PERSON
    assert reply.case.data_matching_issues
    # Only what the data cannot show is asked: the proof of income.
    assert reply.questions_asked == len(reply.case.data_matching_issues)
    assert reply.questions_avoided > reply.questions_asked


async def test_only_the_cases_owner_or_a_supervisor_renews_it_one_year_at_a_time(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = (
        await coordination.orchestrator.SubmitApplication(_application("chen", "chen-2026"))
    ).case
    stranger = coordination.stub_as("cw-other")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stranger.RenewCase(pb.RenewCaseRequest(request_id="x", case_id=case.case_id))
    assert details_of(caught.value).reason == "CASE_NOT_ASSIGNED"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.RenewCase(
            pb.RenewCaseRequest(request_id="x", case_id=case.case_id, plan_year=2029)
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    supervisor = coordination.stub_as("sv-1", "supervisor")
    reply = await supervisor.RenewCase(pb.RenewCaseRequest(request_id="y", case_id=case.case_id))
    assert reply.case.plan_year == 2027
