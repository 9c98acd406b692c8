"""`elig --target X cases` and `elig cases --target X` both reach a real orchestrator, and
the command's own --target wins when both are given (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from services.cli.main import app as elig

# Port 1 on loopback: nothing listens there.
NOBODY = "127.0.0.1:1"


async def _elig(handle: Any, *args: str, **env: str | None) -> Result:
    everything = ["--data-dir", str(handle.credentials), *args]
    env = {"COLUMNS": "300", "ELIG_ORCHESTRATOR_TARGET": None, **env}
    return await asyncio.to_thread(CliRunner().invoke, elig, everything, env=env)


async def test_target_before_the_command_reaches_the_orchestrator(coordination) -> None:  # type: ignore[no-untyped-def]
    result = await _elig(coordination.handle, "--target", coordination.handle.target, "cases")
    assert result.exit_code == 0, result.output
    assert "Cases" in result.output


async def test_target_after_the_command_wins_over_the_one_before(coordination) -> None:  # type: ignore[no-untyped-def]
    target = coordination.handle.target
    result = await _elig(coordination.handle, "--target", NOBODY, "cases", "--target", target)
    assert result.exit_code == 0, result.output

    result = await _elig(coordination.handle, "--target", target, "cases", "--target", NOBODY)
    assert result.exit_code == 2
    assert f"no orchestrator answered at {NOBODY} (from --target)" in result.output
    assert "Traceback" not in result.output


async def test_an_unanswered_target_before_the_command_is_named_as_typed(coordination) -> None:  # type: ignore[no-untyped-def]
    result = await _elig(coordination.handle, "--target", NOBODY, "cases")
    assert result.exit_code == 2
    assert f"no orchestrator answered at {NOBODY} (from --target)" in result.output


async def test_a_typed_target_wins_over_the_exported_variable(coordination) -> None:  # type: ignore[no-untyped-def]
    handle = coordination.handle
    result = await _elig(
        handle, "--target", handle.target, "cases", ELIG_ORCHESTRATOR_TARGET=NOBODY
    )
    assert result.exit_code == 0, result.output

    result = await _elig(handle, "cases", ELIG_ORCHESTRATOR_TARGET=NOBODY)
    assert result.exit_code == 2
    assert f"no orchestrator answered at {NOBODY} (from ELIG_ORCHESTRATOR_TARGET)" in result.output
