"""What a person reports towards the work rules of P.L. 119-21, as plain data.

Medicaid community engagement (HHS) and the SNAP time limit (USDA) read the same report:
hours of work, community service, a work program or school in a month, the exemptions the
person claims and, for SNAP, the countable months already used. Which exemption each
program accepts is each agency's dated parameter, not this module's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from eligibility.common.v1 import household_pb2
from shared.errors import FieldViolation

# A month has at most 744 hours (31 x 24): more is a typing error, not a busy month.
MAX_MONTHLY_HOURS = 744
# The SNAP period is 36 months (7 U.S.C. 2015(o)(2)); more months used cannot be.
MAX_MONTHS_USED = 36
_HOURS = (
    "monthly_work_hours",
    "monthly_community_service_hours",
    "monthly_work_program_hours",
    "monthly_education_hours",
)


@dataclass(frozen=True)
class WorkActivity:
    work_hours: int = 0
    community_service_hours: int = 0
    work_program_hours: int = 0
    education_hours: int = 0
    # Enum names without their prefix, lower case: "caretaker_of_young_child".
    exemptions: frozenset[str] = frozenset()
    snap_countable_months_used: int = 0
    # False when nothing was reported at all (the field was left unset).
    reported: bool = False

    @property
    def total_hours(self) -> int:
        return (
            self.work_hours
            + self.community_service_hours
            + self.work_program_hours
            + self.education_hours
        )


def exemption_name(value: int) -> str:
    return household_pb2.WorkRuleExemption.Name(value).removeprefix("WORK_RULE_EXEMPTION_").lower()


def from_proto(activity: household_pb2.WorkActivity, reported: bool) -> WorkActivity:
    """Run only on a checked message (see ``check``)."""
    return WorkActivity(
        work_hours=activity.monthly_work_hours,
        community_service_hours=activity.monthly_community_service_hours,
        work_program_hours=activity.monthly_work_program_hours,
        education_hours=activity.monthly_education_hours,
        exemptions=frozenset(exemption_name(e) for e in activity.exemptions),
        snap_countable_months_used=activity.snap_countable_months_used,
        reported=reported,
    )


def check(activity: household_pb2.WorkActivity, path: str, out: list[FieldViolation]) -> None:
    for name in _HOURS:
        hours = getattr(activity, name)
        if not 0 <= hours <= MAX_MONTHLY_HOURS:
            out.append(FieldViolation(f"{path}.{name}", f"must be 0 to {MAX_MONTHLY_HOURS} hours"))
    if not 0 <= activity.snap_countable_months_used <= MAX_MONTHS_USED:
        out.append(
            FieldViolation(
                f"{path}.snap_countable_months_used", f"must be 0 to {MAX_MONTHS_USED} months"
            )
        )
    for i, exemption in enumerate(activity.exemptions):
        if exemption == household_pb2.WORK_RULE_EXEMPTION_UNSPECIFIED:
            out.append(FieldViolation(f"{path}.exemptions[{i}]", "is not a known exemption"))
