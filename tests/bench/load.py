"""A closed-loop load driver: N clients, each sending its next call as soon as the last ends,
bounded by time and by count, with a progress line every second."""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc

# A call may return a label (say, the case status) that is tallied with the results.
Call = Callable[[], Awaitable[str | None]]


class Exhausted(Exception):
    """Raised by a call with nothing left to send (every new household has applied): the
    client stops, and the part ends early rather than measure something else."""


@dataclass
class LoadResult:
    name: str
    clients: int
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    # Per service, CPU milliseconds per completed call over the part (warm-up included):
    # what a call costs the machine, whatever else runs on it.
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def completed(self) -> int:
        return len(self.latencies_s)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float | None:
        """Nearest-rank percentile of the successful calls, in milliseconds."""
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1] * 1000


def error_name(error: BaseException) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code().name
    return type(error).__name__


async def run_load(
    name: str,
    call: Call,
    *,
    clients: int,
    duration_s: float,
    max_requests: int,
    warmup_s: float = 0.0,
    progress: bool = True,
) -> LoadResult:
    """Drive ``call`` from ``clients`` concurrent loops; only calls started after the warm-up
    are counted, and none starts after ``duration_s`` or past ``max_requests``."""
    result = LoadResult(name, clients)
    issued = 0
    started = time.perf_counter()
    measure_from = started + warmup_s
    stop_at = measure_from + duration_s

    async def client() -> None:
        nonlocal issued
        while issued < max_requests:
            begin = time.perf_counter()
            if begin >= stop_at:
                return
            counted = begin >= measure_from
            if counted:
                issued += 1
            try:
                outcome = await call()
            except Exhausted:
                if counted:
                    issued -= 1
                return
            except Exception as error:  # every failure is a figure, not a crash
                if counted:
                    result.errors[error_name(error)] += 1
                continue
            if counted:
                result.latencies_s.append(time.perf_counter() - begin)
                if outcome:
                    result.outcomes[outcome] += 1

    async def reporter() -> None:
        last = 0
        while True:
            await asyncio.sleep(1.0)
            now = time.perf_counter()
            phase = "warm-up" if now < measure_from else f"{now - measure_from:5.1f}s"
            done = result.completed
            print(
                f"  {name:<14} {phase:>8}  done {done:>7}  errors {result.error_count:>5}"
                f"  {done - last:>6}/s",
                file=sys.stderr,
                flush=True,
            )
            last = done

    ticker = asyncio.create_task(reporter()) if progress else None
    try:
        await asyncio.gather(*(client() for _ in range(clients)))
    finally:
        if ticker is not None:
            ticker.cancel()
    # Calls in flight at the deadline finish and count; time runs until the last of them.
    result.elapsed_s = max(time.perf_counter() - measure_from, 1e-9)
    return result
