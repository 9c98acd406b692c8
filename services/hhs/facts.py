"""The facts HHS rules decide on: a household as the caller verified it. No gRPC here."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import field

from services.hhs.records import record
from shared.magi import IncomeParts
from shared.work_activity import WorkActivity


class Citizenship(enum.Enum):
    CITIZEN = "citizen"
    LAWFULLY_PRESENT = "lawfully_present"
    NOT_LAWFULLY_PRESENT = "not_lawfully_present"


class Relation(enum.Enum):
    """``person_id`` is the <relation> of ``related_person_id``."""

    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other_relative"
    UNRELATED = "unrelated"


class FilingStatus(enum.Enum):
    SINGLE = "single"
    MARRIED_FILING_JOINTLY = "married_filing_jointly"
    MARRIED_FILING_SEPARATELY = "married_filing_separately"
    HEAD_OF_HOUSEHOLD = "head_of_household"
    QUALIFYING_SURVIVING_SPOUSE = "qualifying_surviving_spouse"


@record
class Member:
    person_id: str
    # Whole years on the day the answer holds from (determined_on), as the caller took it.
    age: int
    pregnant: bool = False
    # With pregnant: the children expected; 0 when not stated (the parameters then say).
    expected_children: int = 0
    citizenship: Citizenship = Citizenship.CITIZEN
    # The member's own annual MAGI in cents; may be negative (a business loss). Computed
    # from ``incomes`` when those are given (services/hhs/income.py).
    annual_magi_cents: int = 0
    applying: bool = True
    offered_affordable_employer_coverage: bool = False
    # Zero means no premium is known; the flag above then decides affordability.
    employer_self_only_monthly_premium_cents: int = 0
    # Lawfully present but barred from Medicaid/CHIP by immigration status (8 U.S.C. 1613).
    medicaid_barred_by_immigration_status: bool = False
    disabled: bool = False
    # The parts MAGI is computed from; None when the caller gave a ready-made MAGI.
    incomes: IncomeParts | None = None
    # Expected to be required to file a return (26 U.S.C. 6012(a)(1)): a tax dependent's or
    # a child's income then counts in their household (42 CFR 435.603(d)(2)).
    required_to_file: bool = False
    # Towards Medicaid community engagement (P.L. 119-21 s.71119).
    work_activity: WorkActivity = WorkActivity()
    monthly_earned_income_cents: int = 0
    # The age the Marketplace premium is rated on when it is not ``age``: the age at the
    # start of the member's coverage for the plan year, which the policy keeps
    # (45 CFR 147.102(a)(1)(iii)). None: ``age``.
    premium_age: int | None = None

    @property
    def rating_age(self) -> int:
        return self.age if self.premium_age is None else self.premium_age

    def with_income(self, annual_magi_cents: int, required_to_file: bool) -> Member:
        """This member with the MAGI computed from their incomes (services/hhs/income.py).
        Spelled out rather than ``dataclasses.replace``: it runs for every member of every
        household, and replace costs several times as much."""
        # By keyword: a field added in the middle must not shift the others.
        return Member(
            person_id=self.person_id,
            age=self.age,
            pregnant=self.pregnant,
            expected_children=self.expected_children,
            citizenship=self.citizenship,
            annual_magi_cents=annual_magi_cents,
            applying=self.applying,
            offered_affordable_employer_coverage=self.offered_affordable_employer_coverage,
            employer_self_only_monthly_premium_cents=self.employer_self_only_monthly_premium_cents,
            medicaid_barred_by_immigration_status=self.medicaid_barred_by_immigration_status,
            disabled=self.disabled,
            incomes=self.incomes,
            required_to_file=required_to_file,
            work_activity=self.work_activity,
            monthly_earned_income_cents=self.monthly_earned_income_cents,
            premium_age=self.premium_age,
        )


@record
class Relationship:
    person_id: str
    related_person_id: str
    relation: Relation


@record
class TaxUnit:
    tax_unit_id: str
    filing_status: FilingStatus
    filers: tuple[str, ...]
    dependents: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        return (*self.filers, *self.dependents)


@record
class QuotedBenchmark:
    """A benchmark premium the caller knows (an exchange's catalogue, a shopper's quote)."""

    monthly_premium_cents: int
    age: int
    source: str


@record
class HouseholdFacts:
    plan_year: int
    state_code: str
    county: str
    members: tuple[Member, ...]
    relationships: tuple[Relationship, ...] = ()
    tax_units: tuple[TaxUnit, ...] = ()
    # The day the answer holds from: the caller's determined_on, else the day HHS answers;
    # None means January 1 of the plan year.
    determined_on: dt.date | None = None
    zip_code: str = ""
    # Used only where HHS holds no published benchmark for the year and county.
    quoted_benchmark: QuotedBenchmark | None = None
    _by_id: dict[str, Member] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({m.person_id: m for m in self.members})

    def with_members(self, members: tuple[Member, ...]) -> HouseholdFacts:
        """The same household with its members replaced (their MAGI filled in)."""
        return HouseholdFacts(
            plan_year=self.plan_year,
            state_code=self.state_code,
            county=self.county,
            members=members,
            relationships=self.relationships,
            tax_units=self.tax_units,
            determined_on=self.determined_on,
            zip_code=self.zip_code,
            quoted_benchmark=self.quoted_benchmark,
        )

    def member(self, person_id: str) -> Member:
        return self._by_id[person_id]
