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


@dataclass(frozen=True)
class SnapFacts:
    """One SNAP household: everyone listed buys and prepares food together."""

    benefit_month: dt.date
    state_code: str
    members: tuple[Member, ...]
    expenses: Expenses = field(default_factory=Expenses)


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
    # One per member within the time limit's ages (see time_limit.TimeLimit).
    time_limits: tuple[TimeLimit, ...] = ()
