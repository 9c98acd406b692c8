"""How many identity checks each caller may make: a token bucket per proven caller.

An identity check answers whether an SSN, a name and a birth date belong together, so
unlimited it is an oracle: a birth date falls in a few hundred tries. Each caller
(``current_principal().service``) has a bucket of ``burst`` checks that refills at
``rate`` a second; a request costs one check per person in it, so twenty people in one
request cost twenty.

The buckets live in the process. With n SSA replicas a caller may get n times the
rate: a fixed, known bound. Sharing buckets through the database would put a write
(and a contended row per caller) in front of every identity check on the path of
every application, to tighten a bound that is already small. A restart refills every
bucket, which is one burst more, not a way around the rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# The orchestrator asks SSA about every member of a household it has not verified
# lately: at the ~30 applications/s the bench reaches, and households of one to five,
# that is at most ~150 checks/s. 200/s with two seconds of burst leaves it headroom.
DEFAULT_RATE = 200.0
DEFAULT_BURST = 400
# Past this many callers, those idle long enough to be full again are forgotten: a
# full bucket and no bucket are the same thing.
MAX_CALLERS = 1024


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # When refused: seconds until the bucket holds enough for this request.
    retry_after: float = 0.0


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per caller. Used from the event loop only, so it needs no lock."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("an identity check limit needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        # Monotonic seconds, not the service clock: a replay's clock may stand still.
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, caller: str, cost: int) -> Decision:
        """Spend ``cost`` checks from the caller's bucket, or say how long to wait."""
        if not 0 < cost <= self.burst:
            raise ValueError(f"a request may cost 1 to {self.burst} checks, not {cost}")
        now = self._clock()
        bucket = self._buckets.get(caller)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[caller] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < cost:
            return Decision(False, (cost - bucket.tokens) / self.rate)
        bucket.tokens -= cost
        return Decision(True)

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < MAX_CALLERS:
            return
        full_after = self.burst / self.rate
        self._buckets = {
            caller: bucket
            for caller, bucket in self._buckets.items()
            if now - bucket.at < full_after
        }
