"""Several threads doing the same work at the same moment, as processes starting together
would: each gets ready (its own engine, its own connection), waits for the others, then
goes; what each returned and what each raised come back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(
    count: int, work: Callable[[Callable[[], None]], T]
) -> tuple[list[T], list[BaseException]]:
    """``work(go)`` runs in ``count`` threads; each calls ``go()`` once ready, and ``go``
    returns when all are."""
    barrier = threading.Barrier(count)
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work(barrier.wait))  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001 - returned to the test to assert on
            failed.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, failed
