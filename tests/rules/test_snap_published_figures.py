"""SNAP figures against their publications, and the published tables against each other.

Every expected figure carries its source in a comment. Where a table can be recomputed
from another publication by the rule the law states (income standards from the HHS
poverty guidelines, standard deductions from the income standards), the test does so,
which catches a mistyped figure anywhere in a table.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from services.usda.rules import load_parameters, loaded_fiscal_years
from services.usda.rules.figures import Figures

PARAMS = load_parameters()
FY_START = {2025: dt.date(2024, 10, 1), 2026: dt.date(2025, 10, 1), 2027: dt.date(2026, 10, 1)}
STATE_OF = {"contiguous": "TX", "alaska": "AK", "hawaii": "HI"}


def figures(fy: int, region: str) -> Figures:
    return Figures(PARAMS, FY_START[fy], STATE_OF[region])


def dollars(cents: int) -> int:
    assert cents % 100 == 0
    return cents // 100


def test_fiscal_years_2025_to_2027_are_loaded() -> None:
    assert loaded_fiscal_years(PARAMS) == [2025, 2026, 2027]


def test_every_value_has_a_reference_and_covers_its_fiscal_year_only() -> None:
    for name in PARAMS.names():
        for value in PARAMS.history(name):
            assert value.reference.strip(), name
            state_option = (".sua", ".bbce_", ".self_employment.", ".energy_assistance")
            # The time limit changes when the law does (P.L. 119-21 on 2025-07-04), not with COLAs.
            statutory = name == "usda.snap.time_limit"
            cola = not any(part in name for part in state_option) and not statutory
            if cola and value.effective_to is not None:
                # COLA figures end with their fiscal year, so FY2028 is refused, not guessed.
                assert (value.effective_to.month, value.effective_to.day) == (9, 30), name


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        # FNS FY2025 COLA memo (Aug 2, 2024): "The maximum allotment for a family of four
        # in the 48 states and D.C., will be $975."
        (2025, 975),
        # FNS FY2026 COLA memo (Aug 13, 2025): four-person maximum $994.
        (2026, 994),
        # USDA FNA FY2027 COLA memo (Aug 21, 2026), page 4: four-person maximum $1,023.
        (2027, 1023),
    ],
)
def test_four_person_maximum_allotment_in_the_48_states(fy: int, expected: int) -> None:
    assert dollars(figures(fy, "contiguous").max_allotment(4).value) == expected


@pytest.mark.parametrize(
    ("fy", "region", "by_size", "each_additional"),
    [
        # FNS FY2025 COLA memo, Maximum Allotments, 48 states and DC.
        (2025, "contiguous", [292, 536, 768, 975, 1158, 1390, 1536, 1756], 220),
        # FNS FY2026 COLA memo, Maximum Monthly Allotments (48 states and DC, AK Urban, HI).
        (2026, "contiguous", [298, 546, 785, 994, 1183, 1421, 1571, 1789], 218),
        (2026, "alaska", [385, 707, 1015, 1285, 1529, 1838, 2031, 2314], 282),
        (2026, "hawaii", [506, 929, 1334, 1689, 2010, 2415, 2668, 3040], 371),
        # USDA FNA FY2027 COLA memo, page 4, 48 states and DC.
        (2027, "contiguous", [306, 562, 808, 1023, 1217, 1463, 1616, 1841], 225),
        # FNS FY2025 COLA memo (fns.usda.gov/snap/fy-2025-cola), Hawaii.
        (2025, "hawaii", [517, 948, 1357, 1723, 2046, 2456, 2714, 3102], 388),
        # USDA FNA FY2027 COLA memo, pages 4-5, Hawaii.
        (2027, "hawaii", [496, 910, 1307, 1655, 1969, 2367, 2615, 2979], 364),
    ],
)
def test_maximum_allotments_by_household_size(
    fy: int, region: str, by_size: list[int], each_additional: int
) -> None:
    f = figures(fy, region)
    assert [dollars(f.max_allotment(n).value) for n in range(1, 9)] == by_size
    assert dollars(f.max_allotment(10).value) == by_size[-1] + 2 * each_additional


@pytest.mark.parametrize(
    ("fy", "area", "by_size", "each_additional"),
    [
        # FNS FY2025 COLA memo (fns.usda.gov/snap/fy-2025-cola), Alaska Urban, Rural 1, Rural 2.
        (2025, "urban", [377, 692, 991, 1258, 1494, 1793, 1982, 2265], 283),
        (2025, "rural_1", [481, 882, 1263, 1604, 1905, 2287, 2527, 2888], 361),
        (2025, "rural_2", [586, 1074, 1538, 1953, 2319, 2783, 3076, 3516], 440),
        # FNS FY2026 Maximum Allotments and Deductions (snap-fy26maximumAllotments-deductions.pdf).
        (2026, "urban", [385, 707, 1015, 1285, 1529, 1838, 2031, 2314], 282),
        (2026, "rural_1", [491, 901, 1295, 1639, 1950, 2344, 2590, 2950], 360),
        (2026, "rural_2", [598, 1097, 1576, 1995, 2374, 2853, 3152, 3591], 438),
        # USDA FNA FY2027 COLA memo, pages 4-5 (fna.snap-cola2027.pdf).
        (2027, "urban", [392, 718, 1032, 1306, 1555, 1868, 2064, 2352], 287),
        (2027, "rural_1", [499, 916, 1316, 1666, 1982, 2382, 2632, 2999], 366),
        (2027, "rural_2", [608, 1115, 1602, 2027, 2413, 2900, 3204, 3650], 446),
    ],
)
def test_alaska_maximum_allotments_by_area(
    fy: int, area: str, by_size: list[int], each_additional: int
) -> None:
    f = Figures(PARAMS, FY_START[fy], "AK", area)
    assert [dollars(f.max_allotment(n).value) for n in range(1, 9)] == by_size
    assert dollars(f.max_allotment(9).value) == by_size[-1] + each_additional


@pytest.mark.parametrize(
    ("fy", "region", "by_size"),
    [
        # FNS FY2025 COLA memo, Standard Deductions (sizes 1, 2, 3, 4, 5, 6+).
        (2025, "contiguous", [204, 204, 204, 217, 254, 291]),
        (2025, "alaska", [348, 348, 348, 348, 348, 364]),
        (2025, "hawaii", [287, 287, 287, 287, 292, 335]),
        # FNS FY2026 COLA memo, page 2.
        (2026, "contiguous", [209, 209, 209, 223, 261, 299]),
        (2026, "alaska", [358, 358, 358, 358, 358, 374]),
        (2026, "hawaii", [295, 295, 295, 295, 300, 344]),
        # USDA FNA FY2027 COLA memo: "$217 a month for the 48 States and D.C." (1-3).
        (2027, "contiguous", [217, 217, 217, 229, 268, 308]),
        # USDA FNA FY2027 COLA memo and FNS FY2027 Maximum Allotments and Deductions.
        (2027, "alaska", [371, 371, 371, 371, 371, 385]),
        (2027, "hawaii", [306, 306, 306, 306, 309, 354]),
    ],
)
def test_standard_deductions(fy: int, region: str, by_size: list[int]) -> None:
    f = figures(fy, region)
    assert [dollars(f.standard_deduction(n).value) for n in range(1, 7)] == by_size
    # The size-6 figure covers every larger household (7 U.S.C. 2014(e)(1)(A)(i)(II)).
    assert f.standard_deduction(9).value == f.standard_deduction(6).value
    # 7 U.S.C. 2014(e)(1)(A): 8.31% of the net income standard for the size, never below
    # the minimum (the sizes-1-to-3 figure here); FNS rounds the product up.
    floor = by_size[0]
    for n in range(1, 7):
        share = Fraction("0.0831") * dollars(f.net_standard(n).value)
        assert by_size[n - 1] == max(floor, -(-share.numerator // share.denominator))


@pytest.mark.parametrize(
    ("fy", "caps", "homeless"),
    [
        # FNS FY2025 COLA memo: shelter cap $712 (48 states and DC), Alaska $1,137, Hawaii
        # $959; "The maximum homeless shelter deduction will increase to $190.30".
        (2025, {"contiguous": 712, "alaska": 1137, "hawaii": 959}, 19030),
        # FNS FY2026 COLA memo, page 2: $744, $1,189, $1,003; homeless $198.99.
        (2026, {"contiguous": 744, "alaska": 1189, "hawaii": 1003}, 19899),
        # USDA FNA FY2027 COLA memo: $769 (48 states and DC), Alaska $1,229, Hawaii
        # $1,036; homeless $205.66.
        (2027, {"contiguous": 769, "alaska": 1229, "hawaii": 1036}, 20566),
    ],
)
def test_shelter_caps_and_homeless_deduction(fy: int, caps: dict[str, int], homeless: int) -> None:
    for region, cap in caps.items():
        assert dollars(figures(fy, region).shelter_cap().value) == cap
    assert figures(fy, "contiguous").homeless_shelter_deduction().value == homeless


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        # FNS FY2025 memo: "will remain the same at $23"; FY2026: "will increase to $24";
        # USDA FNA FY2027 memo: "will increase to $25".
        (2025, 23),
        (2026, 24),
        (2027, 25),
    ],
)
def test_minimum_benefit_in_the_48_states(fy: int, expected: int) -> None:
    minimum = figures(fy, "contiguous").published_minimum_benefit()
    assert minimum is not None and dollars(minimum.value) == expected


# HHS poverty guidelines (first person, each additional), dollars a year. SNAP's fiscal
# year N uses the guidelines published in January of N-1.
POVERTY_GUIDELINES = {
    # 89 FR 2961 (January 17, 2024)
    2025: {"contiguous": (15060, 5380), "alaska": (18810, 6730), "hawaii": (17310, 6190)},
    # 90 FR 5917 (January 17, 2025)
    2026: {"contiguous": (15650, 5500), "alaska": (19550, 6880), "hawaii": (17990, 6330)},
    # 91 FR 1797 (January 15, 2026)
    2027: {"contiguous": (15960, 5680), "alaska": (19950, 7100), "hawaii": (18360, 6530)},
}


def _monthly(annual: int, percent: int) -> int:
    """7 CFR 273.9(a)(3): percent of the annual guideline, divided by 12, rounded up."""
    return -(-annual * percent // 1200)


@pytest.mark.parametrize("fy", [2025, 2026, 2027])
@pytest.mark.parametrize("region", ["contiguous", "alaska", "hawaii"])
def test_income_standards_are_the_poverty_guidelines_by_the_regulation(
    fy: int, region: str
) -> None:
    first, additional = POVERTY_GUIDELINES[fy][region]
    f = figures(fy, region)
    for n in range(1, 9):
        annual = first + (n - 1) * additional
        assert dollars(f.net_standard(n).value) == _monthly(annual, 100), (n, "net")
        assert dollars(f.gross_standard(n).value) == _monthly(annual, 130), (n, "gross")
    # Beyond 8 members FNS adds the increment, itself rounded up, per member.
    eight_net, eight_gross = f.net_standard(8).value, f.gross_standard(8).value
    assert f.net_standard(10).value == eight_net + 2 * 100 * _monthly(additional, 100)
    assert f.gross_standard(10).value == eight_gross + 2 * 100 * _monthly(additional, 130)


@pytest.mark.parametrize(
    ("fy", "region", "net", "gross"),
    [
        # FNS FY2026 COLA page, Tables 1 and 2 (household of 1, then 4).
        (2026, "contiguous", (1305, 2680), (1696, 3483)),
        (2026, "alaska", (1630, 3350), (2118, 4354)),
        (2026, "hawaii", (1500, 3082), (1949, 4007)),
        # USDA FNA FY2027 COLA memo, page 3.
        (2027, "contiguous", (1330, 2750), (1729, 3575)),
        (2027, "alaska", (1663, 3438), (2162, 4469)),
        (2027, "hawaii", (1530, 3163), (1989, 4112)),
        # FNS FY2025 COLA memo (48 states and DC).
        (2025, "contiguous", (1255, 2600), (1632, 3380)),
    ],
)
def test_published_income_standards(
    fy: int, region: str, net: tuple[int, int], gross: tuple[int, int]
) -> None:
    f = figures(fy, region)
    assert (dollars(f.net_standard(1).value), dollars(f.net_standard(4).value)) == net
    assert (dollars(f.gross_standard(1).value), dollars(f.gross_standard(4).value)) == gross


@pytest.mark.parametrize(
    ("state", "on", "percent"),
    [
        # FNS BBCE chart (updated August 23, 2024), rows read directly.
        ("AL", dt.date(2024, 10, 1), 130),
        ("AZ", dt.date(2024, 10, 1), 185),
        ("CA", dt.date(2026, 11, 1), 200),
        ("GA", dt.date(2026, 11, 1), 130),
        ("ID", dt.date(2026, 11, 1), 130),
        # Alaska DPA BBCE FAQ: 200% from July 1, 2025.
        ("AK", dt.date(2025, 7, 1), 200),
        # Arizona DES: 185% to 200% from benefit month 03/2026.
        ("AZ", dt.date(2026, 3, 1), 200),
    ],
)
def test_bbce_gross_income_limits(state: str, on: dt.date, percent: int) -> None:
    figure = Figures(PARAMS, on, state).bbce_percent()
    assert figure is not None and figure.value == percent


@pytest.mark.parametrize("state", ["AR", "KS", "MO", "MS", "SD", "TN", "UT", "WY"])
def test_states_without_bbce_have_no_limit(state: str) -> None:
    assert Figures(PARAMS, dt.date(2026, 11, 1), state).bbce_percent() is None


def test_alaska_had_no_bbce_before_july_2025() -> None:
    assert Figures(PARAMS, dt.date(2025, 6, 1), "AK").bbce_percent() is None


def test_every_state_and_dc_has_a_bbce_entry() -> None:
    from shared.validation import STATE_CODES

    names = set(PARAMS.names())
    assert {f"usda.snap.bbce_gross_limit_percent.{s}" for s in STATE_CODES} <= names


def test_utility_allowance_follows_a_state_mid_year_change() -> None:
    # Wisconsin's SUA: $553 from October 1, 2025, $870 from May 1, 2026 (FNS FY2026 SUA
    # table, 2026-05-21 release).
    assert Figures(PARAMS, dt.date(2026, 4, 1), "WI").utility_allowance().value == 55300  # type: ignore[union-attr]
    assert Figures(PARAMS, dt.date(2026, 5, 1), "WI").utility_allowance().value == 87000  # type: ignore[union-attr]
    assert Figures(PARAMS, dt.date(2026, 5, 1), "HI").utility_allowance() is None
