"""The income tests: broad-based categorical eligibility, gross income, net income.

Households without an elderly or disabled member must pass both the gross (130% of
poverty) and the net (100%) test; households with one take the net test only (7 U.S.C.
2014(c); 7 CFR 273.9(a)). A household categorically eligible through a state's BBCE
takes neither (7 CFR 273.2(j)(2)), unless its state keeps the net test for BBCE
households; a state may set a separate BBCE limit, or none, for households with an elderly
or disabled member (state_options.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.usda.rules.citing import cite, dollars
from services.usda.rules.facts import Reason
from services.usda.rules.figures import Figure, Figures
from services.usda.rules.household import HouseholdSummary


@dataclass(frozen=True)
class Categorical:
    applies: bool
    reason: Reason
    net_test_kept: bool = False


def _limit_percent(summary: HouseholdSummary, figures: Figures) -> tuple[Figure | None, str]:
    """The BBCE limit that binds this household, and whose limit it is."""
    percent = figures.bbce_percent()
    if percent is None or not summary.elderly_or_disabled:
        return percent, ""
    separate = figures.bbce_elderly_disabled_percent()
    if separate is None or separate.value is None:
        return percent, ""
    return separate, " for households with an elderly or disabled member"


def _net_test_kept(summary: HouseholdSummary, figures: Figures) -> bool:
    option = figures.bbce_net_income_test()
    if option is None:
        return False
    key = "applies_elderly_disabled" if summary.elderly_or_disabled else "applies"
    return bool(option.value.get(key, False))


def broad_based(summary: HouseholdSummary, figures: Figures) -> Categorical:
    percent, whose = _limit_percent(summary, figures)
    if percent is not None and percent.value == "NO_LIMIT":
        kept = _net_test_kept(summary, figures)
        return Categorical(
            True,
            Reason(
                "CATEGORICALLY_ELIGIBLE_BBCE",
                f"{figures.state_code}'s broad-based categorical eligibility sets no gross "
                f"income limit{whose}, so the household is eligible without the gross income "
                "and asset tests" + (" (the state keeps the net income test)." if kept else "."),
                cite("7 CFR 273.2(j)(2)", percent),
                {
                    "bbce_gross_limit_percent": "none",
                    "gross_income_cents": str(summary.gross_cents),
                },
            ),
            kept,
        )
    if percent is None:
        return Categorical(
            False,
            Reason(
                "NO_BROAD_BASED_CATEGORICAL_ELIGIBILITY",
                f"{figures.state_code} does not use broad-based categorical eligibility; the "
                "federal income tests apply.",
                "7 CFR 273.2(j)(2); USDA FNS, Broad-Based Categorical Eligibility chart",
                {},
            ),
        )
    net_standard = figures.net_standard(summary.size)
    # The state's percent of the poverty line, applied to FNS's monthly poverty line for
    # the size (the net standard) and rounded up to a whole dollar.
    limit = -(-(net_standard.value // 100) * percent.value // 100) * 100
    values = {
        "bbce_gross_limit_percent": str(percent.value),
        "bbce_gross_limit_cents": str(limit),
        "gross_income_cents": str(summary.gross_cents),
        "net_income_standard_cents": str(net_standard.value),
    }
    citation = cite("7 CFR 273.2(j)(2)", percent, net_standard)
    if summary.gross_cents <= limit:
        kept = _net_test_kept(summary, figures)
        values["net_income_test_kept"] = str(kept).lower()
        tests = (
            "the gross income and asset tests; the state keeps the net income test"
            if kept
            else "the income and asset tests"
        )
        return Categorical(
            True,
            Reason(
                "CATEGORICALLY_ELIGIBLE_BBCE",
                f"Gross income of {dollars(summary.gross_cents)} is within "
                f"{figures.state_code}'s broad-based categorical eligibility limit{whose} of "
                f"{percent.value}% of poverty ({dollars(limit)}), so the household is "
                f"eligible without {tests}.",
                citation,
                values,
            ),
            kept,
        )
    return Categorical(
        False,
        Reason(
            "BBCE_GROSS_LIMIT_EXCEEDED",
            f"Gross income of {dollars(summary.gross_cents)} is above {figures.state_code}'s "
            f"broad-based categorical eligibility limit{whose} of {percent.value}% of poverty "
            f"({dollars(limit)}); the federal income tests apply.",
            citation,
            values,
        ),
    )


def gross_test(
    summary: HouseholdSummary, figures: Figures, categorical: bool
) -> tuple[bool, Reason]:
    law = "7 U.S.C. 2014(c)(2); 7 CFR 273.9(a)(1)"
    if categorical:
        return True, Reason(
            "GROSS_INCOME_TEST_NOT_APPLIED",
            "A categorically eligible household takes no gross income test.",
            "7 CFR 273.2(j)(2)",
            {"gross_income_cents": str(summary.gross_cents)},
        )
    if summary.elderly_or_disabled:
        return True, Reason(
            "GROSS_INCOME_TEST_EXEMPT",
            "A household with an elderly or disabled member takes no gross income test.",
            "7 U.S.C. 2014(c); 7 CFR 273.9(a)",
            {"gross_income_cents": str(summary.gross_cents)},
        )
    standard = figures.gross_standard(summary.size)
    values = {
        "gross_income_cents": str(summary.gross_cents),
        "gross_income_standard_cents": str(standard.value),
        "poverty_line_percent": "130",
    }
    if summary.gross_cents <= standard.value:
        return True, Reason(
            "GROSS_INCOME_WITHIN_LIMIT",
            f"Gross income of {dollars(summary.gross_cents)} is within the limit of "
            f"{dollars(standard.value)} (130% of poverty) for a household of {summary.size}.",
            cite(law, standard),
            values,
        )
    return False, Reason(
        "GROSS_INCOME_ABOVE_LIMIT",
        f"Gross income of {dollars(summary.gross_cents)} is above the limit of "
        f"{dollars(standard.value)} (130% of poverty) for a household of {summary.size}.",
        cite(law, standard),
        values,
    )


def net_test(
    net_cents: int, summary: HouseholdSummary, figures: Figures, categorical: bool
) -> tuple[bool, Reason]:
    law = "7 U.S.C. 2014(c)(1); 7 CFR 273.9(a)(2)"
    if categorical:
        return True, Reason(
            "NET_INCOME_TEST_NOT_APPLIED",
            "A categorically eligible household takes no net income test.",
            "7 CFR 273.2(j)(2)",
            {"net_income_cents": str(net_cents)},
        )
    standard = figures.net_standard(summary.size)
    values = {
        "net_income_cents": str(net_cents),
        "net_income_standard_cents": str(standard.value),
        "poverty_line_percent": "100",
    }
    if net_cents <= standard.value:
        return True, Reason(
            "NET_INCOME_WITHIN_LIMIT",
            f"Net income of {dollars(net_cents)} is within the limit of "
            f"{dollars(standard.value)} (100% of poverty) for a household of {summary.size}.",
            cite(law, standard),
            values,
        )
    return False, Reason(
        "NET_INCOME_ABOVE_LIMIT",
        f"Net income of {dollars(net_cents)} is above the limit of {dollars(standard.value)} "
        f"(100% of poverty) for a household of {summary.size}.",
        cite(law, standard),
        values,
    )
