"""Hostile and broken input sent to the orchestrator is refused cleanly: a client error
naming the fields, found before any agency is asked, nothing stored, still SERVING.

Runs on SQLite and PostgreSQL both, so a limit one engine would forgive is found here."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time

import grpc
import pytest
from structlog.testing import capture_logs

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.usecases import whatif
from shared import limits
from tests.integration.applications import example
from tests.integration.hostile import fields, refused, row_counts, serving

INVALID = grpc.StatusCode.INVALID_ARGUMENT
INT64_MAX = 2**63 - 1
SUBMIT = "/eligibility.orchestrator.v1.CoordinationService/SubmitApplication"


def _agency_calls(coordination) -> int:  # type: ignore[no-untyped-def]
    return sum(sum(r.calls.values()) for r in coordination.recorders.values())


async def _refused_whole(coordination, request, code=INVALID):  # type: ignore[no-untyped-def]
    """Submit, expect ``code``; check nothing was stored or asked and all still serve."""
    before = row_counts(coordination.databases)
    details = await refused(coordination.orchestrator.SubmitApplication(request), code)
    assert row_counts(coordination.databases) == before
    assert _agency_calls(coordination) == 0
    assert await serving(coordination.handle)
    return details


@pytest.mark.parametrize("plan_year", [10_000, -1, 2**31 - 1])
async def test_a_plan_year_outside_the_calendar_is_invalid(coordination, plan_year) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", f"year-{plan_year}")
    request.plan_year = plan_year
    details = await _refused_whole(coordination, request)
    assert fields(details) == {"plan_year"}


@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        (
            "household.members[0].citizenship",
            lambda r: setattr(r.household.members[0], "citizenship", 4),
        ),
        (
            "household.members[0].citizenship",
            lambda r: setattr(r.household.members[0], "citizenship", 42),
        ),
        (
            "household.members[0].incomes[0].kind",
            lambda r: setattr(r.household.members[0].incomes[0], "kind", 99),
        ),
        (
            "household.tax_units[0].filing_status",
            lambda r: setattr(r.household.tax_units[0], "filing_status", 7),
        ),
        (
            "household.relationships[0].kind",
            lambda r: setattr(r.household.relationships[0], "kind", -3),
        ),
        ("programs[0]", lambda r: r.programs.__setitem__(0, 9)),
    ],
)
async def test_an_enum_number_the_schema_does_not_know_is_invalid(
    coordination, where, mutate
) -> None:  # type: ignore[no-untyped-def]
    request = example("rivera", "enum")
    mutate(request)
    details = await _refused_whole(coordination, request)
    assert where in fields(details)


async def test_amounts_that_could_overflow_a_sum_are_invalid(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("rivera", "overflow")
    member = request.household.members[0]
    member.incomes.add(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=INT64_MAX)
    member.incomes.add(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=INT64_MAX)
    request.household.expenses.monthly_shelter_cents = INT64_MAX
    details = await _refused_whole(coordination, request)
    assert {
        "household.members[0].incomes[1].annual_amount_cents",
        "household.members[0].incomes[2].annual_amount_cents",
        "household.expenses.monthly_shelter_cents",
    } <= fields(details)


async def test_a_page_token_with_a_time_without_a_zone_is_invalid(coordination) -> None:  # type: ignore[no-untyped-def]
    await coordination.orchestrator.SubmitApplication(example("chen", "paged"))
    naive = json.dumps(["2026-11-25T15:00:00", "ffff"]).encode()
    token = base64.urlsafe_b64encode(naive).decode()
    details = await refused(
        coordination.orchestrator.ListCases(pb.ListCasesRequest(page_token=token)), INVALID
    )
    assert fields(details) == {"page_token"}
    assert await serving(coordination.handle)


@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        ("request_id", lambda r: setattr(r, "request_id", "abc\x00def")),
        (
            "household.members[0].person_id",
            lambda r: setattr(r.household.members[0], "person_id", "we\x00i"),
        ),
        (
            "household.members[0].name.given",
            lambda r: setattr(r.household.members[0].name, "given", "W\x00ei"),
        ),
        (
            "household.members[0].person_id",
            lambda r: setattr(r.household.members[0], "person_id", "p" * 65),
        ),
        ("request_id", lambda r: setattr(r, "request_id", "r" * 129)),
        (
            "household.members[0].name.family",
            lambda r: setattr(r.household.members[0].name, "family", "C" * 1_000_000),
        ),
        (
            "household.address.line1",
            lambda r: setattr(r.household.address, "line1", "x" * 2_600_000),
        ),
        ("consents[0].facts[0]", lambda r: r.consents[0].facts.__setitem__(0, "f" * 1000)),
    ],
)
async def test_strings_have_the_same_limits_on_every_database(coordination, where, mutate) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "strings")
    mutate(request)
    details = await _refused_whole(coordination, request)
    assert where in fields(details)
    # The refusal names the limit; it does not echo the value back.
    assert all(len(v.description) < 300 for v in details.violations)


async def test_bytes_that_are_not_a_message_are_invalid_and_logged(coordination) -> None:  # type: ignore[no-untyped-def]
    async with coordination.handle.channel() as channel:
        raw = channel.unary_unary(SUBMIT)
        with capture_logs() as logs:
            details = await refused(raw(b"\x0a\xff\xff\xff\xff\x0f"), INVALID)
            # The status reaches the client as the server aborts; its access-log line is
            # written as the handler unwinds, a moment later.
            for _ in range(250):
                if any(e.get("method") == SUBMIT and e.get("code") for e in logs):
                    break
                await asyncio.sleep(0.02)
    assert "Unexpected" not in details.message and "class" not in details.message
    assert details.reason == "MALFORMED_REQUEST"
    assert any(e.get("method") == SUBMIT and e.get("code") == "INVALID_ARGUMENT" for e in logs)
    assert await serving(coordination.handle)


async def test_a_household_of_100000_members_is_refused_at_once(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "crowd")
    for i in range(100_000 - 1):
        request.household.members.add(person_id=f"p{i}")
    before = row_counts(coordination.databases)
    started = time.perf_counter()
    details = await refused(coordination.orchestrator.SubmitApplication(request), INVALID)
    elapsed = time.perf_counter() - started
    print(f"\n100,000-member SubmitApplication refused in {elapsed * 1000:.1f} ms")
    assert fields(details) == {"household.members"}
    assert row_counts(coordination.databases) == before
    assert await serving(coordination.handle)


async def test_error_details_stay_small_however_many_problems(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "many-problems")
    template = request.household.members[0]
    for i in range(49):
        member = request.household.members.add()
        member.CopyFrom(template)
        member.person_id = f"p{i}"
        member.ssn = "000000000"
        member.ClearField("name")
        member.ClearField("birth_date")
    details = await _refused_whole(coordination, request)
    assert "more" in details.message
    assert 0 < len(details.violations) <= 20


async def test_an_agency_that_refuses_is_reported_as_a_refusal(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "hhs-refuses")
    # Each amount is within the orchestrator's bound; their sum is beyond what HHS accepts.
    for _ in range(3):
        request.household.members[0].incomes.add(
            kind=hh.INCOME_KIND_WAGES, annual_amount_cents=90_000_000_000
        )
    before = row_counts(coordination.databases)
    details = await refused(coordination.orchestrator.SubmitApplication(request), INVALID)
    assert details.reason == "AGENCY_REFUSED"
    assert "hhs" in details.message and "could not be reached" not in details.message
    assert any(v.field.startswith("hhs:") for v in details.violations)
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    assert list(listed.cases) == []
    after = row_counts(coordination.databases)
    # Only audit logs grew, they record who was told what before HHS refused, and
    # Treasury's ledger of the consent proof it honoured before that.
    grown = {table for table, n in after.items() if n != before[table]}
    assert all("audit" in table for table in grown - {"treasury_seen_nonce"})
    # No case holds the person, so only a supervisor may read their report.
    supervisor = coordination.stub_as("sv-1", "supervisor")
    report = await supervisor.GetDisclosureReport(
        pb.GetDisclosureReportRequest(ssn=request.household.members[0].ssn)
    )
    (to_hhs,) = [
        d for d in report.disclosures if d.actor_service == "hhs" and d.outcome != "REQUESTED"
    ]
    assert (to_hhs.outcome, to_hhs.detail) == ("FAILED", "AGENCY_REFUSED: INVALID_ARGUMENT")


async def test_an_agency_that_declines_for_now_leaves_its_programs_pending_and_says_why(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC))
    request = example("chen", "next-year")
    request.plan_year = 2028  # HHS publishes no 2028 figures in this data
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION
    (person,) = case.determinations
    for program in person.programs:
        assert program.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
        (reason,) = program.reasons
        assert reason.code == "AGENCY_REFUSED" and reason.figures["agency"] == "hhs"
        assert "PLAN_YEAR_FIGURES_NOT_LOADED" in reason.message
        assert "could not be reached" not in reason.message


async def test_a_consent_given_on_29_february_runs_until_28_february(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC))
    request = example("chen", "leap-day")
    # USDA holds no figures for FY2028 yet (it would refuse); HHS decides plan year 2027.
    request.programs.remove(det.PROGRAM_SNAP)
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    (consent,) = (
        await coordination.orchestrator.ListConsents(
            pb.ListConsentsRequest(ssn=request.household.members[0].ssn)
        )
    ).consents
    assert consent.case_id == case.case_id
    assert consent.expire_time.ToDatetime().date() == dt.date(2033, 2, 28)


def _largest_application() -> pb.SubmitApplicationRequest:
    """Every list at its cap and every string at its limit, and still a valid application."""
    request = pb.SubmitApplicationRequest(request_id="r" * 128, plan_year=2027)
    request.programs.extend([1, 2, 3, 4])
    household = request.household
    ids = [f"{i:02d}".ljust(limits.MAX_ID_CHARS, "p") for i in range(limits.MAX_HOUSEHOLD_MEMBERS)]
    for i, pid in enumerate(ids):
        member = household.members.add(
            person_id=pid,
            ssn=f"123{10 + i:02d}{1000 + i:04d}",
            citizenship=hh.CITIZENSHIP_STATUS_CITIZEN,
            applying=True,
        )
        member.name.given, member.name.family = "G" * 100, "F" * 100
        member.birth_date.year, member.birth_date.month, member.birth_date.day = 1980, 1, 1
        for _ in range(20):
            member.incomes.add(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=10_000)
        household.tax_units.add(
            tax_unit_id=f"{i:02d}".ljust(limits.MAX_ID_CHARS, "t"),
            filing_status=hh.FILING_STATUS_SINGLE,
            filer_person_ids=[pid],
        )
        grant = request.consents.add(person_id=pid, agencies=["treasury"] * 10)
        grant.facts.extend(f"{j:02d}".ljust(limits.MAX_ID_CHARS, "f") for j in range(20))
    for pid in ids:
        for other in ids:
            if other != pid:
                household.relationships.add(
                    person_id=pid, related_person_id=other, kind=hh.RELATIONSHIP_KIND_UNRELATED
                )
    address = household.address
    address.line1 = address.line2 = address.city = address.zip_code = "A" * 256
    address.state_code, address.county = "TX", "C" * 256
    return request


async def test_the_largest_application_the_limits_allow_is_answered_within_the_message_limit(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    request = _largest_application()
    assert request.ByteSize() < limits.MAX_REQUEST_BYTES
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    stored = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    print(
        f"\nlargest application: request {request.ByteSize():,} B, "
        f"answer {case.ByteSize():,} B, stored case {stored.ByteSize():,} B"
    )
    # A retry reads the stored case back whole: the answer that fit once fits again.
    again = (await coordination.orchestrator.SubmitApplication(request)).case
    assert again.case_id == case.case_id
    assert len(case.determinations) == limits.MAX_HOUSEHOLD_MEMBERS


async def test_a_sweep_is_bounded_by_steps_times_applying_members_so_its_answer_fits(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    household = _largest_application().household
    members = len(household.members)
    sweep = pb.SimulateIncomeSweepRequest(
        household=household,
        programs=[1, 2, 3, 4],
        plan_year=2027,
        person_id=household.members[0].person_id,
        from_annual_cents=0,
        step_cents=100_000,
        to_annual_cents=(whatif.MAX_PERSON_STEPS // members) * 100_000,  # one step too many
    )
    details = await refused(coordination.orchestrator.SimulateIncomeSweep(sweep), INVALID)
    assert fields(details) == {"step_cents"}
    sweep.to_annual_cents -= sweep.step_cents
    answer = await coordination.orchestrator.SimulateIncomeSweep(sweep)
    assert len(answer.steps) * members == whatif.MAX_PERSON_STEPS
    print(f"\nwidest sweep allowed for {members} members: answer {answer.ByteSize():,} B")
