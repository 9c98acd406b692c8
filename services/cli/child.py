"""python -m services.cli.child <service> <launcher pid>: run one service of the local
stack so that it stops when its launcher dies (Linux), leaving no orphan on a port.

The stack used to arrange this in a ``preexec_fn``, between fork and exec. That runs
Python, and gRPC's fork handlers, in a child forked from a launcher whose gRPC threads
may be busy (a test restarting a service mid-load), which can crash the child. Here the
launcher spawns a plain process and the service asks for the signal itself.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1


def _stop_with(launcher: int) -> None:
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    # The launcher may have died before the request was made: nobody would signal us.
    if os.getppid() != launcher:
        sys.exit(f"the launcher (pid {launcher}) is gone")


def main() -> None:
    service, launcher = sys.argv[1], int(sys.argv[2])
    if sys.platform == "linux":
        _stop_with(launcher)
    sys.argv = [f"services.{service}"]
    runpy.run_module(f"services.{service}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
