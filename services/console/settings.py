"""Where the console listens, whom it calls and how long a sign-in lasts, from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.settings import DEFAULT_PORTS
from shared.tls import MTLS

DEFAULT_PORT = 8080


@dataclass(frozen=True)
class ConsoleSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = Path("data")
    tls_mode: str = MTLS
    orchestrator_target: str = f"127.0.0.1:{DEFAULT_PORTS['orchestrator']}"
    # A sign-in lasts this long; then the caseworker signs in again.
    session_minutes: int = 30
    # Mark the cookie Secure (sent over HTTPS only). Always on when the request itself came
    # over HTTPS; this forces it behind a proxy that ends TLS and forwards plain HTTP.
    secure_cookie: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ConsoleSettings:
        base = cls()
        return cls(
            host=env.get("ELIG_CONSOLE_HOST", base.host),
            port=int(env.get("ELIG_CONSOLE_PORT", base.port)),
            data_dir=Path(env.get("ELIG_DATA_DIR", str(base.data_dir))).resolve(),
            tls_mode=env.get("ELIG_TLS_MODE", base.tls_mode),
            orchestrator_target=env.get("ELIG_ORCHESTRATOR_TARGET", base.orchestrator_target),
            session_minutes=int(env.get("ELIG_CONSOLE_SESSION_MINUTES", base.session_minutes)),
            secure_cookie=env.get("ELIG_CONSOLE_SECURE_COOKIE", "").lower() in ("1", "true", "yes"),
        )
