"""Applications the access and disclosure tests send: a shipped example household, and the
same household's first member asked for by SSN alone, to be filled in from the store."""

from __future__ import annotations

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request


def example(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    """The shipped example whose file name holds ``stem``."""
    return load_request(next(p for p in example_paths() if stem in p.name), request_id)


def by_ssn_alone(
    first: pb.SubmitApplicationRequest, request_id: str
) -> pb.SubmitApplicationRequest:
    """``first``'s first member, named by SSN only (reuse_known_facts), with its tax units
    and expenses: what a caller sends to have a known person filled in."""
    member = first.household.members[0]
    bare = pb.SubmitApplicationRequest(request_id=request_id, programs=first.programs)
    bare.household.members.add(
        person_id=member.person_id, ssn=member.ssn, applying=True, reuse_known_facts=True
    )
    bare.household.tax_units.extend(first.household.tax_units)
    bare.household.expenses.CopyFrom(first.household.expenses)
    return bare
