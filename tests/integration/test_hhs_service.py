"""HHS subsidy eligibility over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import delete
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.cli.main import app as elig
from services.hhs import seed as hhs_seed
from services.hhs.benchmarks import load_premiums
from services.hhs.held_benchmarks import HeldBenchmarks
from services.hhs.repository import count_benchmarks, find_benchmark
from services.hhs.rules import load_parameters
from services.hhs.server import SERVICE_NAME, bindings, open_database
from services.hhs.tables import TABLES, AreaBenchmarkPremium, CountyRatingArea
from shared.consent import generate_subject_key
from shared.db import Database
from shared.errors import details_of
from shared.settings import load_settings

PARAMS = load_parameters()


@pytest.fixture
def db(database_url):  # type: ignore[no-untyped-def]
    database = Database(database_url, TABLES)
    database.create_tables()
    hhs_seed.seed(database)
    yield database
    database.dispose()


@pytest.fixture
async def channel(serve, db, clock):  # type: ignore[no-untyped-def]
    handle = await serve(bindings(db, PARAMS, clock, generate_subject_key()))
    async with handle.channel() as ch:
        yield ch


@pytest.fixture
def hhs(channel):  # type: ignore[no-untyped-def]
    return pb_grpc.SubsidyEligibilityServiceStub(channel)


@pytest.fixture
async def polling_hhs(serve, db, clock):  # type: ignore[no-untyped-def]
    """HHS as `server.build` runs it: the benchmarks it holds checked against the database
    on a beat (a short one here, so the test does not wait long)."""
    held = HeldBenchmarks(db)
    loop = asyncio.create_task(held.run_forever(0.05))
    handle = await serve(bindings(db, PARAMS, clock, generate_subject_key(), held))
    async with handle.channel() as ch:
        yield pb_grpc.SubsidyEligibilityServiceStub(ch)
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)


def _member(pid: str, age: int, magi: int = 0, **kw) -> pb.EligibilityMember:  # type: ignore[no-untyped-def]
    kw.setdefault("citizenship", hh.CITIZENSHIP_STATUS_CITIZEN)
    kw.setdefault("applying", True)
    return pb.EligibilityMember(person_id=pid, age=age, annual_magi_cents=magi, **kw)


def _rivera(plan_year: int, county: str = "Harris") -> pb.DetermineEligibilityRequest:
    # The Rivera household of the synthetic population: joint return, AGI $41,200, two
    # children; ages on January 1, 2025.
    return pb.DetermineEligibilityRequest(
        plan_year=plan_year,
        state_code="TX",
        county=county,
        members=[
            _member("maria", 35, 2_060_000),
            _member("jose", 38, 2_060_000),
            _member("sofia", 9),
            _member("mateo", 5),
        ],
        relationships=[
            hh.Relationship(
                person_id="maria", related_person_id="jose", kind=hh.RELATIONSHIP_KIND_SPOUSE
            ),
            hh.Relationship(
                person_id="sofia", related_person_id="maria", kind=hh.RELATIONSHIP_KIND_CHILD
            ),
            hh.Relationship(
                person_id="mateo", related_person_id="maria", kind=hh.RELATIONSHIP_KIND_CHILD
            ),
            hh.Relationship(
                person_id="sofia", related_person_id="jose", kind=hh.RELATIONSHIP_KIND_CHILD
            ),
            hh.Relationship(
                person_id="mateo", related_person_id="jose", kind=hh.RELATIONSHIP_KIND_CHILD
            ),
        ],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t1",
                filing_status=hh.FILING_STATUS_MARRIED_FILING_JOINTLY,
                filer_person_ids=["maria", "jose"],
                dependent_person_ids=["sofia", "mateo"],
            )
        ],
    )


def _program(
    reply: pb.DetermineEligibilityResponse, pid: str, program: int
) -> det.ProgramDetermination:
    person = next(p for p in reply.determinations if p.person_id == pid)
    return next(p for p in person.programs if p.program == program)


async def test_family_gets_medicaid_for_the_children_and_a_credit_from_the_stored_benchmark(
    hhs, db
) -> None:  # type: ignore[no-untyped-def]
    reply = await hhs.DetermineEligibility(_rivera(2025))
    for kid in ("sofia", "mateo"):
        assert (
            _program(reply, kid, det.PROGRAM_MEDICAID).status == det.DETERMINATION_STATUS_ELIGIBLE
        )
    # 2025: 41,200 / 31,200 (2024 guidelines, family of 4) = 132%: ARPA 0% contribution, so
    # the credit is the whole benchmark of rating area 10, age-rated from 0 (CMS default
    # curve: 0-14 -> 0.765, 35 -> 1.222, 38 -> 1.246; 45 CFR 147.102(e)).
    with db.session() as session:
        stored = find_benchmark(session, 2025, "TX", "Harris")
    assert stored is not None and (stored.age_basis, stored.rating_area) == (0, "10")
    expected = round(stored.monthly_premium_cents * 1.222 / 0.765) + round(
        stored.monthly_premium_cents * 1.246 / 0.765
    )
    credits = [_program(reply, p, det.PROGRAM_MARKETPLACE) for p in ("maria", "jose")]
    assert all(c.status == det.DETERMINATION_STATUS_ELIGIBLE for c in credits)
    assert sum(c.monthly_benefit_cents for c in credits) == expected
    assert {c.csr_level for c in credits} == {det.CSR_LEVEL_94}
    household = next(h for h in reply.households if h.purpose == pb.HOUSEHOLD_PURPOSE_MARKETPLACE)
    assert (household.household_size, household.poverty_line_cents) == (4, 3_120_000)
    assert household.poverty_guideline_year == 2024
    assert household.monthly_aptc_cents == expected
    reason = credits[0].reasons[0]
    assert reason.code == "APTC_COMPUTED"
    assert "36B" in reason.citation
    assert reason.figures["poverty_line_cents"] == "3120000"


async def test_county_without_benchmark_data_is_pending_not_guessed(hhs) -> None:  # type: ignore[no-untyped-def]
    reply = await hhs.DetermineEligibility(_rivera(2027, county="Nowhere"))
    market = _program(reply, "maria", det.PROGRAM_MARKETPLACE)
    assert market.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
    assert market.reasons[0].code == "NO_BENCHMARK_DATA"
    assert market.monthly_benefit_cents == 0


def _household(reply: pb.DetermineEligibilityResponse) -> pb.HouseholdFigures:
    return next(h for h in reply.households if h.purpose == pb.HOUSEHOLD_PURPOSE_MARKETPLACE)


async def test_2027_without_a_published_benchmark_is_a_labelled_pending_estimate(hhs) -> None:  # type: ignore[no-untyped-def]
    reply = await hhs.DetermineEligibility(_rivera(2027))
    household = _household(reply)
    assert household.benchmark_basis == pb.BENCHMARK_BASIS_ESTIMATE
    assert household.rating_area == "10"
    market = _program(reply, "maria", det.PROGRAM_MARKETPLACE)
    assert market.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
    assert market.reasons[0].code == "BENCHMARK_ESTIMATED"
    assert market.monthly_benefit_cents > 0


async def test_a_callers_benchmark_with_its_source_answers_2027(hhs) -> None:  # type: ignore[no-untyped-def]
    request = _rivera(2027)
    request.benchmark_premium.CopyFrom(
        hh.BenchmarkPremiumQuote(
            monthly_premium_cents=60_000, age=40, source="HealthCare.gov 2027 window shopping"
        )
    )
    reply = await hhs.DetermineEligibility(request)
    household = _household(reply)
    assert household.benchmark_basis == pb.BENCHMARK_BASIS_CALLER_SUPPLIED
    assert "window shopping" in household.benchmark_source
    market = _program(reply, "maria", det.PROGRAM_MARKETPLACE)
    assert market.status == det.DETERMINATION_STATUS_ELIGIBLE


async def test_a_callers_benchmark_without_a_source_is_refused(hhs) -> None:  # type: ignore[no-untyped-def]
    request = _rivera(2027)
    request.benchmark_premium.CopyFrom(hh.BenchmarkPremiumQuote(monthly_premium_cents=0, age=200))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.DetermineEligibility(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} == {
        "benchmark_premium.monthly_premium_cents",
        "benchmark_premium.age",
        "benchmark_premium.source",
    }


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "qhp_landscape_2027_sample.csv"


async def _published_2027(hhs) -> pb.DetermineEligibilityResponse:  # type: ignore[no-untyped-def]
    """The answer once the running server holds the loaded figures; it checks on its own
    beat, so this asks until it does (and fails if it never does)."""
    for _ in range(400):
        reply = await hhs.DetermineEligibility(_rivera(2027))
        if _household(reply).benchmark_basis == pb.BENCHMARK_BASIS_PUBLISHED:
            return reply
        await asyncio.sleep(0.05)
    raise AssertionError("the running server never used the loaded 2027 figures")


async def test_loading_the_2027_plan_file_turns_the_estimate_into_the_published_figure(
    polling_hhs, database_url
) -> None:  # type: ignore[no-untyped-def]
    hhs = polling_hhs
    before = _household(await hhs.DetermineEligibility(_rivera(2027)))
    assert before.benchmark_basis == pb.BENCHMARK_BASIS_ESTIMATE
    result = CliRunner().invoke(
        elig,
        [
            "data",
            "load-benchmarks",
            str(SAMPLE),
            "--plan-year",
            "2027",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 counties" in result.output
    reply = await _published_2027(hhs)
    after = _household(reply)
    assert after.benchmark_basis == pb.BENCHMARK_BASIS_PUBLISHED
    assert "22222TX0010002" in after.benchmark_source
    # The synthetic file's Harris benchmark is $340.00 at age 0: 35 and 38 on the default
    # curve (1.222, 1.246 against 0.765) make $543.11 + $553.78.
    assert after.benchmark_monthly_premium_cents == 54_311 + 55_378
    market = _program(reply, "maria", det.PROGRAM_MARKETPLACE)
    assert market.status == det.DETERMINATION_STATUS_ELIGIBLE


async def test_benchmarks_are_held_in_memory_and_read_again_only_after_a_load(
    hhs, db, database_url
) -> None:  # type: ignore[no-untyped-def]
    held = HeldBenchmarks(db)
    assert not await held.refresh()
    result = CliRunner().invoke(
        elig,
        ["data", "load-benchmarks", str(SAMPLE), "--plan-year", "2027"]
        + ["--database-url", database_url],
    )
    assert result.exit_code == 0, result.output
    assert held.table.find(2027, "TX", "Harris") is None
    assert await held.refresh()
    found = held.table.find(2027, "TX", "Harris")
    assert found is not None and found.monthly_premium_cents == 34_000
    assert not await held.refresh()
    # With the tables gone, a server that read them per call could not answer; this one
    # answers from what it holds.
    before = await hhs.DetermineEligibility(_rivera(2025))
    with db.session() as session:
        session.exec(delete(AreaBenchmarkPremium))  # type: ignore[call-overload]
        session.exec(delete(CountyRatingArea))  # type: ignore[call-overload]
    after = await hhs.DetermineEligibility(_rivera(2025))
    assert _household(after).benchmark_basis == pb.BENCHMARK_BASIS_PUBLISHED
    assert after == before


def test_loading_a_file_naming_an_unknown_county_changes_nothing(
    db, database_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(SAMPLE.read_text().replace("48157,Fort Bend", "48999,Nowhere"))
    result = CliRunner().invoke(
        elig,
        [
            "data",
            "load-benchmarks",
            str(bad),
            "--plan-year",
            "2027",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "48999" in result.output
    with db.session() as session:
        assert find_benchmark(session, 2027, "TX", "Harris") is None


async def test_plan_year_2027_is_answerable_during_open_enrollment(hhs) -> None:  # type: ignore[no-untyped-def]
    reply = await hhs.DetermineEligibility(_rivera(2027))
    household = next(h for h in reply.households if h.purpose == pb.HOUSEHOLD_PURPOSE_MARKETPLACE)
    assert household.poverty_guideline_year == 2026
    assert household.poverty_line_cents == 3_300_000  # 91 FR 1797: $33,000 for four
    market = _program(reply, "maria", det.PROGRAM_MARKETPLACE)
    assert market.status in (
        det.DETERMINATION_STATUS_ELIGIBLE,
        det.DETERMINATION_STATUS_PENDING_VERIFICATION,
    )
    assert market.csr_level == det.CSR_LEVEL_94


async def test_a_bad_request_lists_every_problem(hhs) -> None:  # type: ignore[no-untyped-def]
    request = pb.DetermineEligibilityRequest(
        plan_year=1999,
        state_code="ZZ",
        members=[_member("a", 40), _member("a", 200), _member("b", 30, citizenship=0)],
        relationships=[
            hh.Relationship(
                person_id="a", related_person_id="ghost", kind=hh.RELATIONSHIP_KIND_SPOUSE
            )
        ],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t1",
                filing_status=hh.FILING_STATUS_SINGLE,
                filer_person_ids=["a"],
                dependent_person_ids=["nobody"],
            )
        ],
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.DetermineEligibility(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} == {
        "plan_year",
        "state_code",
        "members[1].person_id",
        "members[1].age",
        "members[2].citizenship",
        "relationships[0].related_person_id",
        "tax_units[0].dependent_person_ids[0]",
    }


async def test_health_reports_serving(channel) -> None:  # type: ignore[no-untyped-def]
    health = health_pb2_grpc.HealthStub(channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_start_up_seeds_an_empty_database_once(database_url) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings("hhs", database_url=database_url)
    rows = len(load_premiums())
    first = open_database(settings)
    second = open_database(settings)
    with second.session() as session:
        assert count_benchmarks(session) == rows
    first.dispose()
    second.dispose()


def test_seeding_again_replaces_rather_than_duplicates(db) -> None:  # type: ignore[no-untyped-def]
    hhs_seed.seed(db)
    with db.session() as session:
        assert count_benchmarks(session) == len(load_premiums())


def _medicaid_guideline_year(reply: pb.DetermineEligibilityResponse) -> int:
    years = {h.poverty_guideline_year for h in reply.households if h.person_id == "sofia"}
    assert len(years) == 1
    return years.pop()


async def test_medicaid_uses_the_guidelines_of_the_day_the_caller_names(hhs, clock) -> None:  # type: ignore[no-untyped-def]
    """Medicaid measures income against the guidelines in force on the day of the answer:
    the 2026 guidelines from 13 January 2026 (91 FR 1797), the 2025 ones before
    (90 FR 5917). HHS's own day is the test clock's, 25 November 2026."""
    assert clock.now().date() == dt.date(2026, 11, 25)
    assert _medicaid_guideline_year(await hhs.DetermineEligibility(_rivera(2026))) == 2026
    request = _rivera(2026)
    request.determined_on.CopyFrom(date_pb2.Date(year=2026, month=1, day=5))
    assert _medicaid_guideline_year(await hhs.DetermineEligibility(request)) == 2025


async def test_a_day_outside_the_plan_year_is_refused(hhs) -> None:  # type: ignore[no-untyped-def]
    for day, problem in (
        (date_pb2.Date(year=2027, month=1, day=1), "must fall in plan year 2026"),
        (date_pb2.Date(year=2026, month=2, day=30), "is not a real calendar date"),
    ):
        request = _rivera(2026)
        request.determined_on.CopyFrom(day)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await hhs.DetermineEligibility(request)
        details = details_of(caught.value)
        assert details.code == grpc.StatusCode.INVALID_ARGUMENT
        assert [(v.field, v.description) for v in details.violations] == [
            ("determined_on", problem)
        ]


async def test_a_premium_age_rates_the_premium_and_a_wrong_one_is_refused(hhs) -> None:  # type: ignore[no-untyped-def]
    # Jose is 38 on the answer's day; rated at 37, his age when coverage began, the
    # default curve's 1.238 instead of 1.246 lowers his benchmark and so the credit
    # (2025: a 0% contribution at this income, so the credit is the whole benchmark).
    unset = await hhs.DetermineEligibility(_rivera(2025))
    request = _rivera(2025)
    request.members[1].premium_age = 37
    kept = await hhs.DetermineEligibility(request)
    before = _program(unset, "jose", det.PROGRAM_MARKETPLACE).reasons[0].figures
    after = _program(kept, "jose", det.PROGRAM_MARKETPLACE).reasons[0].figures
    assert (before["age"], after["age"], after["age_on_determined_on"]) == ("38", "37", "38")
    assert int(after["member_benchmark_monthly_cents"]) < int(
        before["member_benchmark_monthly_cents"]
    )
    request.members[1].premium_age = 36
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.DetermineEligibility(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details.violations] == ["members[1].premium_age"]
