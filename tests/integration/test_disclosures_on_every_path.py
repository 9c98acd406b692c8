"""A person's data shown to a caseworker is on the audit trail whichever call showed it,
not only GetCase: facts filled in from the store (prefill), the case an application or a
reported change answers with (first time or replayed), a case given back by RenewCase, and
a person's consents listed, are disclosures, and the person's report lists them."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
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


def _reviews_of(report: list[pb.Disclosure], case_id: str, caseworker: str) -> int:
    """The case-review disclosures of ``case_id`` to ``caseworker`` in a person's report."""
    return sum(
        1
        for d in report
        if d.purpose == "case-review"
        and d.case_id == case_id
        and d.outcome == "DISCLOSED"
        and d.actor_caseworker == caseworker
        and list(d.facts) == ["case"]
    )


async def test_the_first_answer_to_an_application_is_a_disclosure_like_get_case(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """The new case comes back with Treasury's verified income and SSA's identity results:
    the caller has seen every member's data before any GetCase."""
    erin = coordination.stub_as("cw-erin")
    application = example("okafor", "okafor-first-answer")
    case = (await erin.SubmitApplication(application)).case
    for member in application.household.members:
        report = await _report(coordination, member.ssn)
        assert _reviews_of(report, case.case_id, "cw-erin") == 1, member.person_id


async def test_a_reported_change_answers_with_the_case_and_says_so_again_on_a_retry(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    fay = coordination.stub_as("cw-fay")
    application = example("okafor", "okafor-changed")
    case = (await fay.SubmitApplication(application)).case
    ssn = application.household.members[0].ssn
    change = pb.ReportLifeEventRequest(
        request_id="okafor-income-shown",
        case_id=case.case_id,
        event=le.LifeEvent(
            kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
            effective_date=date_pb2.Date(year=2026, month=11, day=1),
            person_id="adaeze",
        ),
    )
    before = _reviews_of(await _report(coordination, ssn), case.case_id, "cw-fay")
    assert (await fay.ReportLifeEvent(change)).case.case_id == case.case_id
    after = _reviews_of(await _report(coordination, ssn), case.case_id, "cw-fay")
    assert after == before + 1
    # The retry is answered with the first answer, and that case is shown again.
    assert (await fay.ReportLifeEvent(change)).case.case_id == case.case_id
    assert _reviews_of(await _report(coordination, ssn), case.case_id, "cw-fay") == after + 1


async def test_the_answer_closing_a_case_is_a_disclosure_about_its_member(coordination) -> None:  # type: ignore[no-untyped-def]
    gus = coordination.stub_as("cw-gus")
    application = example("chen", "chen-closed")
    case = (await gus.SubmitApplication(application)).case
    member = application.household.members[0]
    death = pb.ReportLifeEventRequest(
        request_id="chen-died",
        case_id=case.case_id,
        event=le.LifeEvent(
            kind=le.LIFE_EVENT_KIND_DEATH,
            effective_date=date_pb2.Date(year=2026, month=11, day=1),
            person_id=member.person_id,
        ),
    )
    before = _reviews_of(await _report(coordination, member.ssn), case.case_id, "cw-gus")
    closed = await gus.ReportLifeEvent(death)
    assert closed.case.status == pb.CASE_STATUS_CLOSED
    after = _reviews_of(await _report(coordination, member.ssn), case.case_id, "cw-gus")
    assert after == before + 1
    await gus.ReportLifeEvent(death)
    assert _reviews_of(await _report(coordination, member.ssn), case.case_id, "cw-gus") == after + 1
