"""The shortcuts that make a log line cheap leave every line as it was: the memo of clean
text, the orjson renderer, the once-a-second timestamp and loggers kept after first use."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
import structlog

from shared import logging as logs
from shared.log_output import render_json
from shared.logging import REDACTED, configure_logging, redact_personal_data


@pytest.fixture(autouse=True)
def _restore_logging():  # type: ignore[no-untyped-def]
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def _redact(**fields: object) -> dict[str, object]:
    return redact_personal_data(None, "info", dict(fields))


def test_text_once_found_clean_is_still_redacted_under_a_personal_key() -> None:
    assert _redact(detail="Maria Rivera")["detail"] == "Maria Rivera"
    assert "Maria Rivera" in logs._CLEAN_TEXT
    assert _redact(name="Maria Rivera")["name"] == REDACTED
    assert _redact(note={"family_name": "Maria Rivera"})["note"] == {"family_name": REDACTED}


def test_text_holding_an_ssn_is_scrubbed_every_time_and_never_remembered() -> None:
    for _ in range(3):
        assert _redact(detail="lookup 412-55-8301")["detail"] == f"lookup {REDACTED}"
        assert _redact(request_id="412558301")["request_id"] == REDACTED
    assert "lookup 412-55-8301" not in logs._CLEAN_TEXT
    assert "412558301" not in logs._CLEAN_TEXT


def test_the_memo_of_clean_text_stays_bounded() -> None:
    for number in range(logs._CLEAN_TEXT_MAX + 10):
        _redact(detail=f"call {number:x} done")
    assert len(logs._CLEAN_TEXT) <= logs._CLEAN_TEXT_MAX
    long_text = "x" * (logs._CLEAN_TEXT_MAX_CHARS + 1)
    assert _redact(detail=long_text)["detail"] == long_text
    assert long_text not in logs._CLEAN_TEXT


def test_the_renderer_writes_what_the_json_module_reads_back() -> None:
    event = {
        "event": "rpc",
        "duration_ms": 1.25,
        "count": 2**70,  # past orjson's 64 bits: the standard module takes over
        "on": dt.date(2026, 1, 2),
        "by_key": {1: "one"},
        "text": "café",
    }
    assert json.loads(render_json(None, "info", event)) == {
        "event": "rpc",
        "duration_ms": 1.25,
        "count": 2**70,
        "on": "datetime.date(2026, 1, 2)",
        "by_key": {"1": "one"},
        "text": "café",
    }


def test_objects_are_rendered_by_repr_as_the_json_module_did() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "Opaque()"

    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    out = json.loads(render_json(None, "info", {"what": Opaque(), "when": moment}))
    assert out == {"what": "Opaque()", "when": repr(moment)}


def test_timestamps_are_iso_utc_with_microseconds(capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging("info", "json", service="test")
    log = structlog.get_logger("t")
    log.info("one")
    log.info("two")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["one", "two"]
    for line in lines:
        stamp = line["timestamp"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp), stamp
        assert dt.datetime.fromisoformat(stamp).utcoffset() == dt.timedelta(0)
    assert lines[0]["timestamp"] <= lines[1]["timestamp"]


def test_a_logger_kept_after_first_use_follows_stderr_where_it_goes(
    capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    configure_logging("info", "json", service="test")
    log = structlog.get_logger("kept")
    log.info("first")
    assert json.loads(capsys.readouterr().err)["event"] == "first"
    elsewhere = io.StringIO()
    monkeypatch.setattr("sys.stderr", elsewhere)
    log.info("second")
    assert json.loads(elsewhere.getvalue())["event"] == "second"
