"""Benchmark premium data: the CSV format, county matching, rating areas, money parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.hhs.benchmarks import (
    AreaPremium,
    AreaTable,
    CountyArea,
    county_key,
    dollars_to_cents,
    load_premiums,
)

HEADER = "# a comment line\nstate,rating_area,plan_year,monthly_premium,age_basis,reference\n"
HARRIS = CountyArea("48201", "TX", "Harris County", "10", False)
FORT_BEND = CountyArea("48157", "TX", "Fort Bend County", "10", False)
ANCHORAGE = CountyArea("02020", "AK", "Anchorage Municipality", "1", True)


def _premium(cents: int, area: str = "10", fips: str = "", state: str = "TX") -> AreaPremium:
    return AreaPremium(2027, state, area, cents, 0, "test figure", fips)


def test_file_rows_become_premiums_in_cents_with_their_age_basis(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "tx,10,2027,512.34,0,test figure\nNY,4,2027,700.00,21,test figure\n")
    assert [
        (p.state_code, p.rating_area, p.monthly_premium_cents, p.age_basis)
        for p in load_premiums(path)
    ] == [("TX", "10", 51_234, 0), ("NY", "4", 70_000, 21)]


def test_a_row_without_a_reference_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "TX,10,2027,512.34,0,\n")
    with pytest.raises(ValueError, match="reference"):
        load_premiums(path)


@pytest.mark.parametrize("premium", ["-1.00", "12.345", "twelve", "NaN", "Infinity"])
def test_malformed_amounts_are_refused(premium: str) -> None:
    with pytest.raises(ValueError):
        dollars_to_cents(premium)


@pytest.mark.parametrize("asked", ["Harris", "harris", "Harris County", "  HARRIS  county "])
def test_county_names_match_ignoring_case_and_the_word_county(asked: str) -> None:
    table = AreaTable([HARRIS], [_premium(40_800)])
    found = table.find(2027, "TX", asked)
    assert found is not None and found.monthly_premium_cents == 40_800
    assert found.rating_area == "10"


def test_punctuation_and_local_suffixes_do_not_matter() -> None:
    assert county_key("Miami-Dade") == county_key("miami dade") == county_key("Miami Dade County")
    assert county_key("Anchorage Municipality") == county_key("Anchorage")
    assert county_key("Juneau City and Borough") == county_key("Juneau")


def test_every_county_of_a_rating_area_shares_its_benchmark() -> None:
    table = AreaTable([HARRIS, FORT_BEND], [_premium(40_800)])
    harris, fort_bend = table.find(2027, "TX", "Harris"), table.find(2027, "TX", "Fort Bend")
    assert harris is not None and fort_bend is not None
    assert harris.monthly_premium_cents == fort_bend.monthly_premium_cents == 40_800


def test_a_county_level_figure_wins_over_its_rating_area() -> None:
    table = AreaTable([HARRIS, FORT_BEND], [_premium(40_800), _premium(34_000, fips="48201")])
    assert table.find(2027, "TX", "Harris").monthly_premium_cents == 34_000  # type: ignore[union-attr]
    assert table.find(2027, "TX", "Fort Bend").monthly_premium_cents == 40_800  # type: ignore[union-attr]


def test_a_zip_based_rating_area_says_it_was_approximated_from_the_county() -> None:
    table = AreaTable([ANCHORAGE, HARRIS], [_premium(61_300, "1", state="AK"), _premium(40_800)])
    anchorage, harris = table.find(2027, "AK", "Anchorage"), table.find(2027, "TX", "Harris")
    assert anchorage is not None and "approximation" in anchorage.approximation
    assert harris is not None and harris.approximation == ""


def test_an_unknown_county_or_year_finds_nothing() -> None:
    table = AreaTable([HARRIS], [_premium(40_800)])
    assert table.find(2027, "TX", "Travis") is None
    assert table.find(2026, "TX", "Harris") is None
    assert table.find(2027, "GA", "Harris") is None
