"""The measured path: SubmitApplication on a real orchestrator, which calls the agencies."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.harness.households import example_paths, load_request, request_from_dict
from tests.bench.load import Exhausted

# (label, request) pairs: the households a part applies with.
Templates = list[tuple[str, pb.SubmitApplicationRequest]]


def synthetic_requests(applications: Path) -> Templates:
    """The generated households (elig sim population), each a new set of people, labelled
    by size so the tally stays readable."""
    out = []
    with applications.open(encoding="utf-8") as handle:
        for line in handle:
            household = json.loads(line)
            label = f"synthetic {len(household['members'])}-person"
            out.append((label, request_from_dict(household)))
    return out


def example_requests() -> dict[str, pb.SubmitApplicationRequest]:
    """The shipped example households by name, each a template for many applications."""
    requests = {path.stem: load_request(path) for path in example_paths()}
    if not requests:
        raise RuntimeError("no example households under services/harness/examples")
    return requests


class SubmitApplications:
    """One call = one new application: the next household under a fresh request_id, so
    every call creates a case (a repeated request_id would only read the first one back).

    With ``cycle`` the households come round again (re-applications, whose facts are
    reused); without it the calls end (load.Exhausted) when every household has applied."""

    def __init__(
        self,
        channels: grpc.aio.Channel | Sequence[grpc.aio.Channel],
        templates: Templates,
        timeout_s: float,
        *,
        cycle: bool = True,
        close_channel: bool = True,
    ) -> None:
        # Calls take the channels (connections) in turn: one is what a single calling
        # system holds; several let the connections spread over an orchestrator's workers.
        self._channels = [channels] if isinstance(channels, grpc.aio.Channel) else list(channels)
        self._stubs = itertools.cycle([pb_grpc.CoordinationServiceStub(c) for c in self._channels])
        self._templates: Iterator[tuple[str, pb.SubmitApplicationRequest]] = (
            itertools.cycle(templates) if cycle else iter(templates)
        )
        self._timeout = timeout_s
        self._close_channel = close_channel
        # Households handed out so far (those sent, whether or not they were measured).
        self.sent = 0

    async def __call__(self) -> str:
        """Returns "<household> <case status>": a status that varies with load is a finding."""
        try:
            name, template = next(self._templates)
        except StopIteration:
            raise Exhausted from None
        self.sent += 1
        request = pb.SubmitApplicationRequest()
        request.CopyFrom(template)
        request.request_id = str(uuid.uuid4())
        reply = await next(self._stubs).SubmitApplication(request, timeout=self._timeout)
        if not reply.case.case_id:
            raise RuntimeError("SubmitApplication answered without a case")
        return f"{name} {pb.CaseStatus.Name(reply.case.status).removeprefix('CASE_STATUS_')}"

    async def close(self) -> None:
        if self._close_channel:
            for channel in self._channels:
                await channel.close()
