"""The composition root every service's ``__main__`` uses:
settings -> logging -> clock -> service wiring -> server -> wait for a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog

from shared.clock import Clock, clock_from_setting
from shared.context import set_local_service
from shared.logging import configure_logging
from shared.server import ServiceBinding, serve_until_signalled, start_server
from shared.settings import ServiceSettings, load_settings


@dataclass
class Wiring:
    """What a service hands the runner: what to serve and how to clean up."""

    bindings: Sequence[ServiceBinding]
    on_stop: Callable[[], Awaitable[None]] | None = None
    extra: dict[str, object] = field(default_factory=dict)


Builder = Callable[[ServiceSettings, Clock], Awaitable[Wiring]]


async def _main(settings: ServiceSettings, build: Builder) -> None:
    log = structlog.get_logger(settings.service)
    clock = clock_from_setting(settings.clock_fixed_at)
    wiring = await build(settings, clock)
    running = await start_server(wiring.bindings, settings.host, settings.port)
    log.info(
        "listening",
        listen=f"{settings.host}:{running.port}",
        services=list(running.service_names),
        database=settings.resolved_database_url().split("://", 1)[0],
    )
    await serve_until_signalled(running, settings.shutdown_grace_seconds, wiring.on_stop)


def run_service(service: str, build: Builder) -> None:
    settings = load_settings(service)
    set_local_service(service)
    configure_logging(settings.log_level, settings.log_format, service=service)
    asyncio.run(_main(settings, build))
