"""The composition root every service's ``__main__`` uses:
settings -> logging -> clock -> trust -> service wiring -> server -> wait for a signal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog

from shared import event_loop
from shared.access_audit import open_access_audit, refusal_sink
from shared.caseworker_token import LocalTokenKeys, TokenVerifier
from shared.clock import Clock, clock_from_setting
from shared.context import set_local_service
from shared.gc_tuning import tune_collector
from shared.logging import configure_logging
from shared.rate_limit import Allowance, CallLimits
from shared.refusal_windows import RefusalWindows
from shared.security import Trust
from shared.server import PortTaken, ServiceBinding, serve_until_signalled, start_server
from shared.settings import ServiceSettings, load_settings
from shared.signing_keys import load_public_keys
from shared.tls import MTLS
from shared.workers import (
    Supervisor,
    die_with_parent,
    is_worker,
    tell_supervisor_listening,
    worker_index,
)


@dataclass
class Wiring:
    """What a service hands the runner: what to serve and how to clean up."""

    bindings: Sequence[ServiceBinding]
    on_stop: Callable[[], Awaitable[None]] | None = None
    # Called when shutdown begins, before in-flight calls are drained: what streams
    # for ever (a watch) ends here, so its callers see a clean end, not a cancellation.
    on_draining: Callable[[], None] | None = None
    extra: dict[str, object] = field(default_factory=dict)


Builder = Callable[[ServiceSettings, Clock, Trust], Awaitable[Wiring]]


def load_trust(settings: ServiceSettings, clock: Clock, *, takes_tokens: bool) -> Trust:
    """The process's TLS identity, token verifier and refusal audit, from its settings;
    refuses to start, saying which file is missing, rather than fall back to plain text."""
    tls = settings.tls_files()
    wanted = [tls.ca, tls.cert, tls.key] if tls else []
    token_key = LocalTokenKeys.in_data_dir(settings.data_dir).public_key_path
    if takes_tokens:
        wanted.append(token_key)
    missing = [str(p) for p in wanted if not p.is_file()]
    if missing:
        raise SystemExit(
            f"{settings.service}: cannot start without "
            + ", ".join(missing)
            + ". `elig up` (or `elig certs init` and `elig keys init`) creates them for a local"
            " stack; a deployment mounts them from secrets (deploy/README.md)."
        )
    tokens = TokenVerifier(load_public_keys([token_key])) if takes_tokens else None
    audit_db = open_access_audit(settings.resolved_database_url())
    refusals = refusal_sink(
        audit_db,
        clock,
        per_window=settings.refusals_audited_per_window,
        window_seconds=settings.refusal_audit_window_seconds,
    )
    return Trust(settings.tls_mode, tls, tokens, refusals, call_limits(settings))


def call_limits(settings: ServiceSettings) -> CallLimits:
    return CallLimits(
        Allowance(settings.calls_per_second, settings.call_burst),
        Allowance(settings.service_calls_per_second, settings.service_call_burst),
    )


async def _main(settings: ServiceSettings, build: Builder, takes_tokens: bool) -> None:
    log = structlog.get_logger(settings.service)
    clock = clock_from_setting(settings.clock_fixed_at, settings.clock_file)
    trust = load_trust(settings, clock, takes_tokens=takes_tokens)
    wiring = await build(settings, clock, trust)
    try:
        running = await start_server(
            wiring.bindings, settings.host, settings.port, trust=trust, reuse_port=is_worker()
        )
    except PortTaken as taken:
        # One line for whoever started us (as shared/workers.py says it), not a traceback.
        raise SystemExit(f"{settings.service}: {taken}") from None
    tune_collector(settings.gc_young_threshold)
    tell_supervisor_listening()
    if trust.mode != MTLS:
        log.warning("PLAINTEXT mode: callers are not proven; for development only")
    log.info(
        "listening",
        listen=f"{settings.host}:{running.port}",
        tls_mode=trust.mode,
        services=list(running.service_names),
        database=settings.resolved_database_url().split("://", 1)[0],
        event_loop=event_loop.chosen(),
    )
    await serve_until_signalled(
        running, settings.shutdown_grace_seconds, wiring.on_stop, wiring.on_draining
    )
    # Refusals counted but not yet written go in as summaries before the process ends.
    if isinstance(trust.on_refused, RefusalWindows):
        await trust.on_refused.close()


def run_service(service: str, build: Builder, *, takes_tokens: bool = False) -> None:
    settings = load_settings(service)
    set_local_service(service)
    configure_logging(settings.log_level, settings.log_format, service=service)
    if is_worker():
        die_with_parent()
        # Each log line says which worker wrote it.
        structlog.contextvars.bind_contextvars(worker=worker_index())
    elif settings.workers > 1:
        raise SystemExit(Supervisor(settings, settings.workers).run())
    event_loop.run(_main(settings, build, takes_tokens))
