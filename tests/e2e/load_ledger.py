"""Clients that submit applications the way a careful calling system does, and a ledger
of what each was told: every application has its own request_id, and an attempt that
ends UNAVAILABLE or DEADLINE_EXCEEDED is sent again with the same request_id, since the
first may or may not have been stored."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
ATTEMPT_TIMEOUT_S = 10.0


@dataclass
class Ledger:
    """What was sent, and every answer each request_id received."""

    sent: dict[str, pb.SubmitApplicationRequest] = field(default_factory=dict)
    answers: dict[str, list[str]] = field(default_factory=dict)
    retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    acked: asyncio.Event = field(default_factory=asyncio.Event)

    def answer(self, request_id: str, case_id: str) -> None:
        self.answers.setdefault(request_id, []).append(case_id)
        self.acked.set()

    @property
    def acknowledged(self) -> int:
        return len(self.answers)

    async def wait_for_acks(self, count: int, within_s: float) -> None:
        """Until ``count`` applications in all have been acknowledged."""
        async with asyncio.timeout(within_s):
            while self.acknowledged < count:
                self.acked.clear()
                await self.acked.wait()


async def submit(
    stub: pb_grpc.CoordinationServiceStub,
    request: pb.SubmitApplicationRequest,
    ledger: Ledger,
    give_up_at: float,
) -> str | None:
    """The case id the orchestrator answered, retrying transient failures with the same
    request_id until ``give_up_at`` (monotonic); None if it never answered."""
    backoff = 0.1
    ledger.in_flight += 1
    try:
        while True:
            try:
                # wait_for_ready: an attempt made while the orchestrator restarts waits
                # for it (within its deadline) rather than failing at once.
                reply = await stub.SubmitApplication(
                    request, timeout=ATTEMPT_TIMEOUT_S, wait_for_ready=True
                )
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE:
                    ledger.errors[error.code().name] += 1
                    return None
                if time.monotonic() + backoff >= give_up_at:
                    ledger.errors["GAVE_UP"] += 1
                    return None
                ledger.retries += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            ledger.answer(request.request_id, reply.case.case_id)
            return reply.case.case_id
    finally:
        ledger.in_flight -= 1


async def client(
    number: int,
    stub: pb_grpc.CoordinationServiceStub,
    templates: list[pb.SubmitApplicationRequest],
    ledger: Ledger,
    stop: asyncio.Event,
    retry_for_s: float,
) -> None:
    """New applications one after another until ``stop``; each retried for ``retry_for_s``."""
    households = itertools.islice(itertools.cycle(templates), number, None)
    for sequence in itertools.count():
        if stop.is_set():
            return
        request = pb.SubmitApplicationRequest()
        request.CopyFrom(next(households))
        request.request_id = f"kill-{number}-{sequence}"
        ledger.sent[request.request_id] = request
        await submit(stub, request, ledger, time.monotonic() + retry_for_s)
