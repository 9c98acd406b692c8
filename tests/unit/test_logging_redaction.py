"""No SSN, name, birth date or income reaches a log line."""

from __future__ import annotations

import json

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from shared.logging import REDACTED, configure_logging, redact_personal_data


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


# A uuid4().hex whose middle holds nine digits in a row, as about one in a hundred do.
_DIGIT_RICH_HEX = st.from_regex(r"\A[0-9a-f]{11}[0-9]{9}[0-9a-f]{12}\Z")
_ANY_HEX = st.binary(min_size=16, max_size=16).map(bytes.hex)


@given(minted=st.one_of(_DIGIT_RICH_HEX, _ANY_HEX, st.uuids().map(str)))
def test_minted_ids_are_never_cut_by_the_ssn_or_date_patterns(minted: str) -> None:
    event = redact_personal_data(
        None,
        "info",
        {"case_id": minted, "correlation_id": minted, "detail": f"case {minted} stored"},
    )
    assert event == {"case_id": minted, "correlation_id": minted, "detail": f"case {minted} stored"}


def test_an_ssn_beside_a_minted_id_is_still_redacted() -> None:
    minted = "0af3" + "412558301" + "c" * 19
    event = redact_personal_data(None, "info", {"detail": f"{minted} for 412558301"})
    assert event["detail"] == f"{minted} for {REDACTED}"


def test_an_id_holding_something_ssn_or_date_shaped_is_dropped_whole_not_spliced() -> None:
    event = redact_personal_data(
        None,
        "info",
        {"correlation_id": "batch-1989-03-14-7", "request_id": "412-55-8301", "case_id": "c-1"},
    )
    assert event == {"correlation_id": REDACTED, "request_id": REDACTED, "case_id": "c-1"}


# Values reach messages at run time, as in the services; frames show code, not values.
_AMOUNT, _SSN = 52_000, "412558301"


def _raise_with_amount(amount: int, ssn: str) -> None:
    raise ValueError(f"income {amount} out of range for {ssn}")


def test_a_logged_exception_keeps_its_type_and_frames_but_not_its_message(capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging("info", "json", service="test")
    try:
        try:
            _raise_with_amount(_AMOUNT, _SSN)
        except ValueError as error:
            raise RuntimeError(f"could not determine {_AMOUNT}") from error
    except RuntimeError:
        structlog.get_logger("t").exception("unhandled error", case_id="c-1")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "52000" not in line and "412558301" not in line
    out = json.loads(line)
    assert out["exception_type"] == "RuntimeError"
    assert "_raise_with_amount" in out["exception"], "the frames are kept"
    assert "ValueError: (message withheld)" in out["exception"]
    assert "direct cause" in out["exception"]


def test_exceptions_inside_a_group_are_named_without_their_messages(capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging("info", "json", service="test")
    try:
        raise ExceptionGroup("agencies", [ValueError(f"magi {_AMOUNT}"), KeyError(_SSN)])
    except ExceptionGroup:
        structlog.get_logger("t").exception("fan-out failed")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert str(_AMOUNT) not in line and _SSN not in line
    out = json.loads(line)
    assert out["exception_type"] == "ExceptionGroup"
    assert "ValueError: (message withheld)" in out["exception"]
    assert "KeyError: (message withheld)" in out["exception"]


def test_a_library_logging_through_the_standard_module_is_redacted_like_us(capsys) -> None:  # type: ignore[no-untyped-def]
    """asyncio reports a task's lost exception through logging, its repr (message and
    all) in the record's text: it reaches the log as our line, message withheld."""
    import asyncio
    import gc
    import logging

    configure_logging("info", "json", service="test")
    name = "Quillon Vexbridge"  # the frames show source lines; this one stays out of them

    async def lookup() -> None:
        raise ValueError(f"no record for {_SSN} {name}")

    async def lose_a_task() -> None:
        task = asyncio.get_running_loop().create_task(lookup())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        del task
        gc.collect()

    asyncio.run(lose_a_task())
    logging.getLogger("grpc._cython.cygrpc").warning("peer %s reset", "ipv4:127.0.0.1:5")
    lines = capsys.readouterr().err.strip().splitlines()
    assert not any(_SSN in line or "Quillon" in line for line in lines), lines
    lost, warned = json.loads(lines[-2]), json.loads(lines[-1])
    assert (lost["logger"], lost["level"]) == ("asyncio", "error")
    assert lost["event"] == "Task exception was never retrieved"
    assert "ValueError: (message withheld)" in lost["exception"]
    assert (warned["event"], warned["service"]) == ("peer ipv4:127.0.0.1:5 reset", "test")
