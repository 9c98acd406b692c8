"""The loop services and the echo ceiling run on is the one ELIG_EVENT_LOOP names."""

from __future__ import annotations

import asyncio

import pytest

from shared import event_loop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.parametrize(
    ("setting", "module"),
    [("", "asyncio"), ("asyncio", "asyncio"), ("uvloop", "uvloop"), (" UVLOOP ", "uvloop")],
)
def test_the_named_loop_runs_the_service(
    setting: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(event_loop.VARIABLE, setting)
    assert event_loop.run(_loop_module()).split(".")[0] == module


def test_an_unknown_loop_stops_the_service_saying_which_are_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(event_loop.VARIABLE, "trio")
    with pytest.raises(SystemExit, match="asyncio or uvloop"):
        event_loop.chosen()
