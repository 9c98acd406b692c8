"""Several worker processes of one service on one port (``ELIG_<SERVICE>_WORKERS``).

One Python process answers on one core at most; a second process doubles what the
service can do on a machine with cores to spare. The entry point becomes a supervisor:
it checks the port is free, keeps it reserved, starts the workers, each a full copy of
the service whose gRPC server binds the port with SO_REUSEPORT (the kernel spreads the
connections between them), starts again a worker that dies, and stops them all on
SIGTERM or SIGINT.

Only a service whose state lives in a database several processes can share (PostgreSQL)
may run several workers; SQLite has one writer and the supervisor refuses.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
import time

import structlog

from shared.settings import ServiceSettings

PR_SET_PDEATHSIG = 1
# The worker's environment says "you are one of several": bind with SO_REUSEPORT.
WORKER_ENV = "ELIG_WORKER_OF"
# A pipe the worker writes one byte to once it listens.
READY_FD_ENV = "ELIG_WORKER_READY_FD"
# What the supervisor logs once every worker listens: a caller that needs connections
# spread over all of them (the bench, the tests) waits for it.
ALL_LISTENING = "all workers listening"
# A worker that dies sooner than this after its start is started again only after a pause,
# so a worker that cannot start does not spin the machine.
QUICK_DEATH_S = 5.0
RESTART_PAUSE_S = 2.0


def is_worker() -> bool:
    return bool(os.environ.get(WORKER_ENV))


def worker_index() -> int:
    """This worker's number among its supervisor's (0 when not one of several)."""
    return int(os.environ.get(WORKER_ENV, "0:0").rpartition(":")[2])


def tell_supervisor_listening() -> None:
    fd = os.environ.pop(READY_FD_ENV, "")
    if fd:
        os.write(int(fd), b"1")
        os.close(int(fd))


def die_with_parent() -> None:
    """Ask Linux to stop this process (SIGTERM) when the process that started it dies."""
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:
            sys.exit("the supervisor is gone")


def reserve_port(host: str, port: int) -> socket.socket:
    """Hold ``host:port`` for the workers (port 0: a free one), bound but not listening.

    A plain bind first proves nobody serves there: with SO_REUSEPORT alone, a port held
    by another server that also set it would be shared silently. The reservation then
    sets SO_REUSEPORT so the workers can bind beside it, and a later server without it
    cannot."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or "0.0.0.0", port, type=socket.SOCK_STREAM
    )[0]
    probe = socket.socket(family, kind, proto)
    # As gRPC binds: connections of an earlier server still in TIME_WAIT do not hold the
    # port, a socket listening on it does.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(address)
        chosen = probe.getsockname()[1]
    except OSError as error:
        raise SystemExit(f"cannot serve on {host}:{port}: {error.strerror}") from None
    finally:
        probe.close()
    held = socket.socket(family, kind, proto)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        held.bind((address[0], chosen, *address[2:]))
    except OSError as error:
        held.close()
        raise SystemExit(f"cannot serve on {host}:{chosen}: {error.strerror}") from None
    return held


class Supervisor:
    """Starts ``count`` workers of ``service`` and keeps them running until told to stop."""

    def __init__(
        self, settings: ServiceSettings, count: int, command: list[str] | None = None
    ) -> None:
        self._settings = settings
        self._count = count
        self._command = command or [sys.executable, "-m", f"services.{settings.service}"]
        self._log = structlog.get_logger(settings.service)
        self._stopping = False
        self._workers: dict[int, tuple[subprocess.Popen[bytes], float]] = {}

    def _env(self, port: int, index: int) -> dict[str, str]:
        prefix = f"ELIG_{self._settings.service.upper()}_"
        return {
            **os.environ,
            WORKER_ENV: f"{os.getpid()}:{index}",
            f"{prefix}PORT": str(port),
            f"{prefix}WORKERS": "1",
        }

    def _start(self, port: int, index: int) -> None:
        ready, tell = os.pipe()
        env = {**self._env(port, index), READY_FD_ENV: str(tell)}
        process = subprocess.Popen(self._command, env=env, pass_fds=(tell,))
        os.close(tell)
        self._workers[index] = (process, time.monotonic())
        self._log.info("worker started", worker=index, pid=process.pid)
        self._wait_listening(index, ready)

    def _wait_listening(self, index: int, ready: int, timeout: float = 60.0) -> None:
        """Until the worker says it listens (or dies). Worker 0 creates the tables, so
        the others wait for it rather than race it."""
        process, _ = self._workers[index]
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not self._stopping:
                if select.select([ready], [], [], 0.2)[0]:
                    if os.read(ready, 1):
                        return
                    break  # closed without a word: the worker is exiting
                if process.poll() is not None:
                    break
        finally:
            os.close(ready)
        if not self._stopping and index == 0:
            raise SystemExit(f"worker 0 did not start listening (exit code {process.poll()})")

    def _stop(self, *_: object) -> None:
        self._stopping = True

    def run(self) -> int:
        if not self._settings.resolved_database_url().startswith("postgres"):
            raise SystemExit(
                f"{self._settings.service}: several workers need PostgreSQL "
                "(SQLite has one writer); set the database URL or one worker"
            )
        reservation = reserve_port(self._settings.host, self._settings.port)
        port = reservation.getsockname()[1]
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        try:
            for index in range(self._count):
                self._start(port, index)
            self._log.info(ALL_LISTENING, workers=self._count, port=port)
            while not self._stopping:
                self._restart_dead(port)
                time.sleep(0.2)
        finally:
            codes = self._stop_all()
            reservation.close()
        return 0 if all(code in (0, -signal.SIGTERM) for code in codes) else 1

    def _restart_dead(self, port: int) -> None:
        for index, (process, started) in list(self._workers.items()):
            if process.poll() is None or self._stopping:
                continue
            self._log.warning("worker exited", worker=index, code=process.returncode)
            if time.monotonic() - started < QUICK_DEATH_S:
                time.sleep(RESTART_PAUSE_S)
            if not self._stopping:
                self._start(port, index)
                self._log.info(ALL_LISTENING, workers=self._count, port=port)

    def _stop_all(self) -> list[int]:
        grace = self._settings.shutdown_grace_seconds + 5.0
        for process, _ in self._workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = []
        for process, _ in self._workers.values():
            try:
                codes.append(process.wait(grace))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes
