"""The parameter loader: dated values, citations required, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shared.parameters import ParameterError, ParameterSet


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_value_in_force_follows_effective_dates(tmp_path: Path) -> None:
    params = ParameterSet.load(
        _write(
            tmp_path,
            """
x.rate:
  values:
    - {effective_from: 2024-01-01, value: 1, reference: "A"}
    - {effective_from: 2025-01-01, value: 2, reference: "B"}
""",
        )
    )
    assert params.get("x.rate", dt.date(2024, 12, 31)) == 1
    assert params.get("x.rate", dt.date(2025, 1, 1)) == 2
    assert params.entry("x.rate", dt.date(2030, 1, 1)).reference == "B"
    with pytest.raises(ParameterError, match="no value in force"):
        params.get("x.rate", dt.date(2023, 6, 1))


def test_a_value_without_a_citation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="reference"):
        ParameterSet.load(
            _write(tmp_path, "x.rate:\n  values:\n    - {effective_from: 2024-01-01, value: 1}\n")
        )


def test_effective_to_closes_a_value(tmp_path: Path) -> None:
    params = ParameterSet.load(
        _write(
            tmp_path,
            """
x.temp:
  values:
    - {effective_from: 2021-01-01, effective_to: 2025-12-31, value: true, reference: "ARPA"}
""",
        )
    )
    assert params.get("x.temp", dt.date(2025, 12, 31)) is True
    with pytest.raises(ParameterError):
        params.get("x.temp", dt.date(2026, 1, 1))


def test_unknown_parameter_names_itself(tmp_path: Path) -> None:
    params = ParameterSet.load(_write(tmp_path, "{}\n"))
    with pytest.raises(ParameterError, match="no parameter named 'nope'"):
        params.get("nope", dt.date(2025, 1, 1))
