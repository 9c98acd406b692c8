"""The HHS data files load, cover every jurisdiction, cite every figure, and match the tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shared.parameters import ParameterSet
from shared.validation import STATE_CODES

HHS = Path(__file__).resolve().parents[2] / "services" / "hhs"
MEDICAID_CHIP = HHS / "parameters" / "medicaid_chip.yaml"

# The 50 states and DC, as the intake validator knows them.
JURISDICTIONS = set(STATE_CODES)
assert len(JURISDICTIONS) == 51
MEDICAID_GROUPS = {
    "infants",
    "children_1_5",
    "children_6_18",
    "pregnant",
    "parents",
    "expansion_adults",
}
NAMES = ("hhs.medicaid.expansion", "hhs.medicaid.income_limits", "hhs.chip.income_limits")


@pytest.fixture(scope="module")
def parameters() -> ParameterSet:
    return ParameterSet.load(MEDICAID_CHIP)


def limits(parameters: ParameterSet, name: str, on: str) -> dict:
    return parameters.get(name, dt.date.fromisoformat(on))


def test_the_medicaid_chip_file_defines_the_three_parameters(parameters: ParameterSet) -> None:
    assert set(NAMES) <= set(parameters.names())


@pytest.mark.parametrize("name", NAMES)
def test_every_value_names_all_51_jurisdictions_and_is_cited(
    parameters: ParameterSet, name: str
) -> None:
    for value in parameters.history(name):
        assert set(value.value) == JURISDICTIONS, value.effective_from
        assert len(value.reference) > 40


def test_medicaid_limits_give_every_group_as_whole_percentages(parameters: ParameterSet) -> None:
    for value in parameters.history("hhs.medicaid.income_limits"):
        for state, groups in value.value.items():
            assert set(groups) == MEDICAID_GROUPS, state
            for group, limit in groups.items():
                if limit is None:
                    assert group == "expansion_adults", (state, group)
                else:
                    assert isinstance(limit, int) and 0 < limit < 500, (state, group)


def test_expansion_states_cover_adults_at_138_percent(parameters: ParameterSet) -> None:
    expansion = limits(parameters, "hhs.medicaid.expansion", "2025-06-01")
    adults = limits(parameters, "hhs.medicaid.income_limits", "2025-06-01")
    # KFF, Status of State Medicaid Expansion Decisions (Jan 2026): 41 incl. DC adopted.
    assert sum(expansion.values()) == 41
    for state, expanded in expansion.items():
        if expanded:
            assert adults[state]["expansion_adults"] >= 138, state
        elif state != "WI":  # WI covers childless adults to 100% FPL by waiver, not expansion
            assert adults[state]["expansion_adults"] is None, state


def test_chip_limits_are_whole_percentages_or_null(parameters: ParameterSet) -> None:
    for state, groups in limits(parameters, "hhs.chip.income_limits", "2025-06-01").items():
        assert set(groups) == {"children", "pregnant"}, state
        for limit in groups.values():
            assert limit is None or (isinstance(limit, int) and 138 < limit < 500), state


def test_spot_figures_match_the_published_tables(parameters: ParameterSet) -> None:
    medicaid = limits(parameters, "hhs.medicaid.income_limits", "2025-06-01")
    chip = limits(parameters, "hhs.chip.income_limits", "2025-06-01")
    expansion = limits(parameters, "hhs.medicaid.expansion", "2025-06-01")
    # KFF Status of State Medicaid Expansion Decisions (Jan 14, 2026): TX not adopted, NC adopted.
    assert expansion["TX"] is False and expansion["NC"] is True
    # Medicaid.gov eligibility levels (Dec 1, 2023): Alabama children 0-18 141% + 5 = 146.
    assert medicaid["AL"]["infants"] == 146 and medicaid["AL"]["children_6_18"] == 146
    # Medicaid.gov (Dec 1, 2023): Florida infants 206%, ages 1-5 140%, 6-18 133% (+5 each).
    assert (medicaid["FL"]["infants"], medicaid["FL"]["children_1_5"]) == (211, 145)
    assert medicaid["FL"]["children_6_18"] == 138
    # Medicaid.gov (Dec 1, 2023): Georgia pregnant women 220% + 5 = 225.
    assert medicaid["GA"]["pregnant"] == 225
    # KFF parents table, January 2025: Texas parents 15% FPL (family of three).
    assert medicaid["TX"]["parents"] == 15
    # KFF other adults, January 2025: DC 215%; Wisconsin 100% (waiver).
    assert medicaid["DC"]["expansion_adults"] == 215
    assert medicaid["WI"]["expansion_adults"] == 100
    # Medicaid.gov (Dec 1, 2023): separate CHIP Alabama 312%, Georgia 247% (+5); none in Alaska.
    assert chip["AL"]["children"] == 317 and chip["GA"]["children"] == 252
    assert chip["AK"]["children"] is None
    # Medicaid.gov (Dec 1, 2023): Colorado pregnant women CHIP 260% + 5 = 265.
    assert chip["CO"]["pregnant"] == 265


def test_iowa_pregnancy_limit_follows_its_2024_law(parameters: ParameterSet) -> None:
    # Iowa SF 2251 (signed May 8, 2024; in force January 2025): 215% FPL, + 5 disregard.
    assert limits(parameters, "hhs.medicaid.income_limits", "2025-06-01")["IA"]["pregnant"] == 220


def test_dc_adult_limits_fall_to_138_in_2026(parameters: ParameterSet) -> None:
    before = limits(parameters, "hhs.medicaid.income_limits", "2025-12-31")["DC"]
    after = limits(parameters, "hhs.medicaid.income_limits", "2026-01-01")
    # DC FY2026 Budget Support Act: adults above 138% FPL moved to a Basic Health Program.
    assert (before["parents"], before["expansion_adults"]) == (221, 215)
    assert (after["DC"]["parents"], after["DC"]["expansion_adults"]) == (138, 138)
    # Every other state carries its 2025 limits forward.
    assert after["TX"] == limits(parameters, "hhs.medicaid.income_limits", "2025-12-31")["TX"]
