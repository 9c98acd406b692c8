"""A birthday after coverage began does not move the Marketplace premium's age rating when
the case is determined again during the plan year: an issuer keeps the age at the policy's
issue for its year (45 CFR 147.102(a)(1)(iii)), so the benchmark premium behind the credit
keeps it too (26 CFR 1.36B-3(e)). A renewal into the next year rates the new year on
1 January; a member who joins during the year is rated from the day they joined. Real
servers over gRPC.

The Rivera household of Houston applies for 2026 on 15 October, when Jose (born 2 November
1986) is 39; a raise is reported on 20 November, when he is 40.
"""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request

APPLIED = dt.datetime(2026, 10, 15, 15, 0, tzinfo=dt.UTC)
REPORTED = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _premium_figures(case: pb.Case, person_id: str) -> dict[str, str]:
    person = next(d for d in case.determinations if d.person_id == person_id)
    market = next(p for p in person.programs if p.program == det.PROGRAM_MARKETPLACE)
    reason = next(r for r in market.reasons if "member_benchmark_monthly_cents" in r.figures)
    return dict(reason.figures)


async def _applied_and_raised(coordination, clock) -> tuple[pb.Case, pb.Case]:  # type: ignore[no-untyped-def]
    clock.set(APPLIED)
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), "rating-age")
    request.plan_year = 2026
    applied = (await coordination.orchestrator.SubmitApplication(request)).case
    clock.set(REPORTED)
    raise_ = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=11, day=20),
        person_id="maria",
        incomes=[
            household_pb2.Income(
                kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=2_500_000
            )
        ],
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="maria-raise", case_id=applied.case_id, event=raise_)
    )
    return applied, reply.case


async def test_a_change_after_a_birthday_keeps_the_premium_of_the_age_at_coverage_start(  # type: ignore[no-untyped-def]
    coordination, clock
) -> None:
    applied, changed = await _applied_and_raised(coordination, clock)
    before, after = _premium_figures(applied, "jose"), _premium_figures(changed, "jose")
    assert before["age"] == "39"
    assert "age_on_determined_on" not in before
    # 40 on the change's day, still rated at 39: the same premium as when coverage began.
    assert (after["age"], after["age_on_determined_on"]) == ("39", "40")
    assert after["member_benchmark_monthly_cents"] == before["member_benchmark_monthly_cents"]
    # The raise did move the credit: the household's contribution went up.
    assert after["monthly_contribution_cents"] != before["monthly_contribution_cents"]
    # What HHS was told: Jose aged 40, his premium rated at 39; Maria (36 all year) as is.
    members = _sent_to_hhs(coordination)
    assert (members["jose"].age, members["jose"].premium_age) == (40, 39)
    assert not members["maria"].HasField("premium_age")
    # A renewal starts the next policy year on 1 January, when he is 40.
    renewed = await coordination.orchestrator.RenewCase(
        pb.RenewCaseRequest(request_id="renew-2027", case_id=changed.case_id, plan_year=2027)
    )
    figures = _premium_figures(renewed.case, "jose")
    assert figures["age"] == "40"
    assert "age_on_determined_on" not in figures


def _sent_to_hhs(coordination) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The members of the last request the orchestrator sent HHS, by person."""
    sent = [
        r for m, r in coordination.recorders["hhs"].requests if m.endswith("/DetermineEligibility")
    ][-1]
    return {m.person_id: m for m in sent.members}


def _day(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


async def test_a_member_who_joined_during_the_year_is_rated_from_their_own_day(  # type: ignore[no-untyped-def]
    coordination, clock
) -> None:
    """Applied on 2 March; Lena (born 10 June 2020) adopted on 1 August, aged 6 (5 when
    coverage began); a raise reported on 20 November. The later redetermination reads the
    day she joined back from the case's record of changes."""
    clock.set(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), "rated-join")
    request.plan_year = 2026
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    clock.set(dt.datetime(2026, 8, 3, 15, 0, tzinfo=dt.UTC))
    lena = household_pb2.Person(
        person_id="lena",
        ssn="412558377",
        name=household_pb2.PersonName(given="Lena", family="Rivera"),
        birth_date=_day(dt.date(2020, 6, 10)),
        citizenship=household_pb2.CITIZENSHIP_STATUS_CITIZEN,
        applying=True,
    )
    adoption = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_ADOPTION,
        effective_date=_day(dt.date(2026, 8, 1)),
        person_id="maria",
        new_member=lena,
    )
    await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="lena", case_id=case.case_id, event=adoption)
    )
    assert not _sent_to_hhs(coordination)["lena"].HasField("premium_age")
    clock.set(REPORTED)
    raise_ = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_day(REPORTED.date()),
        person_id="maria",
        incomes=[
            household_pb2.Income(
                kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=2_500_000
            )
        ],
    )
    await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="raise", case_id=case.case_id, event=raise_)
    )
    members = _sent_to_hhs(coordination)
    # Lena: 6 since she joined, so rated at her age; Jose: 39 on 2 March, 40 now.
    assert (members["lena"].age, members["lena"].HasField("premium_age")) == (6, False)
    assert (members["jose"].age, members["jose"].premium_age) == (40, 39)
