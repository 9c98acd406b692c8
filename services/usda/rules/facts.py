"""What the SNAP rules are told and what they answer. Money is in cents throughout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.work_activity import WorkActivity

if TYPE_CHECKING:
    from services.usda.rules.time_limit import TimeLimit


@dataclass(frozen=True)
class Member:
    person_id: str
    age: int
    disabled: bool = False
    earned_cents: int = 0
    unearned_cents: int = 0
    # Self-employment receipts and their documented costs, apart from earned_cents: the
    # state's cost deduction turns them into earned income (7 CFR 273.11(b)).
    self_employment_gross_cents: int = 0
    self_employment_costs_cents: int = 0
    # Towards the time limit for able-bodied adults without dependents (7 U.S.C. 2015(o)).
    work_activity: WorkActivity = WorkActivity()
    pregnant: bool = False


@dataclass(frozen=True)
class Expenses:
    """The household's monthly costs. Shelter means rent or mortgage, property tax and
    home insurance; utilities enter only through the standard utility allowance."""

    shelter_cents: int = 0
    pays_heating_or_cooling: bool = False
    dependent_care_cents: int = 0
    medical_cents: int = 0
    child_support_paid_cents: int = 0
    homeless: bool = False
    # An energy-assistance (LIHEAP) payment, which in some states confers the SUA.
    received_energy_assistance: bool = False


@dataclass(frozen=True)
class SnapFacts:
    """One SNAP household: everyone listed buys and prepares food together."""

    benefit_month: dt.date
    state_code: str
    members: tuple[Member, ...]
    expenses: Expenses = field(default_factory=Expenses)
    # Alaska only: "urban", "rural_1" or "rural_2"; empty means Urban, said in the answer.
    alaska_area: str = ""
    # Where the state sets utility allowances by region (AK_SC, NY_NYC...); empty: from
    # the county where the regions follow counties, else the state's default figure.
    utility_region: str = ""
    county: str = ""


@dataclass(frozen=True)
class Reason:
    """A rule's finding: a stable code, a sentence, the law, and the figures used
    (money in cents, rates as decimals, all as text)."""

    code: str
    message: str
    citation: str
    figures: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Determination:
    eligible: bool
    allotment_cents: int
    fiscal_year: int
    household_size: int
    gross_income_cents: int
    net_income_cents: int
    categorically_eligible: bool
    reasons: tuple[Reason, ...]
    alaska_area: str = ""  # Alaska: the allotment area whose figures were used
    utility_region: str = ""  # the utility-allowance region used, where the state has them
    # One per member within the time limit's ages (see time_limit.TimeLimit).
    time_limits: tuple[TimeLimit, ...] = ()
