"""Marketplace financial help for one tax unit: who is in the coverage family, the advance
premium tax credit (APTC) and the cost-sharing reduction (CSR) level.

APTC = age-rated benchmark premium of the coverage family (services.hhs.benchmark_choice
says which figure: published, the caller's, or an estimate that leaves the answer pending) - the expected monthly
contribution (household income x applicable percentage / 12), never below zero
(26 U.S.C. 36B(b)(2)-(3); 26 CFR 1.36B-3(d)). Money follows Form 8962: household income in
whole dollars, the annual contribution rounded to whole dollars (line 8a), the monthly one
(line 8b) too. The household APTC is shared among the coverage family in proportion to
each member's age-rated premium, so the per-person amounts add up to it exactly.

A person is left out of the coverage family when not lawfully present, eligible for Medicaid
or CHIP, offered affordable employer coverage, or 65 or older (Medicare is assumed; this
service is not told of Medicare entitlement). The whole unit gets no credit when it files
married-separately, or its income is below 100% of the poverty line (unless a filer is
lawfully present and barred from Medicaid by immigration status: then income is treated as
100%, 36B(c)(1)(B)), or above the 400% cap in years that have one. "Eligible" here means
eligible for the credit, even when its amount is zero.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction

from services.hhs import poverty
from services.hhs.age_rating import age_factor, member_premiums
from services.hhs.applicable_percentage import (
    ApplicablePercentage,
    applicable_percentage,
    half_up,
    whole_percent_of_fpl,
)
from services.hhs.benchmark_choice import Chosen, choose
from services.hhs.benchmarks import BenchmarkSource
from services.hhs.facts import Citizenship, FilingStatus, HouseholdFacts, Member, TaxUnit
from services.hhs.households import tax_household
from services.hhs.records import record
from services.hhs.results import (
    Basis,
    HouseholdFigures,
    Program,
    ProgramResult,
    Purpose,
    Reason,
    Status,
    percent_text,
)
from shared.parameters import ParameterSet, ParameterValue

INCOME_LIMITS = "hhs.aca.income_limits"
REQUIRED_CONTRIBUTION = "hhs.aca.required_contribution_percentage"
CSR_BANDS = "hhs.aca.csr_bands"
MEDICARE_AGE = "hhs.aca.medicare_age"


def _ineligible(*reasons: Reason) -> ProgramResult:
    return ProgramResult(Program.MARKETPLACE, Status.INELIGIBLE, tuple(reasons))


# Figures every household of a plan year reads, parsed once per loaded ParameterSet (which
# never changes). Each is its own memo so a missing figure fails where it is first needed.
@functools.lru_cache(maxsize=256)
def _medicare_age(params: ParameterSet, plan_year: int) -> int:
    return int(params.get(MEDICARE_AGE, dt.date(plan_year, 1, 1)))


@functools.lru_cache(maxsize=256)
def _required_contribution(
    params: ParameterSet, plan_year: int
) -> tuple[ParameterValue, Fraction, str]:
    entry = params.entry(REQUIRED_CONTRIBUTION, dt.date(plan_year, 1, 1))
    threshold = Fraction(Decimal(str(entry.value)))
    return entry, threshold, percent_text(threshold)


@functools.lru_cache(maxsize=256)
def _csr_bands(
    params: ParameterSet, plan_year: int
) -> tuple[tuple[int, int, int, int, bool, int], ...]:
    """Each band as (above: numerator, denominator; to: numerator, denominator; whether
    ``above`` itself is in the band; the level)."""
    bands = []
    for band in params.get(CSR_BANDS, dt.date(plan_year, 1, 1)):
        low, high = Fraction(band["above"]), Fraction(band["to"])
        bands.append(
            (
                low.numerator,
                low.denominator,
                high.numerator,
                high.denominator,
                bool(band.get("includes_floor")),
                int(band["level"]),
            )
        )
    return tuple(bands)


@functools.lru_cache(maxsize=256)
def _income_limits(
    params: ParameterSet, plan_year: int
) -> tuple[ParameterValue, object, object, Fraction, Fraction | None]:
    """The year's entry, its floor and cap as written (for texts), and both exactly."""
    entry = params.entry(INCOME_LIMITS, dt.date(plan_year, 1, 1))
    floor, cap = entry.value["floor"], entry.value["cap"]
    return entry, floor, cap, _exact(floor), None if cap is None else _exact(cap)


def _exact(value: object) -> Fraction:
    return Fraction(Decimal(str(value)))


@functools.lru_cache(maxsize=8192)
def _applicable(
    params: ParameterSet, plan_year: int, fpl_percent: int
) -> tuple[ApplicablePercentage, str]:
    ap = applicable_percentage(params, plan_year, fpl_percent)
    return ap, percent_text(ap.percent)


@functools.lru_cache(maxsize=8192)
def _age_factor_text(params: ParameterSet, plan_year: int, age: int, state_code: str) -> str:
    return str(float(age_factor(params, plan_year, age, state_code)))


# Bars that show no figure: one instance each (reasons are never changed).
_NOT_LAWFULLY_PRESENT = Reason(
    "NOT_LAWFULLY_PRESENT",
    "Only citizens and lawfully present people may enroll through the Marketplace.",
    "45 CFR 155.305(a)(1); 26 U.S.C. 36B(e)",
)
_ELIGIBLE_FOR = {
    program: Reason(
        f"ELIGIBLE_FOR_{program}",
        f"Eligible for {program.title() if program == 'MEDICAID' else program}, which is "
        "minimum essential coverage, so no premium tax credit.",
        "26 U.S.C. 36B(c)(2)(B); 26 CFR 1.36B-2(c)(2); 45 CFR 155.305(f)(1)(ii)(B)",
    )
    for program in ("MEDICAID", "CHIP")
}


def person_bar(
    params: ParameterSet,
    plan_year: int,
    member: Member,
    medicaid: ProgramResult,
    chip: ProgramResult,
    household_income_cents: int | None,
) -> Reason | None:
    """Why this person cannot be in a coverage family, if anything bars them."""
    if member.citizenship is Citizenship.NOT_LAWFULLY_PRESENT:
        return _NOT_LAWFULLY_PRESENT
    if medicaid.status is Status.ELIGIBLE:
        return _ELIGIBLE_FOR["MEDICAID"]
    if chip.status is Status.ELIGIBLE:
        return _ELIGIBLE_FOR["CHIP"]
    medicare_age = _medicare_age(params, plan_year)
    if member.age >= medicare_age:
        return Reason(
            "ASSUMED_MEDICARE_ELIGIBLE",
            f"At {medicare_age} or older a person is taken to be eligible for Medicare, "
            "which bars the premium tax credit.",
            "26 U.S.C. 36B(c)(2)(B); 26 U.S.C. 5000A(f)(1)(A)(i)",
            {"age": str(member.age)},
        )
    # Read first, whatever the answer, so a year without the figure fails here as before.
    threshold_entry, threshold, threshold_text = _required_contribution(params, plan_year)
    affordable = member.offered_affordable_employer_coverage
    premium = member.employer_self_only_monthly_premium_cents
    # Most people have neither an offer nor a premium: no figures to build.
    if not affordable and premium <= 0:
        return None
    figures = {"required_contribution_percentage": threshold_text}
    if premium > 0 and household_income_cents is not None:
        # The limit, income x threshold / 100, as limit_num / limit_den in whole numbers.
        limit_num = max(household_income_cents, 0) * threshold.numerator
        limit_den = 100 * threshold.denominator
        affordable = premium * 12 * limit_den <= limit_num
        figures |= {
            "employer_self_only_annual_premium_cents": str(premium * 12),
            "affordability_limit_cents": str(half_up(limit_num, limit_den)),
        }
    if affordable:
        return Reason(
            "AFFORDABLE_EMPLOYER_COVERAGE",
            "Offered employer coverage costing no more than "
            f"{threshold_text}% of household income, so no premium tax credit.",
            f"26 U.S.C. 36B(c)(2)(C); 26 CFR 1.36B-2(c)(3)(v); {threshold_entry.reference}",
            figures,
        )
    return None


def csr_level(params: ParameterSet, plan_year: int, percent: Fraction) -> int:
    return _csr_level(params, plan_year, percent.numerator, percent.denominator)


def _csr_level(params: ParameterSet, plan_year: int, num: int, den: int) -> int:
    """csr_level for the percentage num / den (den > 0), compared by cross-multiplying."""
    for low_num, low_den, high_num, high_den, includes_floor, level in _csr_bands(
        params, plan_year
    ):
        scaled, low = num * low_den, low_num * den
        above = scaled >= low if includes_floor else scaled > low
        if above and num * high_den <= high_num * den:
            return level
    return 0


def _csr_reason(level: int, percent: Fraction, text: str | None = None) -> Reason:
    """``text`` is ``percent`` as percent_text gives it, when the caller has it already."""
    if text is None:
        text = percent_text(percent)
    if level:
        return Reason(
            f"CSR_{level}",
            f"Household income of {text}% of the poverty line qualifies for the "
            f"{level}% actuarial value silver plan.",
            "45 CFR 155.305(g)(2); 45 CFR 156.420(a)",
            {"csr_level": str(level), "percent_of_poverty_line": text},
        )
    return Reason(
        "CSR_NONE",
        "Cost-sharing reductions stop above 250% of the poverty line.",
        "45 CFR 155.305(g)(2)",
        {"percent_of_poverty_line": text},
    )


def expected_contribution(income_dollars: int, percent: Fraction) -> tuple[int, int]:
    """(annual contribution in whole dollars, monthly contribution in cents): Form 8962
    lines 8a and 8b, each rounded to a whole dollar."""
    annual_dollars = half_up(max(income_dollars, 0) * percent.numerator, 100 * percent.denominator)
    return annual_dollars, half_up(annual_dollars, 12) * 100


def allocate(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` so the parts add up to it exactly
    (largest remainder; ties go to the lower person id, so order never matters)."""
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        ids = sorted(weights)
        return {pid: (total if i == 0 else 0) for i, pid in enumerate(ids)}
    # Every share is total * w / weight_sum: its whole part and remainder in integers, so the
    # largest remainder is the largest numerator left over (one common denominator).
    parts, left_over = {}, {}
    for pid, w in weights.items():
        parts[pid], left_over[pid] = divmod(total * w, weight_sum)
    left = total - sum(parts.values())
    if left:
        for pid in sorted(left_over, key=lambda p: (-left_over[p], p))[:left]:
            parts[pid] += 1
    return parts


@record
class UnitOutcome:
    results: dict[str, ProgramResult]
    figures: HouseholdFigures


def determine_unit(
    facts: HouseholdFacts,
    params: ParameterSet,
    unit: TaxUnit,
    benchmarks: BenchmarkSource,
    medicaid: Mapping[str, ProgramResult],
    chip: Mapping[str, ProgramResult],
) -> UnitOutcome:
    year = facts.plan_year
    household = tax_household(facts, unit)
    line = poverty.poverty_line(
        params, facts.state_code, household.size, poverty.marketplace_date(params, year)
    )
    income_dollars = half_up(household.magi_cents, 100)
    percent, percent_shown = poverty.percent_and_text(household.magi_cents, line.cents)
    # The same percentage in whole numbers, for comparisons.
    num, den = household.magi_cents * 100, line.cents
    base = {
        "tax_unit_id": unit.tax_unit_id,
        "family_size": str(household.size),
        "household_income_cents": str(household.magi_cents),
        "poverty_line_cents": str(line.cents),
        "poverty_guideline_year": str(line.guideline_year),
        "percent_of_poverty_line": percent_shown,
    }
    applying = [pid for pid in unit.members if facts.member(pid).applying]
    results: dict[str, ProgramResult] = {}
    family: list[str] = []
    for pid in applying:
        bar = person_bar(
            params, year, facts.member(pid), medicaid[pid], chip[pid], household.magi_cents
        )
        if bar is None:
            family.append(pid)
        else:
            results[pid] = _ineligible(bar)

    limits_entry, floor, cap, exact_floor, exact_cap = _income_limits(params, year)
    below_floor = num * exact_floor.denominator < exact_floor.numerator * den
    exception = any(
        facts.member(f).citizenship is Citizenship.LAWFULLY_PRESENT
        and facts.member(f).medicaid_barred_by_immigration_status
        for f in unit.filers
    )
    unit_bar: Reason | None = None
    if unit.filing_status is FilingStatus.MARRIED_FILING_SEPARATELY:
        unit_bar = Reason(
            "MARRIED_FILING_SEPARATELY",
            "Married people must file jointly to get the premium tax credit.",
            "26 U.S.C. 36B(c)(1)(C); 26 CFR 1.36B-2(b)(2)",
            base,
        )
    elif below_floor and not exception:
        unit_bar = Reason(
            "INCOME_BELOW_POVERTY_LINE",
            f"Household income is {percent_shown}% of the poverty line, below the "
            f"{floor}% floor for the premium tax credit.",
            f"26 U.S.C. 36B(c)(1)(A); 26 CFR 1.36B-2(b)(1); {line.reference}",
            {**base, "floor_percent_of_poverty_line": str(floor)},
        )
    elif exact_cap is not None and num * exact_cap.denominator > exact_cap.numerator * den:
        unit_bar = Reason(
            "INCOME_ABOVE_CAP",
            f"Household income is {percent_shown}% of the poverty line, above the "
            f"{cap}% limit for the premium tax credit in {year}.",
            f"26 U.S.C. 36B(c)(1)(A); {limits_entry.reference}",
            {**base, "cap_percent_of_poverty_line": str(cap)},
        )
    if unit_bar is not None:
        results.update({pid: _ineligible(unit_bar) for pid in family})
        family = []

    # The unit's figures, built once at whichever return is reached.
    figures = functools.partial(
        HouseholdFigures,
        purpose=Purpose.MARKETPLACE,
        members=household.members,
        size=household.size,
        magi_cents=household.magi_cents,
        poverty_line_cents=line.cents,
        poverty_guideline_year=line.guideline_year,
        percent_of_poverty_line=percent,
        tax_unit_id=unit.tax_unit_id,
    )
    if not family:
        return UnitOutcome(results, figures())

    # A filer barred from Medicaid by immigration status: income is taken as at least the floor.
    raised = exception and below_floor
    effective = exact_floor if raised else percent
    if raised:
        fpl_percent, level = whole_percent_of_fpl(effective), csr_level(params, year, effective)
    else:
        fpl_percent, level = num // den, _csr_level(params, year, num, den)
    ap, ap_shown = _applicable(params, year, fpl_percent)
    annual_dollars, monthly_contribution = expected_contribution(income_dollars, ap.percent)
    # The CSR reason shows the percentage used: the household's own unless raised to the floor.
    effective_shown = None if raised else percent_shown
    notes = {
        **base,
        "fpl_percent_used": str(ap.fpl_percent_used),
        "applicable_percentage": ap_shown,
        "applicable_percentage_band": ap.band,
        "annual_contribution_cents": str(annual_dollars * 100),
        "monthly_contribution_cents": str(monthly_contribution),
        "coverage_family": ",".join(sorted(family)),
    }
    extra: list[Reason] = []
    if exception and below_floor:
        extra.append(
            Reason(
                "LAWFULLY_PRESENT_BELOW_POVERTY_LINE",
                "A filer is lawfully present and barred from Medicaid by immigration status, so "
                f"household income is treated as {floor}% of the poverty line.",
                "26 U.S.C. 36B(c)(1)(B); 26 CFR 1.36B-2(b)(5)",
                notes,
            )
        )
    chosen = choose(facts, params, benchmarks)
    if chosen is None:
        missing = Reason(
            "NO_BENCHMARK_DATA",
            f"No benchmark premium is held for {facts.county}, {facts.state_code} in {year}, so "
            "the credit's amount cannot be computed yet.",
            "26 U.S.C. 36B(b)(3)(B); 26 CFR 1.36B-3(f)",
            notes,
        )
        for pid in family:
            results[pid] = ProgramResult(
                Program.MARKETPLACE,
                Status.PENDING_VERIFICATION,
                (missing, *extra, _csr_reason(level, effective, effective_shown)),
                0,
                level,
            )
        return UnitOutcome(
            results,
            _with_credit(figures, family, 0, ap.percent, monthly_contribution, 0),
        )

    # Rated on each member's age at the start of their coverage for the year, which the
    # policy keeps (45 CFR 147.102(a)(1)(iii)); the adjusted benchmark premium is that
    # policy's premium adjusted only for age (26 CFR 1.36B-3(e)). The bars above read
    # the age on the answer's day: Medicare at 65 does not wait for the policy's renewal.
    ages = {pid: facts.member(pid).rating_age for pid in family}
    state = facts.state_code
    premiums = member_premiums(
        params, year, chosen.monthly_premium_cents, chosen.age_basis, ages, state
    )
    family_premium = sum(premiums.values())
    aptc = max(family_premium - monthly_contribution, 0)
    shares = allocate(aptc, premiums)
    estimate = chosen.basis is Basis.ESTIMATE
    # What every member's reason says alike, worked out once for the family.
    label = "Estimated benchmark" if estimate else "Benchmark"
    code = "APTC_COMPUTED" if aptc > 0 else "APTC_ZERO_CONTRIBUTION_COVERS_BENCHMARK"
    message = (
        f"{label} ${family_premium / 100:,.2f}/month minus expected contribution "
        f"${monthly_contribution / 100:,.2f}/month ({ap_shown}% of "
        f"${income_dollars:,} a year) gives a household credit of ${aptc / 100:,.2f}/month"
        + (" (an estimate)." if estimate else ".")
    )
    citation = (
        f"26 U.S.C. 36B(b)(2)-(3); 26 CFR 1.36B-3(d), (g); {ap.reference}; {chosen.reference}"
    )
    family_figures = {
        **notes,
        "benchmark_basis": chosen.basis.value,
        "benchmark_source": chosen.source,
        "rating_area": chosen.rating_area,
        "benchmark_quoted_monthly_cents": str(chosen.monthly_premium_cents),
        "benchmark_quoted_age": str(chosen.age_basis),
    }
    family_benchmark, household_aptc = str(family_premium), str(aptc)
    status = Status.PENDING_VERIFICATION if estimate else Status.ELIGIBLE
    csr = _csr_reason(level, effective, effective_shown)
    for pid in family:
        figures_for = {
            **family_figures,
            "age": str(ages[pid]),
            **_answer_day_age(facts.member(pid)),
            "age_factor": _age_factor_text(params, year, ages[pid], state),
            "member_benchmark_monthly_cents": str(premiums[pid]),
            "family_benchmark_monthly_cents": family_benchmark,
            "household_monthly_aptc_cents": household_aptc,
            "member_monthly_aptc_cents": str(shares[pid]),
        }
        reason = Reason(code, message, citation, figures_for)
        # An estimate leads, so a one-line summary of the answer says it is one.
        reasons = (*chosen.notes, reason) if estimate else (reason, *chosen.notes)
        results[pid] = ProgramResult(
            Program.MARKETPLACE, status, (*reasons, *extra, csr), shares[pid], level
        )
    return UnitOutcome(
        results,
        _with_credit(
            figures,
            family,
            family_premium,
            ap.percent,
            monthly_contribution,
            aptc,
            chosen,
        ),
    )


def _answer_day_age(member: Member) -> dict[str, str]:
    """The member's age on the answer's day, shown beside the rating age when they differ."""
    if member.rating_age == member.age:
        return {}
    return {"age_on_determined_on": str(member.age)}


def _with_credit(
    figures: Callable[..., HouseholdFigures],
    family: list[str],
    benchmark: int,
    percent: Fraction,
    contribution: int,
    aptc: int,
    chosen: Chosen | None = None,
) -> HouseholdFigures:
    return figures(
        coverage_person_ids=tuple(sorted(family)),
        benchmark_monthly_premium_cents=benchmark,
        applicable_percentage=percent,
        expected_monthly_contribution_cents=contribution,
        monthly_aptc_cents=aptc,
        benchmark_basis=Basis.NONE if chosen is None else chosen.basis,
        rating_area="" if chosen is None else chosen.rating_area,
        benchmark_source="" if chosen is None else chosen.source,
    )


def no_tax_unit(
    member: Member,
    medicaid: ProgramResult,
    chip: ProgramResult,
    params: ParameterSet,
    plan_year: int,
) -> ProgramResult:
    bar = person_bar(params, plan_year, member, medicaid, chip, None)
    if bar is not None:
        return _ineligible(bar)
    return _ineligible(
        Reason(
            "NOT_IN_A_TAX_HOUSEHOLD",
            "The premium tax credit goes to tax filers and their dependents; this person is in "
            "no tax unit of the request.",
            "26 U.S.C. 36B(c)(1)(A); 26 CFR 1.36B-2(b)(1); 45 CFR 155.305(f)(4)",
        )
    )
