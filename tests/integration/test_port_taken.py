"""A service started on a port another process holds says so in one line and exits,
as a person running `python -m services.<name>` (or reading its log) needs it said."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from shared.consent import LocalConsentKeys


def test_a_service_on_a_taken_port_exits_with_one_line_not_a_traceback(tmp_path: Path) -> None:
    LocalConsentKeys.in_data_dir(tmp_path).ensure()
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "services.usda"],
            env={
                **os.environ,
                "ELIG_DATA_DIR": str(tmp_path),
                "ELIG_TLS_MODE": "plaintext",
                "ELIG_USDA_PORT": str(port),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert f"usda: cannot listen on 127.0.0.1:{port}: another process holds" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
