"""What HHS rules answer: per-person program results with reasons, and household figures."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import field
from fractions import Fraction
from typing import TYPE_CHECKING

from services.hhs.records import record

if TYPE_CHECKING:
    from services.hhs.income import MemberIncome


class Program(enum.Enum):
    MEDICAID = "medicaid"
    CHIP = "chip"
    MARKETPLACE = "marketplace"


class Status(enum.Enum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    # The answer needs data this service does not hold (for example a county's benchmark).
    PENDING_VERIFICATION = "pending_verification"
    # Not decided on these rules: passed to the assessment that decides it (for Medicaid at 65
    # or with a disability, a non-MAGI one, 42 CFR 435.603(j)).
    REFERRED = "referred"


@record
class Reason:
    code: str
    message: str
    citation: str
    figures: Mapping[str, str] = field(default_factory=dict)


@record
class ProgramResult:
    program: Program
    status: Status
    reasons: tuple[Reason, ...]
    monthly_benefit_cents: int = 0
    # Marketplace only: 94, 87, 73, or 0 for none.
    csr_level: int = 0


@record
class PersonResult:
    person_id: str
    programs: tuple[ProgramResult, ...]

    def program(self, program: Program) -> ProgramResult:
        return next(p for p in self.programs if p.program is program)


class Basis(enum.Enum):
    """Where a Marketplace answer's benchmark premium came from."""

    NONE = "none"
    PUBLISHED = "published"
    CALLER_SUPPLIED = "caller_supplied"
    # An earlier year's figure uprated by an index: the answer stays pending.
    ESTIMATE = "estimate"


class Purpose(enum.Enum):
    MARKETPLACE = "marketplace"
    MEDICAID = "medicaid"


@record
class HouseholdFigures:
    purpose: Purpose
    members: tuple[str, ...]
    size: int
    magi_cents: int
    poverty_line_cents: int
    poverty_guideline_year: int
    percent_of_poverty_line: Fraction
    tax_unit_id: str = ""
    # Medicaid households are built per person (42 CFR 435.603).
    person_id: str = ""
    coverage_person_ids: tuple[str, ...] = ()
    benchmark_monthly_premium_cents: int = 0
    applicable_percentage: Fraction = Fraction(0)
    expected_monthly_contribution_cents: int = 0
    monthly_aptc_cents: int = 0
    benchmark_basis: Basis = Basis.NONE
    rating_area: str = ""
    benchmark_source: str = ""


@record
class Determination:
    persons: tuple[PersonResult, ...]
    households: tuple[HouseholdFigures, ...]
    # Every member's MAGI and how it was reached.
    incomes: tuple[MemberIncome, ...] = ()

    def person(self, person_id: str) -> PersonResult:
        return next(p for p in self.persons if p.person_id == person_id)


def percent_text(value: Fraction, places: int = 2) -> str:
    """A percentage as decimal text, rounded half up: Fraction(375, 2) -> "187.50"."""
    num, den = value.numerator * 10**places, value.denominator
    whole = (num * 2 + den) // (2 * den)
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole // 10**places}.{whole % 10**places:0{places}d}"
