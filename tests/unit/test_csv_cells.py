"""Cells a spreadsheet would take for formulas are written as text; others are untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.csv_cells import text_cell


def test_each_formula_start_is_made_text() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert text_cell(f"{start}1+1") == f"'{start}1+1"


@given(st.text())
def test_a_cell_is_changed_only_by_one_leading_apostrophe(text: str) -> None:
    cell = text_cell(text)
    assert cell in (text, "'" + text)
    assert (cell != text) == text.startswith(("=", "+", "-", "@", "\t", "\r"))
