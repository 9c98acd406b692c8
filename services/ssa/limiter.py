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
bucket, which is one burst more, not a way around the rate. The arithmetic is shared
(shared/rate_limit.py, whose own buckets every call spends from); these count people.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from shared import rate_limit
from shared.rate_limit import MAX_CALLERS, Decision

__all__ = ["DEFAULT_BURST", "DEFAULT_RATE", "MAX_CALLERS", "Decision", "TokenBuckets"]

# The orchestrator asks SSA about every member of a household it has not verified
# lately: at the ~30 applications/s the bench reaches, and households of one to five,
# that is at most ~150 checks/s. 200/s with two seconds of burst leaves it headroom.
DEFAULT_RATE = 200.0
DEFAULT_BURST = 400


class TokenBuckets(rate_limit.TokenBuckets):
    """One bucket of identity checks per caller, at SSA's defaults."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(rate, burst, clock)
