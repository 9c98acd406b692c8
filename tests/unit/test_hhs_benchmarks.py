"""Benchmark premium data: the file format, county matching, money parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.hhs.benchmarks import BenchmarkTable, county_key, load_file

SAMPLE = """
age_basis: 40
premiums:
  - plan_year: 2027
    state: TX
    county: Harris
    monthly_premium: "512.34"
    reference: "test figure"
  - plan_year: 2027
    state: fl
    county: Miami-Dade
    monthly_premium: "600.00"
    reference: "test figure"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "benchmark_premiums.yaml"
    path.write_text(text)
    return path


def test_file_rows_become_benchmarks_in_cents_with_the_age_basis(tmp_path: Path) -> None:
    rows = load_file(_write(tmp_path, SAMPLE))
    assert [
        (b.plan_year, b.state_code, b.county, b.monthly_premium_cents, b.age_basis) for b in rows
    ] == [
        (2027, "TX", "Harris", 51_234, 40),
        (2027, "FL", "Miami-Dade", 60_000, 40),
    ]


@pytest.mark.parametrize("asked", ["Harris", "harris", "Harris County", "  HARRIS  county "])
def test_county_names_match_ignoring_case_and_the_word_county(tmp_path: Path, asked: str) -> None:
    table = BenchmarkTable(load_file(_write(tmp_path, SAMPLE)))
    found = table.find(2027, "TX", asked)
    assert found is not None and found.monthly_premium_cents == 51_234


def test_punctuation_in_county_names_does_not_matter() -> None:
    assert county_key("Miami-Dade") == county_key("miami dade") == county_key("Miami Dade County")


def test_an_address_outside_the_table_finds_nothing(tmp_path: Path) -> None:
    table = BenchmarkTable(load_file(_write(tmp_path, SAMPLE)))
    assert table.find(2027, "TX", "Travis") is None
    assert table.find(2026, "TX", "Harris") is None


@pytest.mark.parametrize("premium", ['"-1.00"', '"12.345"', '"twelve"'])
def test_malformed_premiums_are_refused(tmp_path: Path, premium: str) -> None:
    text = SAMPLE.replace('"512.34"', premium)
    with pytest.raises(ValueError):
        load_file(_write(tmp_path, text))


def test_a_row_without_a_reference_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reference"):
        load_file(_write(tmp_path, SAMPLE.replace('reference: "test figure"', 'reference: ""', 1)))


def test_the_shipped_data_file_loads() -> None:
    rows = load_file()
    assert rows, "services/hhs/data/benchmark_premiums.yaml has no rows"
    assert all(r.reference for r in rows)
