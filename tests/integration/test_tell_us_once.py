"""Tell us once: evidence reuse, prefill, consent, the audit trail and the burden ledger,
over real gRPC with every agency running, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from sqlalchemy import text

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from shared.errors import details_of
from tests.integration.applications import answers, example, same_people_bare

CHEN_SSN = "523110042"
MARIA_SSN = "412558301"


def _calls(coordination, agency: str) -> int:  # type: ignore[no-untyped-def]
    return sum(coordination.recorders[agency].calls.values())


async def test_a_second_application_asks_no_one_again_for_fresh_facts(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example("chen", "chen-medicaid")
    del first_request.programs[:]
    first_request.programs.append(det.PROGRAM_MEDICAID)
    first = (await orchestrator.SubmitApplication(first_request)).case
    assert (_calls(coordination, "ssa"), _calls(coordination, "treasury")) == (1, 1)

    # Later Wei applies for SNAP, giving only his SSN: nothing else is typed again.
    second = (
        await orchestrator.SubmitApplication(
            same_people_bare(first_request, "chen-snap", [det.PROGRAM_SNAP])
        )
    ).case
    assert (_calls(coordination, "ssa"), _calls(coordination, "treasury")) == (1, 1)
    member = second.household.members[0]
    assert (member.name.given, member.birth_date.year) == ("Wei", 1996)
    assert member.incomes[0].annual_amount_cents == 1_800_000
    assert second.household.address.county == "San Diego"
    reused = {e.fact: e.provenance.reused_from for e in second.evidence if e.provenance.reused_from}
    first_ids = {e.fact: e.evidence_id for e in first.evidence}
    for fact in ("identity.ssn_match", "income.tax_return_magi"):
        assert reused[fact] == first_ids[fact], fact
    assert second.household_determinations[0].program == det.PROGRAM_SNAP

    report = (
        await orchestrator.GetBurdenReport(pb.GetBurdenReportRequest(case_id=second.case_id))
    ).report
    lines = {line.question: line for line in report.lines}
    for question in ("name", "birth_date", "citizenship", "income"):
        assert (lines[question].asked, lines[question].prefilled) == (0, 1), question
    assert lines["ssn"].asked == 1  # the one thing that links the person
    assert lines["proof:income"].verified_from_data == 1
    assert report.questions_saved == report.questions_separately - report.questions_asked > 0


async def test_stale_facts_are_refreshed_from_the_source(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "chen-1")
    await coordination.orchestrator.SubmitApplication(request)
    # A death check is fresh for 30 days (evidence_directory.yaml): after that SSA is asked again.
    clock.advance(dt.timedelta(days=31))
    again = example("chen", "chen-2")
    await coordination.orchestrator.SubmitApplication(again)
    assert _calls(coordination, "ssa") == 2
    assert _calls(coordination, "treasury") == 1  # the return is still fresh
    clock.advance(dt.timedelta(days=366))
    late = example("chen", "chen-3")
    late.plan_year = 2028 - 1  # same tax year asked, but a year later the return is stale
    await coordination.orchestrator.SubmitApplication(late)
    assert _calls(coordination, "treasury") == 2


async def test_without_consent_treasury_is_never_asked(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "no-consent")
    del request.consents[:]
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    assert _calls(coordination, "treasury") == 0
    assert "INCOME_NO_CONSENT" in {i.reason_code for i in case.data_matching_issues}
    report = await coordination.orchestrator.GetDisclosureReport(
        pb.GetDisclosureReportRequest(ssn=CHEN_SSN)
    )
    refused = [d for d in report.disclosures if d.outcome == "REFUSED"]
    assert refused and refused[0].actor_service == "treasury"
    assert refused[0].detail.startswith("NO_CONSENT")


async def test_revoking_consent_stops_further_requests_and_is_recorded(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    await orchestrator.SubmitApplication(example("okafor", "okafor-1"))
    assert _calls(coordination, "treasury") == 1
    (consent, _) = (
        await orchestrator.ListConsents(pb.ListConsentsRequest(ssn="256407711"))
    ).consents[:1] + [None]
    assert consent.agencies == ["treasury"] and consent.subject == "*****7711"
    revoked = (
        await orchestrator.RevokeConsent(
            pb.RevokeConsentRequest(request_id="r", consent_id=consent.consent_id, reason="asked")
        )
    ).consent
    assert revoked.revoke_time.seconds > 0
    # The next application from the household, giving no new consent, asks Treasury nothing.
    again = example("okafor", "okafor-2")
    del again.consents[:]
    again.household.members[0].incomes[0].annual_amount_cents += 100  # a different application
    case = (await orchestrator.SubmitApplication(again)).case
    treasury = coordination.recorders["treasury"].calls
    assert (treasury["VerifyHouseholdIncome"], treasury["RecordConsentRevocation"]) == (1, 1)
    assert "INCOME_NO_CONSENT" in {i.reason_code for i in case.data_matching_issues}
    report = await orchestrator.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn="256407711"))
    assert any(d.detail.startswith("CONSENT_REVOKED") for d in report.disclosures)


async def test_unknown_consent_cannot_be_revoked(coordination) -> None:  # type: ignore[no-untyped-def]
    supervisor = coordination.stub_as("sv-1", "supervisor")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await supervisor.RevokeConsent(pb.RevokeConsentRequest(consent_id="nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_person_can_see_who_saw_their_data_and_why(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    case = (await orchestrator.SubmitApplication(example("rivera", "rivera-audit"))).case
    supervisor = coordination.stub_as("cw-1042", "supervisor")
    await supervisor.GetCase(pb.GetCaseRequest(case_id=case.case_id))
    report = await orchestrator.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=MARIA_SSN))
    seen_by = {(d.actor_service, d.purpose) for d in report.disclosures if d.outcome == "DISCLOSED"}
    assert ("ssa", "identity-verification-2027") in seen_by
    assert ("treasury", "eligibility-determination") in seen_by
    assert ("hhs", "insurance-affordability-programs") in seen_by
    assert ("usda", "snap-eligibility") in seen_by
    reviews = [
        (d.actor_service, d.actor_caseworker)
        for d in report.disclosures
        if d.purpose == "case-review"
    ]
    # Each reader is named as proven: the tool by its certificate, the person by their
    # token. The caseworker who applied saw the case in the answer, the supervisor after.
    assert reviews == [("caseworker-tool", "cw-test"), ("caseworker-tool", "cw-1042")]
    assert all(d.case_id == case.case_id for d in report.disclosures)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await orchestrator.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn="12"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def _audited_case(coordination) -> None:  # type: ignore[no-untyped-def]
    await coordination.orchestrator.SubmitApplication(example("rivera", "rivera-chain"))
    ok = await coordination.stub_as("au-1", "auditor").VerifyAuditLog(pb.VerifyAuditLogRequest())
    assert ok.ok and ok.entries_checked >= 12


def _sql(coordination, statement: str) -> None:  # type: ignore[no-untyped-def]
    with coordination.orchestrator_db.session() as session:
        session.execute(text(statement))


async def test_the_audit_chain_catches_an_altered_entry(coordination) -> None:  # type: ignore[no-untyped-def]
    await _audited_case(coordination)
    _sql(coordination, "UPDATE orchestrator_audit_log SET actor_service = 'nobody' WHERE seq = 3")
    result = await coordination.stub_as("au-1", "auditor").VerifyAuditLog(
        pb.VerifyAuditLogRequest()
    )
    assert (result.ok, result.bad_seq, result.problem) == (False, 3, "ALTERED")


async def test_the_audit_chain_catches_a_deleted_entry(coordination) -> None:  # type: ignore[no-untyped-def]
    await _audited_case(coordination)
    _sql(coordination, "DELETE FROM orchestrator_audit_log WHERE seq = 5")
    result = await coordination.stub_as("au-1", "auditor").VerifyAuditLog(
        pb.VerifyAuditLogRequest()
    )
    assert (result.ok, result.problem) == (False, "MISSING")


async def test_the_audit_chain_catches_reordered_entries(coordination) -> None:  # type: ignore[no-untyped-def]
    await _audited_case(coordination)
    # Swap the contents of entries 2 and 3, keeping their positions.
    _sql(coordination, "UPDATE orchestrator_audit_log SET seq = -2 WHERE seq = 2")
    _sql(coordination, "UPDATE orchestrator_audit_log SET seq = 2 WHERE seq = 3")
    _sql(coordination, "UPDATE orchestrator_audit_log SET seq = 3 WHERE seq = -2")
    result = await coordination.stub_as("au-1", "auditor").VerifyAuditLog(
        pb.VerifyAuditLogRequest()
    )
    assert result.ok is False and result.bad_seq == 2
    assert result.problem in ("REORDERED", "ALTERED")


async def test_the_aggregate_burden_report_counts_every_case(coordination) -> None:  # type: ignore[no-untyped-def]
    for stem in ("rivera", "chen", "okafor", "kowalski", "johnson"):
        await coordination.orchestrator.SubmitApplication(example(stem, f"burden-{stem}"))
    report = (
        await coordination.stub_as("sv-1", "supervisor").GetBurdenReport(
            pb.GetBurdenReportRequest()
        )
    ).report
    assert report.cases == 5
    assert report.questions_separately > report.questions_asked > 0
    assert report.minutes_saved == pytest.approx(
        report.questions_saved * report.minutes_per_question
    )
    assert "0938-1191" in report.minutes_source


async def test_an_income_sweep_shows_each_programs_answer_at_each_step(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "unused")
    sweep = await coordination.orchestrator.SimulateIncomeSweep(
        pb.SimulateIncomeSweepRequest(
            household=request.household,
            programs=[det.PROGRAM_MEDICAID, det.PROGRAM_MARKETPLACE, det.PROGRAM_SNAP],
            plan_year=2026,
            person_id="wei",
            from_annual_cents=1_000_000,
            to_annual_cents=6_000_000,
            step_cents=1_000_000,
        )
    )
    assert [s.annual_income_cents for s in sweep.steps] == [i * 1_000_000 for i in range(1, 7)]
    medicaid = [
        next(p for p in s.determinations[0].programs if p.program == det.PROGRAM_MEDICAID).status
        for s in sweep.steps
    ]
    # California covers adults to 138% of poverty: eligible at $10,000, not at $60,000.
    assert medicaid[0] == det.DETERMINATION_STATUS_ELIGIBLE
    assert medicaid[-1] == det.DETERMINATION_STATUS_INELIGIBLE
    # Nothing was stored and no record was consulted.
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    assert list(listed.cases) == []
    assert _calls(coordination, "treasury") == _calls(coordination, "ssa") == 0


async def test_a_sweep_with_a_bad_range_is_refused(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "unused")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SimulateIncomeSweep(
            pb.SimulateIncomeSweepRequest(
                household=request.household,
                programs=[det.PROGRAM_MEDICAID],
                person_id="nobody",
                from_annual_cents=5,
                to_annual_cents=1,
                step_cents=0,
            )
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_prefill_cannot_invent_what_was_never_told(coordination) -> None:  # type: ignore[no-untyped-def]
    request = pb.SubmitApplicationRequest(request_id="stranger", programs=[det.PROGRAM_MEDICAID])
    request.household.members.add(
        person_id="x", ssn="523110042", applying=True, reuse_known_facts=True
    )
    request.household.tax_units.add(
        tax_unit_id="x", filing_status=household_pb2.FILING_STATUS_SINGLE, filer_person_ids=["x"]
    )
    # A supervisor may have facts filled in for anyone; none are known for this person.
    supervisor = coordination.stub_as("sv-1", "supervisor")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await supervisor.SubmitApplication(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("stem", ["rivera", "kowalski", "chen"])
async def test_a_re_application_with_nothing_changed_gets_the_same_answers(
    coordination, stem
) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example(stem, f"{stem}-first")
    first = (await orchestrator.SubmitApplication(first_request)).case
    again = same_people_bare(first_request, f"{stem}-again", list(first_request.programs))
    second = (await orchestrator.SubmitApplication(again)).case
    assert answers(second) == answers(first)
    snap = second.household_determinations[0]
    assert snap.program == det.PROGRAM_SNAP and snap.monthly_benefit_cents > 0
    # Expenses, pregnancy and work came forward as stated, not as zero or false.
    assert second.household.expenses == first.household.expenses
    for before, after in zip(first.household.members, second.household.members, strict=True):
        assert (after.pregnant, after.disabled) == (before.pregnant, before.disabled)
        assert after.work_activity == before.work_activity


async def test_rivera_keeps_her_shelter_costs_and_539_dollars_of_snap(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example("rivera", "rivera-first")
    await orchestrator.SubmitApplication(first_request)
    again = same_people_bare(first_request, "rivera-snap", [det.PROGRAM_SNAP])
    second = (await orchestrator.SubmitApplication(again)).case
    assert second.household.expenses.monthly_shelter_cents == 135_000
    assert second.household_determinations[0].monthly_benefit_cents == 53_900
    report = (
        await orchestrator.GetBurdenReport(pb.GetBurdenReportRequest(case_id=second.case_id))
    ).report
    lines = {line.question: line for line in report.lines}
    for question in ("shelter_costs", "dependent_care", "medical_costs"):
        assert (lines[question].asked, lines[question].prefilled) == (0, 1), question


async def test_a_carried_pregnancy_is_prefilled_and_keeps_when_it_was_stated(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example("kowalski", "kowalski-first")
    first = (await orchestrator.SubmitApplication(first_request)).case
    clock.advance(dt.timedelta(days=10))
    again = same_people_bare(first_request, "kowalski-again", [det.PROGRAM_MEDICAID])
    second = (await orchestrator.SubmitApplication(again)).case
    assert second.household.members[0].pregnant
    stated = {e.fact: e for e in first.evidence}
    carried = {e.fact: e for e in second.evidence}
    pregnancy = carried["person.pregnant"]
    assert pregnancy.value == "true"
    assert pregnancy.provenance.reused_from == stated["person.pregnant"].evidence_id
    # Carried forward, not restated: it is as old as when she said it, and expires then.
    assert pregnancy.provenance.obtained_at == stated["person.pregnant"].provenance.obtained_at
    assert pregnancy.provenance.valid_until == stated["person.pregnant"].provenance.valid_until
    report = (
        await orchestrator.GetBurdenReport(pb.GetBurdenReportRequest(case_id=second.case_id))
    ).report
    pregnancy_line = next(line for line in report.lines if line.question == "pregnancy")
    assert (pregnancy_line.asked, pregnancy_line.prefilled) == (0, 1)


async def test_a_pregnancy_that_ended_is_said_so_and_not_carried(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example("kowalski", "kowalski-first")
    await orchestrator.SubmitApplication(first_request)
    again = same_people_bare(first_request, "kowalski-ended", [det.PROGRAM_MEDICAID])
    again.household.members[0].ended_facts.append(household_pb2.CARRIED_FACT_PREGNANCY)
    second = (await orchestrator.SubmitApplication(again)).case
    assert not second.household.members[0].pregnant
    medicaid = second.determinations[0].programs[0]
    assert all(r.figures.get("group") != "pregnant" for r in medicaid.reasons)


async def test_stale_facts_are_asked_again_never_taken_as_none(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator
    first_request = example("kowalski", "kowalski-first")
    await orchestrator.SubmitApplication(first_request)
    # Pregnancy is fresh for 90 days, expenses for 180, incomes for 90 (evidence_directory).
    clock.advance(dt.timedelta(days=181))
    again = same_people_bare(
        first_request, "kowalski-late", [det.PROGRAM_MEDICAID, det.PROGRAM_SNAP]
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await orchestrator.SubmitApplication(again)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in details_of(caught.value).violations}
    assert {
        "household.members[0].pregnant",
        "household.members[0].incomes",
        "household.expenses",
    } <= fields


async def test_snap_expenses_never_stated_are_asked_for(coordination) -> None:  # type: ignore[no-untyped-def]
    first_request = example("chen", "chen-medicaid-only")
    del first_request.programs[:]
    first_request.programs.append(det.PROGRAM_MEDICAID)
    first_request.household.ClearField("expenses")
    await coordination.orchestrator.SubmitApplication(first_request)
    again = same_people_bare(first_request, "chen-snap-later", [det.PROGRAM_SNAP])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(again)
    violations = details_of(caught.value).violations
    assert [v.field for v in violations] == ["household.expenses"]
    assert "never stated" in violations[0].description
    # Saying there are none is an answer: an empty message.
    again.request_id = "chen-snap-none"
    again.household.expenses.SetInParent()
    case = (await coordination.orchestrator.SubmitApplication(again)).case
    assert case.household_determinations[0].program == det.PROGRAM_SNAP


async def test_a_consent_given_again_while_in_force_is_stored_once(coordination) -> None:  # type: ignore[no-untyped-def]
    orchestrator = coordination.orchestrator

    async def apply(name: str, valid_years: int, change: int) -> list[pb.Consent]:
        request = example("okafor", name)
        request.household.members[0].incomes[0].annual_amount_cents += change  # a new application
        for grant in request.consents:
            grant.valid_years = valid_years
        await orchestrator.SubmitApplication(request)
        return list(
            (await orchestrator.ListConsents(pb.ListConsentsRequest(ssn="256407711"))).consents
        )

    for n in range(3):
        listed = await apply(f"okafor-one-year-{n}", 1, n)
    assert len(listed) == 1
    # A consent lasting longer than the one on record is stored beside it.
    assert len(await apply("okafor-five-years", 5, 10)) == 2
