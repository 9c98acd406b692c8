"""The measured path: SubmitApplication on a real orchestrator, which calls the agencies."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import grpc

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.harness.households import example_paths, load_request, request_from_dict


def synthetic_requests(applications: Path) -> list[tuple[str, pb.SubmitApplicationRequest]]:
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
    every call creates a case (a repeated request_id would only read the first one back)."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        templates: list[tuple[str, pb.SubmitApplicationRequest]],
        timeout_s: float,
    ) -> None:
        # One channel for every client, as a single calling system would hold.
        self._channel = channel
        self._stub = pb_grpc.CoordinationServiceStub(self._channel)
        # Past the last household the first comes again: then it is a re-application.
        self._templates = itertools.cycle(templates)
        self._timeout = timeout_s

    async def __call__(self) -> str:
        """Returns "<household> <case status>": a status that varies with load is a finding."""
        name, template = next(self._templates)
        request = pb.SubmitApplicationRequest()
        request.CopyFrom(template)
        request.request_id = str(uuid.uuid4())
        reply = await self._stub.SubmitApplication(request, timeout=self._timeout)
        if not reply.case.case_id:
            raise RuntimeError("SubmitApplication answered without a case")
        return f"{name} {pb.CaseStatus.Name(reply.case.status).removeprefix('CASE_STATUS_')}"

    async def close(self) -> None:
        await self._channel.close()
