"""A person's data shown to a caseworker is on the audit trail whichever call showed it,
not only GetCase: facts filled in from the store (prefill) and a stored case given back to
a retried SubmitApplication or by RenewCase, and a person's consents listed, are disclosures,
and the person's report lists them."""

from __future__ import annotations

import datetime as dt

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from tests.integration.applications import by_ssn_alone, example


async def _report(coordination, ssn: str) -> list[pb.Disclosure]:  # type: ignore[no-untyped-def]
    auditor = coordination.stub_as("au-1", "auditor")
    return list(
        (await auditor.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=ssn))).disclosures
    )


async def test_facts_filled_in_from_the_store_are_disclosures_to_the_caller(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    first = example("chen", "chen-stated")
    await alice.SubmitApplication(first)
    member = first.household.members[0]

    # A supervisor fills a person in from an SSN alone: what another caseworker's
    # applicant stated is shown to them.
    bare = by_ssn_alone(first, "by-ssn-supervisor")
    supervisor = coordination.stub_as("sv-prefill", "supervisor")
    case = (await supervisor.SubmitApplication(bare)).case
    assert case.household.members[0].name.given == member.name.given

    prefilled = [
        d
        for d in await _report(coordination, member.ssn)
        if d.purpose == "prefill" and d.outcome == "DISCLOSED"
    ]
    assert len(prefilled) == 1, prefilled
    assert prefilled[0].actor_caseworker == "sv-prefill"
    assert prefilled[0].case_id == case.case_id
    assert {"person.name", "person.birth_date", "person.incomes"} <= set(prefilled[0].facts)


async def test_a_case_given_back_to_a_retry_is_a_disclosure_like_get_case(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    bob = coordination.stub_as("cw-bob")
    application = example("okafor", "okafor-retried")
    case = (await bob.SubmitApplication(application)).case
    ssn = application.household.members[0].ssn

    def reviews(report: list[pb.Disclosure]) -> list[pb.Disclosure]:
        return [
            d
            for d in report
            if d.purpose == "case-review" and d.case_id == case.case_id and d.outcome == "DISCLOSED"
        ]

    before = reviews(await _report(coordination, ssn))
    again = (await bob.SubmitApplication(application)).case
    assert again.case_id == case.case_id
    after = reviews(await _report(coordination, ssn))
    assert len(after) == len(before) + 1
    assert after[-1].actor_caseworker == "cw-bob"


async def test_a_renewed_case_given_back_is_a_disclosure_like_get_case(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    carol = coordination.stub_as("cw-carol")
    application = example("okafor", "okafor-to-renew")
    application.plan_year = 2026
    case = (await carol.SubmitApplication(application)).case
    ssn = application.household.members[0].ssn
    clock.advance(dt.timedelta(days=10))  # renewal season for 2027 coverage

    def reviews(report: list[pb.Disclosure]) -> int:
        return sum(
            1
            for d in report
            if d.purpose == "case-review"
            and d.case_id == case.case_id
            and d.outcome == "DISCLOSED"
            and d.actor_caseworker == "cw-carol"
        )

    renewal = pb.RenewCaseRequest(request_id="renew-shown", case_id=case.case_id)
    before = reviews(await _report(coordination, ssn))
    assert (await carol.RenewCase(renewal)).case.plan_year == 2027
    renewed = reviews(await _report(coordination, ssn))
    assert renewed == before + 1
    # Renewing again changes nothing, but shows the case again.
    again = await carol.RenewCase(renewal)
    assert again.outcome == pb.RENEWAL_OUTCOME_ALREADY_RENEWED
    assert reviews(await _report(coordination, ssn)) == renewed + 1


async def test_a_persons_consents_shown_are_a_disclosure(coordination) -> None:  # type: ignore[no-untyped-def]
    dana = coordination.stub_as("cw-dana")
    application = example("chen", "chen-consents")
    await dana.SubmitApplication(application)
    ssn = application.household.members[0].ssn
    supervisor = coordination.stub_as("sv-consents", "supervisor")
    consents = await supervisor.ListConsents(pb.ListConsentsRequest(ssn=ssn))
    assert consents.consents
    shown = [
        d
        for d in await _report(coordination, ssn)
        if d.facts == ["consent"] and d.outcome == "DISCLOSED"
    ]
    assert [d.actor_caseworker for d in shown] == ["sv-consents"]
