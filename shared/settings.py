"""Settings read once from environment variables, with defaults that run on a laptop.

Every service reads ``ELIG_<SERVICE>_<FIELD>`` first and ``ELIG_<FIELD>`` second, so
one variable (say ``ELIG_DATA_DIR``) can serve the whole stack while a single service
can still be pointed elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.gc_tuning import DEFAULT_YOUNG
from shared.rate_limit import (
    DEFAULT_CALL_BURST,
    DEFAULT_CALLS_PER_SECOND,
    DEFAULT_SERVICE_CALL_BURST,
    DEFAULT_SERVICE_CALLS_PER_SECOND,
)
from shared.refusal_windows import DEFAULT_PER_WINDOW, DEFAULT_WINDOW_SECONDS
from shared.tls import MTLS, PLAINTEXT, TlsFiles

# Default ports of the local stack; tests bind port 0 instead.
DEFAULT_PORTS = {
    "orchestrator": 50050,
    "treasury": 50051,
    "hhs": 50052,
    "ssa": 50053,
    "usda": 50054,
}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service: str = "service"
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path = Path("data")
    # SQLAlchemy URL; empty means a SQLite file <data_dir>/<service>.db.
    database_url: str = ""
    log_level: str = "info"
    # "json" for machines, "console" for people at a terminal.
    log_format: str = "json"
    # ISO instant; when set the service's clock stands still there.
    clock_fixed_at: str | None = None
    # A file holding the instant "now" is (a simulator moves it); empty means none.
    clock_file: str = ""
    # Seconds a SIGTERM waits for in-flight calls before cancelling them.
    shutdown_grace_seconds: float = 5.0
    # Downstream targets (host:port), used by services that call others.
    treasury_target: str = Field(default_factory=lambda: f"127.0.0.1:{DEFAULT_PORTS['treasury']}")
    hhs_target: str = Field(default_factory=lambda: f"127.0.0.1:{DEFAULT_PORTS['hhs']}")
    ssa_target: str = Field(default_factory=lambda: f"127.0.0.1:{DEFAULT_PORTS['ssa']}")
    usda_target: str = Field(default_factory=lambda: f"127.0.0.1:{DEFAULT_PORTS['usda']}")
    # Budget for one downstream call, retries included, when the caller set none.
    downstream_timeout_seconds: float = 5.0
    # "mtls" (mutual TLS, the default) or "plaintext" (development only: nothing proven).
    tls_mode: str = "mtls"
    # Folder with ca.pem, <identity>.pem and <identity>.key; empty means <data_dir>/certs.
    tls_dir: str = ""
    # The name in this process's certificate; empty means the service's own name.
    tls_identity: str = ""
    # SSA: identity checks (one per person asked about) each caller may make a second,
    # and at once. The defaults (services/ssa/limiter.py says why) leave the
    # orchestrator's own traffic unthrottled.
    identity_checks_per_second: float = 200.0
    identity_check_burst: int = 400
    # Calls each caller may make to this process a second, and at once (shared/rate_limit.py):
    # a person (per caseworker token) or a certificate the access policy does not serve as
    # a service; and a service it does (the orchestrator at an agency). 0: no limit.
    calls_per_second: float = Field(default=DEFAULT_CALLS_PER_SECOND, ge=0)
    call_burst: int = Field(default=DEFAULT_CALL_BURST, ge=1)
    service_calls_per_second: float = Field(default=DEFAULT_SERVICE_CALLS_PER_SECOND, ge=0)
    service_call_burst: int = Field(default=DEFAULT_SERVICE_CALL_BURST, ge=1)
    # Refused calls from one caller written to the access audit log one by one in each
    # window; the rest are written as one summary entry (shared/refusal_windows.py).
    refusals_audited_per_window: int = Field(default=DEFAULT_PER_WINDOW, ge=1)
    refusal_audit_window_seconds: float = Field(default=DEFAULT_WINDOW_SECONDS, gt=0)
    # SSA: non-matches in a row from one caller that are audited as a mismatch run.
    identity_mismatch_run: int = 5
    # An agency failing transiently this many calls in a row is left alone for the
    # cool-down; its facts are marked source-unavailable meanwhile.
    breaker_failures: int = 5
    breaker_cooldown_seconds: float = 10.0
    # Orchestrator: seconds between rounds that ask again for pending cases' missing
    # verifications (0: none), and how long a case still pending waits for its next try.
    follow_up_interval_seconds: float = 30.0
    follow_up_retry_seconds: float = 300.0
    # Processes serving this service on its one port (shared/workers.py); more than one
    # needs PostgreSQL. ELIG_ORCHESTRATOR_WORKERS=2 uses a second core for applications.
    workers: int = Field(default=1, ge=1, le=64)
    # Orchestrator: seconds between the dispatcher's rounds over the outbox (0: this
    # process delivers no change notices), how long a claim on a notice lasts before
    # another dispatcher may take it over, and the longest wait between two attempts.
    dispatch_interval_seconds: float = 0.5
    dispatch_lease_seconds: float = 30.0
    dispatch_max_backoff_seconds: float = 300.0
    # Orchestrator: how often a WatchCase stream looks for new events written by other
    # processes (this process's own wake it at once), and streams one caller may hold.
    watch_poll_seconds: float = 0.5
    watches_per_caller: int = 8
    # HHS: how often the benchmark premiums it holds in memory are checked against its
    # database, where `elig data load-benchmarks` writes a new year's (0: never).
    benchmark_poll_seconds: float = 2.0
    # Allocations between two looks of the garbage collector at new objects, once the
    # service is ready and its long-lived objects are set aside (shared/gc_tuning.py);
    # 0 keeps Python's own settings.
    gc_young_threshold: int = Field(default=DEFAULT_YOUNG, ge=0, le=10_000_000)

    def certificates_dir(self) -> Path:
        return Path(self.tls_dir) if self.tls_dir else self.data_dir / "certs"

    def tls_files(self) -> TlsFiles | None:
        """This process's certificate files, or None in the plaintext development mode."""
        if self.tls_mode == PLAINTEXT:
            return None
        if self.tls_mode != MTLS:
            raise ValueError(f"ELIG_TLS_MODE must be {MTLS} or {PLAINTEXT}, not {self.tls_mode!r}")
        folder = self.certificates_dir()
        identity = self.tls_identity or self.service
        return TlsFiles(folder / "ca.pem", folder / f"{identity}.pem", folder / f"{identity}.key")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / (self.service + '.db')}"


def load_settings(service: str, **overrides: object) -> ServiceSettings:
    """Settings for one service: ELIG_<SERVICE>_X beats ELIG_X beats the default."""
    values: dict[str, object] = {"service": service, "port": DEFAULT_PORTS.get(service, 0)}
    for name in ServiceSettings.model_fields:
        for key in (f"ELIG_{service.upper()}_{name.upper()}", f"ELIG_{name.upper()}"):
            if key in os.environ:
                values[name] = os.environ[key]
                break
    values.update(overrides)
    return ServiceSettings(**values)
