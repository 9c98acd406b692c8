"""Combine the agencies' answers and the state of the evidence into one determination.

The rules themselves belong to HHS and USDA; this step only qualifies their answers
by how well the facts behind them are verified, and fills in what a source that
could not answer leaves open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.inconsistency_period import ANSWER_ON_ATTESTATION

HHS_PROGRAMS = (det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE)
ELIGIBLE = det.DETERMINATION_STATUS_ELIGIBLE
CONDITIONAL = det.DETERMINATION_STATUS_CONDITIONAL
PENDING = det.DETERMINATION_STATUS_PENDING_VERIFICATION


@dataclass
class Combined:
    persons: list[det.PersonDetermination] = field(default_factory=list)
    household: list[det.ProgramDetermination] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        every = [p for person in self.persons for p in person.programs] + self.household
        return any(p.status == PENDING for p in every)


def wants_hhs(programs: list[int]) -> bool:
    """One streamlined application is assessed for every insurance affordability
    program, whichever of them was named (45 CFR 155.405)."""
    return any(p in HHS_PROGRAMS for p in programs)


# Each program's own rule for acting on attested income while a data-matching issue is open.
_CONDITIONAL_CITATION = {
    det.PROGRAM_MARKETPLACE: "45 CFR 155.315(f)",
    det.PROGRAM_MEDICAID: "42 CFR 435.952(c)(2)",
    det.PROGRAM_CHIP: "42 CFR 457.380(f); 42 CFR 435.952(c)(2)",
    # SNAP verifies gross income before certification.
    det.PROGRAM_SNAP: "7 CFR 273.2(f)(1)(i); 7 CFR 272.8",
}


def _qualify(program: det.ProgramDetermination, evidence_status: str) -> det.ProgramDetermination:
    """Lower an answer to conditional or pending when the facts behind it are not verified."""
    out = det.ProgramDetermination()
    out.CopyFrom(program)
    if evidence_status == ev.SOURCE_UNAVAILABLE:
        out.status = PENDING
        out.reasons.append(
            det.Reason(
                code="VERIFICATION_PENDING",
                message="a source of verified facts could not be reached; the answer above is "
                "provisional until it answers",
                # Kept so the attestation can stand on its own answer if the source never
                # answers within the inconsistency period (inconsistency_period.apply).
                figures={ANSWER_ON_ATTESTATION: det.DeterminationStatus.Name(program.status)},
            )
        )
    elif evidence_status in (ev.INCONSISTENT, ev.NO_RECORD) and out.status == ELIGIBLE:
        out.status = CONDITIONAL
        out.reasons.append(
            det.Reason(
                code="DATA_MATCHING_ISSUE",
                message="eligible on the attested income while a data-matching issue is open",
                citation=_CONDITIONAL_CITATION.get(out.program, ""),
            )
        )
    return out


def _unavailable(program: int, agency: str, declined: str | None) -> det.ProgramDetermination:
    """Pending: the agency could not be reached, or (``declined``) said no for now."""
    if declined:
        reason = det.Reason(
            code="AGENCY_REFUSED",
            message=f"{declined}; the case will be determined when it can answer",
            figures={"agency": agency},
        )
    else:
        reason = det.Reason(
            code=f"{agency.upper()}_UNAVAILABLE",
            message=f"{agency} could not be reached; the case will be determined when it answers",
        )
    return det.ProgramDetermination(program=program, status=PENDING, reasons=[reason])


def combine(
    household: household_pb2.Household,
    programs: list[int],
    evidence_status: dict[str, str],
    hhs_answer: list[det.PersonDetermination] | None,
    snap_answer: det.ProgramDetermination | None,
    declined: Mapping[str, str] | None = None,
) -> Combined:
    """``evidence_status`` is each person's weakest fact (evidence.worst); ``hhs_answer`` and
    ``snap_answer`` are None when that agency could not answer or was not asked;
    ``declined`` says, by agency, why one that answered "not now" did so."""
    declined = declined or {}
    result = Combined()
    applying = [m.person_id for m in household.members if m.applying]
    if wants_hhs(programs):
        by_person = {p.person_id: p for p in hhs_answer or []}
        for pid in applying:
            person = det.PersonDetermination(person_id=pid)
            if hhs_answer is None:
                person.programs.extend(
                    _unavailable(p, "hhs", declined.get("hhs")) for p in HHS_PROGRAMS
                )
            else:
                answered = by_person.get(pid, det.PersonDetermination()).programs
                status = evidence_status.get(pid, ev.ATTESTED)
                person.programs.extend(_qualify(p, status) for p in answered)
            result.persons.append(person)
    if det.PROGRAM_SNAP in programs:
        if snap_answer is None:
            result.household.append(_unavailable(det.PROGRAM_SNAP, "usda", declined.get("usda")))
        else:
            # SNAP is decided for the household: its weakest evidence governs.
            weakest = ev.worst(
                *(evidence_status.get(m.person_id, ev.ATTESTED) for m in household.members)
            )
            result.household.append(_qualify(snap_answer, weakest))
    return result
