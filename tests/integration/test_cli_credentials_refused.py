"""When a real orchestrator refuses elig's credentials, elig says in a line what to change:
the clock (an expired token), or the data folder (another stack's keys or certificates)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from services.cli import tool_identity
from services.cli.main import app as elig
from services.cli.tool_identity import LocalTool


async def _cases(handle: Any, data_dir: Path) -> Result:
    args = ["--data-dir", str(data_dir), "--target", handle.target, "cases"]
    return await asyncio.to_thread(CliRunner().invoke, elig, args, env={"COLUMNS": "300"})


# The in-process server's own log lines share the captured output.
SERVER_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")


def _refused(result: Result) -> list[str]:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    return [line for line in result.output.strip().splitlines() if not SERVER_LOG.match(line)]


class _SlowClock(dt.datetime):
    """This computer's clock, an hour behind the stack's."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _SlowClock:  # type: ignore[override]
        return super().now(tz) - dt.timedelta(hours=1)


async def test_an_expired_token_points_at_the_clocks(coordination, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # elig's clock alone: the server in this process keeps the true time.
    slow = SimpleNamespace(datetime=_SlowClock, UTC=dt.UTC, timedelta=dt.timedelta)
    monkeypatch.setattr(tool_identity, "dt", slow)
    lines = _refused(await _cases(coordination.handle, coordination.handle.credentials))
    assert lines[0] == "UNAUTHENTICATED: the token has expired; sign in again"
    assert "by this computer's clock" in lines[1] and "set the clocks right" in lines[1]
    assert len(lines) == 2


async def test_another_stacks_keys_point_at_the_data_folder(coordination, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    shutil.copytree(coordination.handle.credentials / "certs", other / "certs")
    LocalTool(other).ensure()  # new token keys beside the stack's certificates
    lines = _refused(await _cases(coordination.handle, other))
    assert lines[0].startswith("UNAUTHENTICATED:")
    assert f"the keys in {other / 'keys'}" in lines[1] and "--data-dir" in lines[1]
    assert len(lines) == 2


async def test_another_stacks_certificates_point_at_the_data_folder(coordination, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    LocalTool(other).ensure()  # another development CA altogether
    # A process of its own, as a user runs it: gRPC shares connections within a process.
    args = ["--data-dir", str(other), "--target", coordination.handle.target, "cases"]
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300"},
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("UNAVAILABLE:")
    assert f"did not accept the certificates in {other / 'certs'}" in lines[1]
    assert len(lines) == 2 and "Traceback" not in result.stderr
