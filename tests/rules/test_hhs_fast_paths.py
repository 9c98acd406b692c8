"""The HHS rules' shortcuts give what the plain computations give.

The rules remember figures per loaded ParameterSet and do some Fraction arithmetic in whole
numbers; each shortcut here is checked against the straightforward form it replaced, over
generated inputs, and a whole determination from warm memos against one from a freshly
loaded ParameterSet (whose memos are all empty).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.hhs.age_rating import age_factor, member_premiums
from services.hhs.benchmarks import shipped_table
from services.hhs.facts import Citizenship, HouseholdFacts, Member
from services.hhs.marketplace import allocate, expected_contribution
from services.hhs.rules import determine, load_parameters
from shared.magi import IncomeParts
from shared.work_activity import WorkActivity
from tests.rules.test_hhs_properties import households

PARAMS = load_parameters()
SHIPPED = shipped_table()


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def test_the_shipped_table_finds_what_a_walk_over_its_rows_finds() -> None:
    from services.hhs.benchmarks import load_counties, load_premiums, pick

    premiums = load_premiums()
    for place in load_counties()[::7]:
        for year in (2024, 2025, 2026, 2027):
            assert SHIPPED.find(year, place.state_code, place.county) == pick(
                year, place, premiums, place.county
            )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10_000_000),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 200_000), min_size=1),
)
def test_allocation_matches_largest_remainder_in_fractions(
    total: int, weights: dict[str, int]
) -> None:
    weight_sum = sum(weights.values())
    parts = allocate(total, weights)
    assert sum(parts.values()) == total
    if weight_sum == 0:
        return
    shares = {p: Fraction(total * w, weight_sum) for p, w in weights.items()}
    floors = {p: s.numerator // s.denominator for p, s in shares.items()}
    left = total - sum(floors.values())
    for p in sorted(shares, key=lambda p: (-(shares[p] - floors[p]), p))[:left]:
        floors[p] += 1
    assert parts == floors


@settings(max_examples=300, deadline=None)
@given(st.integers(-1_000_000, 10_000_000), st.fractions(0, 20, max_denominator=10_000))
def test_expected_contribution_matches_rounding_in_fractions(
    income_dollars: int, percent: Fraction
) -> None:
    annual = _half_up(max(income_dollars, 0) * percent / 100)
    assert expected_contribution(income_dollars, percent) == (
        annual,
        _half_up(Fraction(annual, 12)) * 100,
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([2025, 2026, 2027]),
    st.sampled_from(["TX", "NY", "VT", "MN", "UT", "DC", "AL"]),
    st.integers(1, 500_000),
    st.integers(0, 64),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 90), min_size=1),
)
def test_age_rated_premiums_match_rounding_in_fractions(
    year: int, state: str, quoted: int, quoted_age: int, ages: dict[str, int]
) -> None:
    got = member_premiums(PARAMS, year, quoted, quoted_age, ages, state)
    basis = age_factor(PARAMS, year, quoted_age, state)
    for pid, age in ages.items():
        if got[pid]:
            assert got[pid] == _half_up(quoted * age_factor(PARAMS, year, age, state) / basis)


@st.composite
def full_members(draw: st.DrawFn) -> Member:
    """Every field away from its default, so a field dropped or moved would show."""
    return Member(
        person_id=draw(st.text("abc", min_size=1, max_size=3)),
        age=draw(st.integers(0, 90)),
        pregnant=draw(st.booleans()),
        expected_children=draw(st.integers(0, 8)),
        citizenship=draw(st.sampled_from(list(Citizenship))),
        annual_magi_cents=draw(st.integers(-(10**6), 10**7)),
        applying=draw(st.booleans()),
        offered_affordable_employer_coverage=draw(st.booleans()),
        employer_self_only_monthly_premium_cents=draw(st.integers(0, 10**5)),
        medicaid_barred_by_immigration_status=draw(st.booleans()),
        disabled=draw(st.booleans()),
        incomes=IncomeParts(wages_cents=draw(st.integers(0, 10**7))),
        required_to_file=draw(st.booleans()),
        work_activity=WorkActivity(work_hours=draw(st.integers(0, 200)), reported=True),
        monthly_earned_income_cents=draw(st.integers(0, 10**6)),
    )


@settings(max_examples=100, deadline=None)
@given(full_members(), st.integers(-(10**6), 10**7), st.booleans())
def test_a_member_with_their_income_is_what_replace_gives(
    member: Member, magi: int, required: bool
) -> None:
    assert member.with_income(magi, required) == dataclasses.replace(
        member, annual_magi_cents=magi, required_to_file=required
    )
    facts = HouseholdFacts(2026, "TX", "Harris", (member,), determined_on=dt.date(2026, 5, 1))
    changed = facts.with_members((member.with_income(magi, required),))
    assert changed == dataclasses.replace(facts, members=changed.members)
    assert changed.member(member.person_id).annual_magi_cents == magi


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households(), st.sampled_from(["Harris", "Miami-Dade", "Anchorage", "Nowhere"]))
def test_a_determination_from_warm_memos_equals_one_from_cold(
    facts: HouseholdFacts, county: str
) -> None:
    facts = dataclasses.replace(facts, county=county)
    warm = determine(facts, PARAMS, SHIPPED)
    # A ParameterSet loaded afresh shares no memo with PARAMS: every figure is read anew.
    assert determine(facts, load_parameters(), SHIPPED) == warm


def _record_classes() -> list[type]:
    """Every class the HHS rules declare with ``@record`` (a fast constructor)."""
    import importlib
    import pkgutil

    import services.hhs

    found = []
    for info in pkgutil.iter_modules(services.hhs.__path__):
        module = importlib.import_module(f"services.hhs.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and "__plain_init__" in vars(value)
            ):
                found.append(value)
    return found


RECORDS = _record_classes()


def test_the_hot_results_and_facts_are_records() -> None:
    names = {cls.__name__ for cls in RECORDS}
    assert {"Member", "HouseholdFacts", "Reason", "ProgramResult", "HouseholdFigures"} <= names


def _field_values(cls: type, name: str) -> st.SearchStrategy[object]:
    if cls is HouseholdFacts and name == "members":
        # Indexed by person id after construction, so they must be members.
        people = st.builds(Member, person_id=st.text("abc", max_size=2), age=st.integers(0, 90))
        return st.lists(people, max_size=3).map(tuple)
    return st.integers() | st.text(max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RECORDS), st.data())
def test_a_record_is_built_as_its_dataclass_constructor_builds_it(
    cls: type, data: st.DataObject
) -> None:
    fields = [f for f in dataclasses.fields(cls) if f.init]
    values = {f.name: data.draw(_field_values(cls, f.name), label=f.name) for f in fields}
    # Some fields left to their defaults (a default or a factory), given by keyword.
    omitted = {
        f.name
        for f in fields
        if (f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
        and data.draw(st.booleans(), label=f"omit {f.name}")
    }
    keywords = {k: v for k, v in values.items() if k not in omitted}
    plain = object.__new__(cls)
    cls.__plain_init__(plain, **keywords)
    fast = cls(**keywords)
    assert vars(fast) == vars(plain)
    assert fast == plain
    positional = cls(*(values[f.name] for f in fields))
    plain_positional = object.__new__(cls)
    cls.__plain_init__(plain_positional, *(values[f.name] for f in fields))
    assert vars(positional) == vars(plain_positional)
    name = fields[0].name
    try:
        setattr(fast, name, 0)
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError(f"{cls.__name__} accepted an assignment")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([2024, 2025, 2026, 2027]),
    st.integers(-(10**7), 10**8),
    st.integers(1, 10**7),
)
def test_csr_levels_compared_in_whole_numbers_match_fractions(
    year: int, income: int, line: int
) -> None:
    from services.hhs.marketplace import CSR_BANDS, csr_level

    percent = Fraction(income * 100, line)
    expected = 0
    for band in PARAMS.get(CSR_BANDS, dt.date(year, 1, 1)):
        low, high = Fraction(band["above"]), Fraction(band["to"])
        above = percent >= low if band.get("includes_floor") else percent > low
        if above and percent <= high:
            expected = int(band["level"])
            break
    assert csr_level(PARAMS, year, percent) == expected


# Incomes exactly on a limit are where a rounding shortcut would differ: drawn on purpose.
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([2025, 2026, 2027]),
    st.sampled_from(["TX", "NY", "CA", "FL", "WI", "GA", "AK", "DC"]),
    st.integers(1, 9),
    st.integers(0, 60),
    st.booleans(),
    st.integers(-(10**6), 2 * 10**7) | st.sampled_from([0, 1]),
)
def test_medicaid_and_chip_limits_compared_in_whole_numbers_match_fractions(
    year: int, state: str, size: int, age: int, pregnant: bool, income: int
) -> None:
    from services.hhs import medicaid, poverty
    from services.hhs.households import kinship

    on = dt.date(year, 1, 1)
    line = poverty.poverty_line(PARAMS, state, size, on)
    member = Member("p", age, pregnant=pregnant)
    facts = HouseholdFacts(year, state, "Harris", (member,))
    groups = medicaid.groups_for(facts, kinship(facts), PARAMS, member, on)
    # Draws of 0 and 1 put the income at the first group's limit, or a cent above it.
    if groups and income in (0, 1):
        on_limit = groups[0].limit * line.cents / 100
        income = on_limit.numerator // on_limit.denominator + income
    percent = line.percent_of(income)
    figures = {"percent_of_poverty_line": "x"}
    got = medicaid._medicaid(member, groups, (income * 100, line.cents), figures, state)
    within = [g for g in groups if percent <= g.limit]
    if not groups:
        return
    if within:
        assert got.reasons[0].figures["group"] == within[0].name
    else:
        best = max(groups, key=lambda g: g.limit)
        assert got.reasons[0].figures.get("group", best.name) == best.name


@settings(max_examples=400, deadline=None)
@given(
    st.integers(-(10**6), 5 * 10**7) | st.integers(43_000, 44_000),
    st.integers(-(10**6), 5 * 10**7) | st.sampled_from([0, 16_860_000, 17_610_000]),
    st.sampled_from([2024, 2025, 2026, 2027]),
)
def test_self_employment_tax_in_whole_numbers_matches_fractions(
    profit: int, wages: int, year: int
) -> None:
    from shared import magi as magi_rules

    params = magi_rules.parameters()
    tax, _, _ = magi_rules.self_employment_tax_cents(profit, wages, year, params)
    assert tax == magi_rules.self_employment_tax_fractions(profit, wages, year, params)
    if tax:
        share = magi_rules._se_figures(params, year).deductible_share
        assert magi_rules._deduction(params, year, tax) == magi_rules._half_up(share * tax)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([2024, 2025, 2026, 2027]),
    st.integers(1, 200_000),
    st.integers(-(10**6), 5 * 10**7),
)
def test_employer_affordability_in_whole_numbers_matches_fractions(
    year: int, premium: int, income: int
) -> None:
    from decimal import Decimal

    from services.hhs.marketplace import REQUIRED_CONTRIBUTION, person_bar
    from services.hhs.results import Program, ProgramResult, Status

    threshold = Fraction(Decimal(str(PARAMS.get(REQUIRED_CONTRIBUTION, dt.date(year, 1, 1)))))
    # Odd draws put the premium exactly on the limit, where a rounding shortcut would differ.
    if premium % 2:
        multiple = premium % 50 + 1
        premium = multiple * threshold.numerator
        income = 1200 * multiple * threshold.denominator
    limit = Fraction(max(income, 0)) * threshold / 100
    member = Member("p", 40, employer_self_only_monthly_premium_cents=premium)
    none = ProgramResult(Program.MEDICAID, Status.INELIGIBLE, ())
    bar = person_bar(PARAMS, year, member, none, none, income)
    assert (bar is not None) == (premium * 12 <= limit)
    if bar is not None:
        assert bar.figures["affordability_limit_cents"] == str(_half_up(limit))
