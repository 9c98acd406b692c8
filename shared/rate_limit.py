"""How many calls each caller may make: a token bucket per proven caller of a server.

Every call past the certificate check spends one token from its caller's bucket before
the access policy is asked, so a refused call counts as much as an answered one. A caller
is who the gate proved (shared/security.py): the certificate's name, and with it the
person where a caseworker's token is verified on this server, so each caseworker at the
shared console has a bucket of their own and one without a token shares the
certificate's. An empty bucket answers RESOURCE_EXHAUSTED with how long to wait
(RetryInfo) and which quota ran out (QuotaFailure).

Services the access policy names as callers (the orchestrator at an agency, vital
records at SSA) are allowed far more than a person: the orchestrator asks each agency
once or twice per application, hundreds of times a second under the bench. Everyone else
(a person, or a certificate with no business here) gets the smaller allowance.

The buckets live in the process, as SSA's identity-check buckets do (services/ssa/
limiter.py says why): with n replicas or workers a caller may get n times the rate.
Health and reflection are never limited, so probes and stock tools always answer.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from shared.access import STANDARD_SERVICES
from shared.context import Principal
from shared.errors import QuotaViolation, ServiceError

RATE_LIMITED = "RATE_LIMITED"
# A person calls the orchestrator a few times a minute; the bench and `elig sim year`
# drive one caseworker at about a hundred calls a second from a script. The default sits
# above that and still holds one caller to a small share of what a process can serve.
DEFAULT_CALLS_PER_SECOND = 300.0
DEFAULT_CALL_BURST = 600
# The orchestrator's calls to one agency, at ten times the most the bench has reached.
DEFAULT_SERVICE_CALLS_PER_SECOND = 3000.0
DEFAULT_SERVICE_CALL_BURST = 6000
# Past this many callers, those idle long enough to be full again are forgotten: a
# full bucket and no bucket are the same thing.
MAX_CALLERS = 1024


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # When refused: seconds until the bucket holds enough for this request.
    retry_after: float = 0.0


# One answer for every call let in: building a frozen dataclass per call cost more than
# the rest of the bucket's arithmetic.
ADMITTED = Decision(True)


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key, ``burst`` deep, refilled at ``rate`` a second. Used from the
    event loop only, so it needs no lock."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        # Monotonic seconds, not the service's clock: a replay's clock may stand still,
        # and a bucket on it would never fill again.
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, cost: int = 1) -> Decision:
        """Spend ``cost`` tokens from the key's bucket, or say how long to wait."""
        if not 0 < cost <= self.burst:
            raise ValueError(f"a request may cost 1 to {self.burst}, not {cost}")
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < cost:
            return Decision(False, (cost - bucket.tokens) / self.rate)
        bucket.tokens -= cost
        return ADMITTED

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < MAX_CALLERS:
            return
        full_after = self.burst / self.rate
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket.at < full_after
        }


@dataclass(frozen=True)
class Allowance:
    """Calls a second and at once; a rate of 0 means no limit."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second < 0 or (self.per_second > 0 and self.burst < 1):
            raise ValueError(
                "a call limit needs a rate of 0 (none) or more and a burst of 1 or more"
            )


def caller_key(who: Principal) -> str:
    """Whose bucket a call spends from: the certificate's name (as the audit trail shows
    it), and the person only where their token was verified here. A caseworker the
    orchestrator names to an agency is its word, not a proof, so an agency keys by the
    orchestrator alone."""
    if who.role is not None and who.caseworker:
        return f"{who.audit_name}/{who.caseworker}"
    return who.audit_name


class CallLimits:
    """The limits one process applies to its callers."""

    def __init__(
        self,
        everyone: Allowance = Allowance(DEFAULT_CALLS_PER_SECOND, DEFAULT_CALL_BURST),
        services: Allowance = Allowance(
            DEFAULT_SERVICE_CALLS_PER_SECOND, DEFAULT_SERVICE_CALL_BURST
        ),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tiers = {
            False: (everyone, _buckets(everyone, clock)),
            True: (services, _buckets(services, clock)),
        }

    def check(self, method: str, who: Principal, services: frozenset[str]) -> ServiceError | None:
        """None when ``who`` may make one more call; else the error to answer with.
        ``services`` are the callers this server's policy serves as services."""
        if method.startswith("/grpc.") and method.split("/", 2)[1] in STANDARD_SERVICES:
            return None
        allowance, buckets = self._tiers[who.role is None and who.service in services]
        if buckets is None:
            return None
        key = caller_key(who)
        decision = buckets.take(key)
        if decision.allowed:
            return None
        # Rounded up to the millisecond: a delay rounded down (a timedelta keeps whole
        # microseconds) would send a caller that waits exactly as told back too soon, and
        # a zero delay would read as "no advice".
        wait = max(math.ceil(decision.retry_after * 1000) / 1000, 0.001)
        quota = f"{allowance.per_second:g} calls a second, {allowance.burst} at once"
        return ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            RATE_LIMITED,
            f"{key!r} may make {quota} here; retry in {wait:.3f} s",
            metadata={"caller": key},
            retry_delay=dt.timedelta(seconds=wait),
            quota_violations=[QuotaViolation(f"caller:{key}", quota)],
        )


def _buckets(allowance: Allowance, clock: Callable[[], float]) -> TokenBuckets | None:
    if allowance.per_second == 0:
        return None
    return TokenBuckets(allowance.per_second, allowance.burst, clock)
