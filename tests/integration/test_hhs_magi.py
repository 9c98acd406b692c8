"""HHS computes MAGI from the incomes it is sent and shows how, over real gRPC; Medicaid at
65 or with a disability is referred for a non-MAGI assessment."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.hhs import seed as hhs_seed
from services.hhs.rules import load_parameters
from services.hhs.server import bindings
from services.hhs.tables import TABLES
from shared.consent import generate_subject_key
from shared.db import Database
from shared.errors import details_of

PARAMS = load_parameters()


@pytest.fixture
async def hhs(serve, database_url, clock):  # type: ignore[no-untyped-def]
    database = Database(database_url, TABLES)
    database.create_tables()
    hhs_seed.seed(database)
    handle = await serve(bindings(database, PARAMS, clock, generate_subject_key()))
    async with handle.channel() as channel:
        yield pb_grpc.SubsidyEligibilityServiceStub(channel)
    database.dispose()


def _income(kind: int, dollars: int) -> hh.Income:
    return hh.Income(kind=kind, annual_amount_cents=dollars * 100)


def _member(pid: str, age: int, *incomes: hh.Income, **kw) -> pb.EligibilityMember:  # type: ignore[no-untyped-def]
    kw.setdefault("citizenship", hh.CITIZENSHIP_STATUS_CITIZEN)
    kw.setdefault("applying", True)
    return pb.EligibilityMember(person_id=pid, age=age, incomes=list(incomes), **kw)


def _single(member: pb.EligibilityMember, year: int = 2026) -> pb.DetermineEligibilityRequest:
    return pb.DetermineEligibilityRequest(
        plan_year=year,
        state_code="TX",
        county="Harris",
        members=[member],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t",
                filing_status=hh.FILING_STATUS_SINGLE,
                filer_person_ids=[member.person_id],
            )
        ],
    )


def _program(reply, pid: str, program: int) -> det.ProgramDetermination:  # type: ignore[no-untyped-def]
    person = next(p for p in reply.determinations if p.person_id == pid)
    return next(p for p in person.programs if p.program == program)


async def test_self_employed_magi_is_profit_less_half_the_se_tax_and_the_answer_shows_it(
    hhs,
) -> None:  # type: ignore[no-untyped-def]
    member = _member(
        "p",
        40,
        _income(hh.INCOME_KIND_SELF_EMPLOYMENT, 50_000),
        _income(hh.INCOME_KIND_TAX_EXEMPT_INTEREST, 1_000),
    )
    reply = await hhs.DetermineEligibility(_single(member))
    (magi,) = reply.member_magi
    # 50,000 x 92.35% x 15.3% = 7,064.78 (2026 wage base 184,500 not reached); half 3,532.39.
    assert magi.self_employment_tax_cents == 706_478
    assert magi.self_employment_tax_deduction_cents == 353_239
    assert magi.social_security_wage_base_cents == 18_450_000
    assert magi.magi_cents == 5_000_000 - 353_239 + 100_000
    assert magi.computed_from_incomes
    household = next(h for h in reply.households if h.purpose == pb.HOUSEHOLD_PURPOSE_MARKETPLACE)
    assert household.household_magi_cents == magi.magi_cents
    market = _program(reply, "p", det.PROGRAM_MARKETPLACE)
    shown = market.reasons[-1]
    assert shown.code == "MAGI_FROM_INCOMES"
    assert "164(f)" in shown.citation and "36B(d)(2)(B)" in shown.citation
    assert shown.figures["self_employment_tax_deduction_cents"] == "353239"


async def test_a_dependent_teen_s_wages_count_only_above_the_filing_threshold(hhs) -> None:  # type: ignore[no-untyped-def]
    def family(teen_wages: int) -> pb.DetermineEligibilityRequest:
        return pb.DetermineEligibilityRequest(
            plan_year=2026,
            state_code="TX",
            county="Harris",
            members=[
                _member("mom", 40, _income(hh.INCOME_KIND_WAGES, 30_000)),
                _member("teen", 17, _income(hh.INCOME_KIND_WAGES, teen_wages)),
            ],
            relationships=[
                hh.Relationship(
                    person_id="teen", related_person_id="mom", kind=hh.RELATIONSHIP_KIND_CHILD
                )
            ],
            tax_units=[
                hh.TaxUnit(
                    tax_unit_id="t",
                    filing_status=hh.FILING_STATUS_HEAD_OF_HOUSEHOLD,
                    filer_person_ids=["mom"],
                    dependent_person_ids=["teen"],
                )
            ],
        )

    def mom_household(reply) -> pb.HouseholdFigures:  # type: ignore[no-untyped-def]
        return next(h for h in reply.households if h.person_id == "mom")

    # 2026 (Rev. Proc. 2025-32): a dependent with only wages files above $16,100.
    below = await hhs.DetermineEligibility(family(16_100))
    above = await hhs.DetermineEligibility(family(16_101))
    assert mom_household(below).household_magi_cents == 3_000_000
    assert mom_household(above).household_magi_cents == 3_000_000 + 1_610_100
    teen = next(m for m in above.member_magi if m.person_id == "teen")
    assert (teen.tax_dependent, teen.required_to_file, teen.filing_threshold_cents) == (
        True,
        True,
        1_610_000,
    )
    assert "435.603(d)(2)" in teen.citation
    market = next(h for h in above.households if h.purpose == pb.HOUSEHOLD_PURPOSE_MARKETPLACE)
    assert market.household_magi_cents == 3_000_000 + 1_610_100


@pytest.mark.parametrize(
    ("age", "disabled", "paragraph"),
    [(70, False, "42 CFR 435.603(j)(2)"), (45, True, "42 CFR 435.603(j)(3)")],
)
async def test_aged_or_disabled_person_above_magi_limits_is_referred_for_non_magi_medicaid(
    hhs, age: int, disabled: bool, paragraph: str
) -> None:  # type: ignore[no-untyped-def]
    # Texas has not expanded Medicaid: no MAGI group covers a 45-year-old without children.
    member = _member("p", age, _income(hh.INCOME_KIND_SOCIAL_SECURITY, 14_000), disabled=disabled)
    reply = await hhs.DetermineEligibility(_single(member))
    medicaid = _program(reply, "p", det.PROGRAM_MEDICAID)
    assert medicaid.status == det.DETERMINATION_STATUS_REFERRED
    assert medicaid.reasons[0].code == "MEDICAID_REFERRED_NON_MAGI"
    assert medicaid.reasons[0].citation.startswith(paragraph)


async def test_disabled_person_within_a_magi_limit_is_eligible_not_referred(hhs) -> None:  # type: ignore[no-untyped-def]
    member = _member("p", 45, _income(hh.INCOME_KIND_WAGES, 10_000), disabled=True)
    request = _single(member)
    request.state_code = "CA"
    request.county = "Los Angeles"
    reply = await hhs.DetermineEligibility(request)
    assert _program(reply, "p", det.PROGRAM_MEDICAID).status == det.DETERMINATION_STATUS_ELIGIBLE


async def test_negative_wages_and_a_second_ready_made_magi_are_refused_by_field(hhs) -> None:  # type: ignore[no-untyped-def]
    member = _member("p", 40, _income(hh.INCOME_KIND_WAGES, -5), annual_magi_cents=1_000_000)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.DetermineEligibility(_single(member))
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} == {
        "members[0].incomes[0].annual_amount_cents",
        "members[0].annual_magi_cents",
    }
