"""An unexpected failure in `elig` shows where it happened, never the values it held:
typer's traces list every frame's locals unless told not to, and a command's locals are
households, SSNs and tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_crash_in_a_command_prints_no_local_values() -> None:
    program = textwrap.dedent(
        """
        from services.cli.main import app

        @app.command("crash-for-test")
        def crash() -> None:
            ssn = "123-45-6789"
            raise RuntimeError("boom")

        app(["crash-for-test"])
        """
    )
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm", "_TYPER_STANDARD_TRACEBACK": ""}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "shared" / "gen")])
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    assert "RuntimeError" in done.stderr  # the trace is there, with where it happened
    assert "123-45-6789" not in done.stderr + done.stdout
