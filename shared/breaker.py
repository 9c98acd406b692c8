"""A circuit breaker for one downstream service.

After ``threshold`` calls in a row fail transiently (each after its own retries), the
service is taken to be down: the breaker opens and callers are refused at once for
``cooldown`` seconds instead of each spending its deadline on retries. Then it goes
half-open and lets one probe through; the probe's success closes it, its failure opens
it for another cool-down. Any answer that is not a transient failure, an error code
included, shows the service is up.

Time comes from ``monotonic`` so tests can move it by hand. All calls are expected from
one event loop: the methods never await, so no lock is needed.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class State(enum.StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitBreaker:
    def __init__(
        self,
        threshold: int,
        cooldown: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1 or cooldown <= 0:
            raise ValueError("a breaker needs threshold >= 1 and a positive cool-down")
        self.threshold = threshold
        self.cooldown = cooldown
        self._monotonic = monotonic
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        """The state a call arriving now would meet."""
        if self._state is State.OPEN and self._cooled_down():
            return State.HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """May a call go out now? True obliges the caller to report how it ended."""
        if self._state is State.OPEN and self._cooled_down():
            self._state = State.HALF_OPEN
        if self._state is State.CLOSED:
            return True
        if self._state is State.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def succeeded(self) -> None:
        """The service answered (with a result or a non-transient error)."""
        self._state, self._failures, self._probing = State.CLOSED, 0, False

    def failed(self) -> bool:
        """A call failed transiently; True when this failure opened the breaker."""
        self._probing = False
        if self._state is State.HALF_OPEN:
            self._open()
            return True
        self._failures += 1
        if self._state is State.CLOSED and self._failures >= self.threshold:
            self._open()
            return True
        return False

    def abandoned(self) -> None:
        """A call that was let through ended without a verdict (its caller was cancelled):
        free the probe slot so the next call may probe."""
        self._probing = False

    def _open(self) -> None:
        self._state, self._opened_at, self._failures = State.OPEN, self._monotonic(), 0

    def _cooled_down(self) -> bool:
        return self._monotonic() - self._opened_at >= self.cooldown
