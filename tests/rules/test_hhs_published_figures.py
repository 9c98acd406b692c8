"""HHS parameters against the published figures they come from (citation beside each)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from services.hhs import poverty
from services.hhs.age_rating import age_factor
from services.hhs.applicable_percentage import applicable_percentage
from services.hhs.marketplace import csr_level
from services.hhs.rules import load_parameters

PARAMS = load_parameters()


def _line(year: int, state: str, size: int) -> int:
    # The guidelines of calendar year `year`, read on a day they are in force.
    return poverty.poverty_line(PARAMS, state, size, dt.date(year, 6, 1)).cents


@pytest.mark.parametrize(
    ("year", "state", "size", "dollars"),
    [
        # 88 FR 3424 (Jan 19, 2023): 48 states 1 = $14,580, 4 = $30,000; AK 1 = $18,210; HI 1 = $16,770
        (2023, "TX", 1, 14_580),
        (2023, "TX", 4, 30_000),
        (2023, "AK", 1, 18_210),
        (2023, "HI", 1, 16_770),
        # 89 FR 2961 (Jan 17, 2024): 48 states 1 = $15,060, 4 = $31,200, 8 = $52,720; AK 1 = $18,810; HI 1 = $17,310
        (2024, "OH", 1, 15_060),
        (2024, "OH", 4, 31_200),
        (2024, "OH", 8, 52_720),
        (2024, "AK", 1, 18_810),
        (2024, "HI", 1, 17_310),
        # 90 FR 5917 (Jan 17, 2025): 48 states 1 = $15,650, 2 = $21,150, 4 = $32,150; AK 1 = $19,550; HI 1 = $17,990
        (2025, "DC", 1, 15_650),
        (2025, "DC", 2, 21_150),
        (2025, "DC", 4, 32_150),
        (2025, "AK", 1, 19_550),
        (2025, "HI", 1, 17_990),
        # 91 FR 1797 (Jan 15, 2026), as posted by ASPE: 48 states 1 = $15,960 ... 8 = $55,720;
        # AK 1 = $19,950, 8 = $69,650; HI 1 = $18,360, 8 = $64,070
        (2026, "GA", 1, 15_960),
        (2026, "GA", 3, 27_320),
        (2026, "GA", 4, 33_000),
        (2026, "GA", 8, 55_720),
        (2026, "AK", 1, 19_950),
        (2026, "AK", 4, 41_250),
        (2026, "AK", 8, 69_650),
        (2026, "HI", 1, 18_360),
        (2026, "HI", 4, 37_950),
        (2026, "HI", 8, 64_070),
    ],
)
def test_poverty_guideline_matches_the_federal_register(
    year: int, state: str, size: int, dollars: int
) -> None:
    assert _line(year, state, size) == dollars * 100


def test_households_over_eight_add_the_published_increment() -> None:
    # 91 FR 1797: "add $5,680 for each additional person" (AK $7,100, HI $6,530)
    assert _line(2026, "TX", 10) - _line(2026, "TX", 9) == 568_000
    assert _line(2026, "AK", 10) - _line(2026, "AK", 9) == 710_000
    assert _line(2026, "HI", 10) - _line(2026, "HI", 9) == 653_000


@pytest.mark.parametrize(
    ("plan_year", "guideline_year"), [(2025, 2024), (2026, 2025), (2027, 2026)]
)
def test_marketplace_plan_year_uses_guidelines_published_the_year_before(
    plan_year: int, guideline_year: int
) -> None:
    # 26 U.S.C. 36B(d)(3)(B): the line most recently published when open enrollment began (Nov 1)
    on = poverty.marketplace_date(PARAMS, plan_year)
    assert on == dt.date(plan_year - 1, 11, 1)
    assert poverty.poverty_line(PARAMS, "TX", 1, on).guideline_year == guideline_year


def test_medicaid_uses_the_guidelines_in_force_on_the_determination_day() -> None:
    # 42 CFR 435.4; the 2026 guidelines took effect January 13, 2026 (91 FR 1797)
    before = poverty.medicaid_date(2026, dt.date(2026, 1, 12))
    after = poverty.medicaid_date(2026, dt.date(2026, 1, 13))
    assert poverty.poverty_line(PARAMS, "TX", 1, before).guideline_year == 2025
    assert poverty.poverty_line(PARAMS, "TX", 1, after).guideline_year == 2026
    # A determination in November 2026 for plan year 2027 still uses 2026's guidelines.
    assert poverty.medicaid_date(2027, dt.date(2026, 11, 25)) == dt.date(2027, 1, 1)


@pytest.mark.parametrize(
    ("year", "fpl", "percent"),
    [
        # Rev. Proc. 2025-25 sec. 3.01 (2026): <133% 2.10; 133-150 3.14-4.19; 150-200 4.19-6.60;
        # 200-250 6.60-8.44; 250-300 8.44-9.96; 300-400 9.96
        (2026, 100, "2.10"),
        (2026, 132, "2.10"),
        (2026, 133, "3.14"),
        (2026, 150, "4.19"),
        (2026, 200, "6.60"),
        (2026, 250, "8.44"),
        (2026, 300, "9.96"),
        (2026, 400, "9.96"),
        # Rev. Proc. 2026-26 (2027): <133% 2.15; 133-150 3.23-4.30; 150-200 4.30-6.78;
        # 200-250 6.78-8.66; 250-300 8.66-10.22; 300-400 10.22
        (2027, 100, "2.15"),
        (2027, 133, "3.23"),
        (2027, 150, "4.30"),
        (2027, 200, "6.78"),
        (2027, 250, "8.66"),
        (2027, 300, "10.22"),
        (2027, 400, "10.22"),
        # 26 U.S.C. 36B(b)(3)(A)(iii) (ARPA sec. 9661, IRA sec. 12001), 2024 and 2025:
        # <150% 0; 150-200 0-2; 200-250 2-4; 250-300 4-6; 300-400 6-8.5; 400%+ 8.5
        (2025, 149, "0"),
        (2025, 200, "2"),
        (2025, 250, "4"),
        (2025, 300, "6"),
        (2025, 400, "8.5"),
        (2025, 600, "8.5"),
        (2024, 175, "1"),
    ],
)
def test_applicable_percentage_endpoints(year: int, fpl: int, percent: str) -> None:
    assert applicable_percentage(PARAMS, year, fpl).percent == Fraction(percent)


def test_applicable_percentage_interpolates_and_rounds_to_hundredths() -> None:
    # 26 CFR 1.36B-3(g)(1): linear within the band, rounded to the nearest 0.01%.
    # 2026, 175%: 4.19 + (6.60 - 4.19) * 25/50 = 5.395 -> 5.40
    assert applicable_percentage(PARAMS, 2026, 175).percent == Fraction("5.40")
    # 2027, 140%: 3.23 + (4.30 - 3.23) * 7/17 = 3.6705... -> 3.67
    assert applicable_percentage(PARAMS, 2027, 140).percent == Fraction("3.67")


@pytest.mark.parametrize(
    ("year", "percent", "source"),
    [
        (2024, "8.39", "Rev. Proc. 2023-29"),
        (2025, "9.02", "Rev. Proc. 2024-35"),
        (2026, "9.96", "Rev. Proc. 2025-25"),
        (2027, "10.22", "Rev. Proc. 2026-26"),
    ],
)
def test_required_contribution_percentage(year: int, percent: str, source: str) -> None:
    entry = PARAMS.entry("hhs.aca.required_contribution_percentage", dt.date(year, 1, 1))
    assert Fraction(str(entry.value)) == Fraction(percent)
    assert source in entry.reference


@pytest.mark.parametrize(("year", "cap"), [(2024, None), (2025, None), (2026, 400), (2027, 400)])
def test_the_400_percent_cap_applies_again_from_2026(year: int, cap: int | None) -> None:
    # 26 U.S.C. 36B(c)(1)(E) suspended the cap for 2021-2025 (ARPA 9661, IRA 12001).
    limits = PARAMS.get("hhs.aca.income_limits", dt.date(year, 1, 1))
    assert (limits["floor"], limits["cap"]) == (100, cap)


def test_a_plan_year_without_published_tables_has_no_parameters() -> None:
    from shared.parameters import ParameterError

    with pytest.raises(ParameterError):
        PARAMS.entry("hhs.aca.applicable_percentage", dt.date(2028, 1, 1))


@pytest.mark.parametrize(
    ("percent", "level"),
    [
        # 45 CFR 155.305(g)(2): 100-150% -> 94; 150-200% -> 87; 200-250% -> 73; above -> none
        (Fraction(100), 94),
        (Fraction(150), 94),
        (Fraction(15001, 100), 87),
        (Fraction(200), 87),
        (Fraction(20001, 100), 73),
        (Fraction(250), 73),
        (Fraction(25001, 100), 0),
        (Fraction(9999, 100), 0),
    ],
)
def test_csr_bands(percent: Fraction, level: int) -> None:
    assert csr_level(PARAMS, 2027, percent) == level


@pytest.mark.parametrize(
    ("age", "factor"),
    [
        # CMS, Guidance Regarding Age Curves and State Reporting (Dec 16, 2016), Appendix I
        (0, "0.765"),
        (14, "0.765"),
        (15, "0.833"),
        (20, "0.970"),
        (21, "1.000"),
        (24, "1.000"),
        (30, "1.135"),
        (40, "1.278"),
        (50, "1.786"),
        (60, "2.714"),
        (63, "2.952"),
        (64, "3.000"),
        (80, "3.000"),
    ],
)
def test_federal_default_age_curve(age: int, factor: str) -> None:
    assert age_factor(PARAMS, 2027, age) == Fraction(factor)


def test_every_parameter_value_is_dated_and_cited() -> None:
    for name in PARAMS.names():
        for value in PARAMS.history(name):
            assert value.reference.strip(), name
            assert value.effective_from <= (value.effective_to or dt.date.max), name
