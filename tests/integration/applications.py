"""Applications the access and disclosure tests send: a shipped example household, and the
same household's first member asked for by SSN alone, to be filled in from the store."""

from __future__ import annotations

from eligibility.common.v1 import determination_pb2 as det
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


def same_people_bare(
    request: pb.SubmitApplicationRequest, request_id: str, programs: list[int] | None = None
) -> pb.SubmitApplicationRequest:
    """The same people again, giving only who they are and how they are related:
    everything else (incomes, expenses, pregnancy, work) is to be reused."""
    again = pb.SubmitApplicationRequest(request_id=request_id, plan_year=request.plan_year)
    again.programs.extend(request.programs if programs is None else programs)
    for m in request.household.members:
        again.household.members.add(
            person_id=m.person_id, ssn=m.ssn, applying=m.applying, reuse_known_facts=True
        )
    again.household.relationships.extend(request.household.relationships)
    again.household.tax_units.extend(request.household.tax_units)
    return again


Answer = tuple[str, int, int, int, int, tuple[str, ...]]


def answers(case: pb.Case) -> list[Answer]:
    """Every program's answer, by person ("" for the household), with its reason codes."""
    rows = [
        (p.person_id, d.program, d.status, d.monthly_benefit_cents, d.csr_level, _codes(d))
        for p in case.determinations
        for d in p.programs
    ]
    rows += [
        ("", d.program, d.status, d.monthly_benefit_cents, d.csr_level, _codes(d))
        for d in case.household_determinations
    ]
    return sorted(rows)


def _codes(determination: det.ProgramDetermination) -> tuple[str, ...]:
    return tuple(r.code for r in determination.reasons)
