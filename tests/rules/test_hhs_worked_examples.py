"""Worked examples reproduced to the dollar.

The stored copies of IRS Publication 974 and the Form 8962 instructions could not be read
from here, so the published examples reproduced are the Treasury regulation's own (26 CFR
1.36B-3(g)(3) and 1.36B-4(a)(4)); the Form 8962 line method (line 5 truncation, lines 7,
8a, 8b) is then walked for a 2026 household with figures from this repository.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

from services.hhs.applicable_percentage import applicable_percentage, whole_percent_of_fpl
from services.hhs.benchmarks import Benchmark, BenchmarkTable
from services.hhs.facts import Citizenship, FilingStatus, HouseholdFacts, Member, TaxUnit
from services.hhs.marketplace import expected_contribution
from services.hhs.results import Program, Status
from services.hhs.rules import determine, load_parameters
from shared.parameters import ParameterSet

# The statutory table before indexing, 26 CFR 1.36B-3(g)(2) / 26 U.S.C. 36B(b)(3)(A)(i) as
# enacted, which the regulation's examples use.
TABLE_2014 = """
hhs.aca.applicable_percentage:
  values:
    - effective_from: 2014-01-01
      effective_to: 2014-12-31
      reference: 26 CFR 1.36B-3(g)(2)
      value:
        - {from: 0, to: 133, initial: 2.0, final: 2.0}
        - {from: 133, to: 150, initial: 3.0, final: 4.0}
        - {from: 150, to: 200, initial: 4.0, final: 6.3}
        - {from: 200, to: 250, initial: 6.3, final: 8.05}
        - {from: 250, to: 300, initial: 8.05, final: 9.5}
        - {from: 300, to: 400, initial: 9.5, final: 9.5}
"""


def test_regulation_example_household_at_210_percent_pays_6_65_percent(tmp_path: Path) -> None:
    # 26 CFR 1.36B-3(g)(3), Example 2: B's household income is 210% of the poverty line; the
    # 200-250% band runs 6.3 -> 8.05; (210 - 200) / 50 = .20; .20 * 1.75 = .35;
    # 6.3 + .35 = 6.65 percent.
    path = tmp_path / "table.yaml"
    path.write_text(TABLE_2014)
    params = ParameterSet.load(path)
    assert applicable_percentage(params, 2014, 210).percent == Fraction("6.65")


def test_regulation_example_contribution_and_credit() -> None:
    # 26 CFR 1.36B-4(a)(4), the reconciliation example: household income $28,747 at an
    # applicable percentage of 5.84% gives a contribution of $1,679 ($28,747 * .0584), and
    # with $7,200 of benchmark premiums for the year a credit of $5,521.
    annual, _monthly = expected_contribution(28_747, Fraction("5.84"))
    assert annual == 1_679
    assert 7_200 - annual == 5_521


def test_form_8962_line_method_for_a_2026_single_filer() -> None:
    # Form 8962 (2026 coverage), walked with this repository's figures:
    #   line 3 household income           $31,000
    #   line 4 poverty line (2025 HHS, 1) $15,650   (90 FR 5917)
    #   line 5 31,000 / 15,650 = 1.9808 -> 198       (drop the fraction)
    #   line 7 4.19 + (6.60 - 4.19) * 48/50 = 6.5036 -> 6.50%   (Rev. Proc. 2025-25)
    #   line 8a 31,000 * .0650 = $2,015
    #   line 8b 2,015 / 12 = 167.92 -> $168
    #   benchmark for one 40-year-old $600.00 -> credit 600 - 168 = $432 a month
    params = load_parameters()
    assert whole_percent_of_fpl(Fraction(31_000 * 100, 15_650)) == 198
    assert applicable_percentage(params, 2026, 198).percent == Fraction("6.50")
    assert expected_contribution(31_000, Fraction("6.50")) == (2_015, 16_800)
    facts = HouseholdFacts(
        plan_year=2026,
        state_code="TX",
        county="Test",
        members=(Member("p1", 40, citizenship=Citizenship.CITIZEN, annual_magi_cents=3_100_000),),
        tax_units=(TaxUnit("t1", FilingStatus.SINGLE, ("p1",)),),
        determined_on=dt.date(2026, 1, 20),
    )
    benchmarks = BenchmarkTable([Benchmark(2026, "TX", "Test", 60_000, 40, "test figure")])
    market = determine(facts, params, benchmarks).person("p1").program(Program.MARKETPLACE)
    assert market.status is Status.ELIGIBLE
    assert market.monthly_benefit_cents == 43_200
    assert market.csr_level == 87
    figures = market.reasons[0].figures
    assert figures["fpl_percent_used"] == "198"
    assert figures["applicable_percentage"] == "6.50"
    assert figures["annual_contribution_cents"] == "201500"
    assert figures["monthly_contribution_cents"] == "16800"
