"""What the console's uvicorn logs keep: paths without query values, exceptions without
their messages (services/console/log_config.py)."""

from __future__ import annotations

import io
import logging
import logging.config
import sys

import pytest

from services.console.log_config import uvicorn_log_config, without_query_values

SSN = "587314926"


def test_only_the_query_values_and_unfamiliar_names_are_withheld() -> None:
    assert without_query_values("/cases/01a2b3") == "/cases/01a2b3"
    assert without_query_values("/cases?") == "/cases"
    assert without_query_values("/cases?q=1&q=2&page_token=x") == "/cases?q=-&q=-&page_token=-"
    assert without_query_values(f"/cases?{SSN}=1&Q=2") == "/cases?-=-&-=-"
    assert without_query_values("/cases?&&") == "/cases?-"


def test_a_failure_uvicorn_logs_keeps_its_type_and_frames_but_not_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)  # where uvicorn's default handler writes
    logging.config.dictConfig(uvicorn_log_config())
    typed = f"{SSN} Quillon"  # what a form field held; the frame below shows its name only
    try:
        int(typed)
    except ValueError as error:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=error)
    written = stderr.getvalue()
    assert "Exception in ASGI application" in written
    assert "Traceback (most recent call last)" in written
    assert "ValueError: (message withheld)" in written
    assert SSN not in written and "Quillon" not in written
