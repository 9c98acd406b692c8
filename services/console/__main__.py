"""python -m services.console: serve the console (ELIG_CONSOLE_PORT, default 8080)."""

from __future__ import annotations

import logging

import uvicorn

from services.console.app import create_app
from services.console.http_protocol import MAX_HEAD_BYTES, ConsoleH11Protocol
from services.console.log_config import WithoutExceptionMessages, uvicorn_log_config
from services.console.settings import ConsoleSettings


def main() -> None:
    settings = ConsoleSettings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s console %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(WithoutExceptionMessages())
    # Our forms send SSNs in POST bodies, but the cases search box is a GET form and
    # people type SSNs and names into it: the access log keeps paths, not query values.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=uvicorn_log_config(),
        # An over-long address is answered (414), not reset: http_protocol.py says why.
        http=ConsoleH11Protocol,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
