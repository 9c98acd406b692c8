"""Deriving county benchmarks from a QHP Landscape file (tests/data holds a synthetic one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.hhs.plan_file import county_benchmarks, read_plans
from services.hhs.rules import load_parameters

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "qhp_landscape_2027_sample.csv"


def _by_county() -> dict[str, tuple[int, int, str, str]]:
    rows = county_benchmarks(read_plans(SAMPLE), 2027, load_parameters(), "sample")
    return {
        r.county_fips: (r.monthly_premium_cents, r.age_basis, r.rating_area, r.reference)
        for r in rows
    }


def test_the_second_lowest_silver_plan_is_the_benchmark_and_repeats_count_once() -> None:
    cents, basis, area, reference = _by_county()["48201"]
    # Silver plans at 40: $551.30, $567.99 (listed twice), $601.41; bronze and gold ignored.
    # The second is plan 22222TX0010002, whose age 0-14 rate the file gives: $340.00.
    assert (cents, basis, area) == (34_000, 0, "10")
    assert "22222TX0010002" in reference and "of 3 silver plan(s)" in reference


def test_a_county_with_one_silver_plan_takes_that_plan() -> None:
    assert _by_county()["48157"][:2] == (33_000, 0)


def test_new_york_keeps_the_adult_rate() -> None:
    # NY rates per adult; the second-lowest at 21+ is $720.00.
    assert _by_county()["36061"][:2] == (72_000, 21)


def test_without_a_child_rate_the_age_40_premium_is_rated_back_with_the_state_curve() -> None:
    # Alabama's own curve (CMS): 0-20 = 0.635, 40 = 1.278, so $520.00 at 40 is
    # $520.00 / 2.0126 = $258.37 at age 0 (factors as the curve file rounds them).
    assert _by_county()["01001"][:2] == (25_837, 0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("Metal Level", "Metal"), "missing column"),
        (lambda t: t.replace("$551.30", "$5x1.30"), "line 2"),
        (lambda t: t.replace("TX,48201", "TX,4820A", 1), "FIPS"),
        (lambda t: t.replace("$551.30", ""), "age 40"),
    ],
)
def test_a_malformed_file_is_refused_with_where(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text(edit(SAMPLE.read_text()))
    with pytest.raises(ValueError, match=message):
        read_plans(path)
