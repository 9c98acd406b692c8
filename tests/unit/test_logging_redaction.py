"""No SSN, name, birth date or income reaches a log line."""

from __future__ import annotations

import json

import pytest
import structlog

from shared.logging import REDACTED, configure_logging


@pytest.fixture(autouse=True)
def _restore_logging():  # type: ignore[no-untyped-def]
    """configure_logging binds output to this test's captured stderr; undo it after."""
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def _emit(capsys, **fields) -> dict:  # type: ignore[no-untyped-def]
    configure_logging("info", "json", service="test")
    structlog.get_logger("t").info("event", **fields)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    return json.loads(line)


def test_personal_fields_are_redacted_by_name(capsys) -> None:  # type: ignore[no-untyped-def]
    out = _emit(
        capsys,
        ssn="412558301",
        name="Maria Rivera",
        birth_date="1989-03-14",
        agi_cents=4120000,
        monthly_earned_income_cents=200000,
        household={"members": 4},
        case_id="abc",
    )
    for key in (
        "ssn",
        "name",
        "birth_date",
        "agi_cents",
        "monthly_earned_income_cents",
        "household",
    ):
        assert out[key] == REDACTED, key
    assert out["case_id"] == "abc"


def test_ssn_and_dates_inside_free_text_are_scrubbed(capsys) -> None:  # type: ignore[no-untyped-def]
    out = _emit(capsys, detail="lookup 412-55-8301 born 1989-03-14 failed")
    assert "412-55-8301" not in json.dumps(out)
    assert "1989-03-14" not in json.dumps(out)
    assert out["detail"].count(REDACTED) == 2


def test_nested_structures_are_scrubbed(capsys) -> None:  # type: ignore[no-untyped-def]
    out = _emit(capsys, filers=[{"ssn": "523110042", "person_id": "p1"}])
    assert out["filers"] == [{"ssn": REDACTED, "person_id": "p1"}]


def test_ordinary_fields_pass_through(capsys) -> None:  # type: ignore[no-untyped-def]
    out = _emit(capsys, method="/x.Y/Z", code="OK", duration_ms=1.5, filers=2)
    assert (out["method"], out["code"], out["duration_ms"], out["filers"]) == (
        "/x.Y/Z",
        "OK",
        1.5,
        2,
    )
