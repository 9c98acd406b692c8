"""A page of enrollment periods as the caller receives it, and what HHS's audit log keeps
of it: one DISCLOSED entry for each person the page names."""

from __future__ import annotations

from collections.abc import Sequence

from eligibility.common.v1 import determination_pb2 as det
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from services.hhs.tables import AUDIT, EnrollmentPeriod
from shared.audit import Outcome, audit_person_ref
from shared.audit_trail import Disclosure, recorder
from shared.protoconv import date_to_proto

PERIOD_FACTS = ("hhs.enrollment_period",)
record = recorder(AUDIT, PERIOD_FACTS)


def to_proto(row: EnrollmentPeriod) -> pb.EnrollmentPeriod:
    out = pb.EnrollmentPeriod(
        person_id=row.person_id,
        program=det.Program.Value("PROGRAM_" + row.program),
        monthly_benefit_cents=row.monthly_benefit_cents,
        valid_from=date_to_proto(row.valid_from),
        left_case=row.left_case,
        set_by=row.set_by,
        set_revision=row.set_revision,
        closed_by=row.closed_by,
        closed_revision=row.closed_revision,
    )
    if row.status:
        out.status = det.DeterminationStatus.Value("DETERMINATION_STATUS_" + row.status)
    if row.csr_level:
        out.csr_level = det.CsrLevel.Value("CSR_LEVEL_" + row.csr_level)
    if row.valid_until is not None:
        out.valid_until.CopyFrom(date_to_proto(row.valid_until))
        out.superseded = row.valid_until < row.valid_from
    return out


def disclosures(
    subject_key: bytes, case_id: str, rows: Sequence[EnrollmentPeriod]
) -> list[Disclosure]:
    """HHS knows the people of a case by person id only: each is named by its keyed
    reference within the case, once however many of their periods the page holds."""
    people = sorted({row.person_id for row in rows})
    return [
        Disclosure(
            "",
            Outcome.DISCLOSED,
            "enrollment periods",
            audit_person_ref(subject_key, case_id, person_id),
        )
        for person_id in people
    ]
