"""Age-rating a benchmark premium quoted for one age to each member of a coverage family.

A member's premium is the quoted premium times curve[age] / curve[quoted age] (45 CFR
147.102(a)(1)(iii), (e)), with the state's own curve where it has one (AL, DC, MA, MN, MS,
NY, OR, UT, VT) and the federal default elsewhere; a family's is the sum over members, counting only the three oldest
covered children under 21 (45 CFR 147.102(c)(1)).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

from services.hhs.applicable_percentage import half_up
from shared.parameters import ParameterSet

CURVE = "hhs.aca.age_curve"
STATE_CURVES = "hhs.aca.state_age_curves"
FAMILY = "hhs.aca.family_rating"


# Parsed curves by the identity of the loaded value (kept alive here, so ids stay unique).
_PARSED: dict[int, tuple[object, dict[int, Fraction], int, Fraction]] = {}


def _parse_curve(curve: dict[object, object]) -> tuple[dict[int, Fraction], int, Fraction]:
    """Ages to factors, plus the age from which the open-ended top factor applies."""
    memo = _PARSED.get(id(curve))
    if memo is not None and memo[0] is curve:
        return memo[1], memo[2], memo[3]
    factors: dict[int, Fraction] = {}
    top_age, top = 10**6, Fraction(0)
    for raw_key, factor in curve.items():
        key, value = str(raw_key), Fraction(Decimal(str(factor)))
        if key.endswith("+"):
            top_age, top = int(key[:-1]), value
        elif "-" in key:
            low, high = key.split("-")
            factors.update({a: value for a in range(int(low), int(high) + 1)})
        else:
            factors[int(key)] = value
    _PARSED[id(curve)] = (curve, factors, top_age, top)
    return factors, top_age, top


def curve_for(params: ParameterSet, plan_year: int, state_code: str) -> dict[object, object]:
    on = dt.date(plan_year, 1, 1)
    state_curves = params.get(STATE_CURVES, on)
    return state_curves.get(state_code) or params.get(CURVE, on)


# Every household of a year and state reads the same curve: each factor is found once.
@functools.lru_cache(maxsize=8192)
def age_factor(params: ParameterSet, plan_year: int, age: int, state_code: str = "") -> Fraction:
    factors, top_age, top = _parse_curve(curve_for(params, plan_year, state_code))
    if age >= top_age:
        return top
    if age not in factors:
        raise ValueError(f"the age curve has no factor for age {age}")
    return factors[age]


@functools.lru_cache(maxsize=256)
def _family_rule(params: ParameterSet, plan_year: int) -> tuple[int, int]:
    rule = params.get(FAMILY, dt.date(plan_year, 1, 1))
    return int(rule["max_rated_children_under"]), int(rule["max_rated_children"])


def rated_members(params: ParameterSet, plan_year: int, ages: dict[str, int]) -> set[str]:
    """Members whose premium counts: all but the children under 21 beyond the three oldest."""
    under, most = _family_rule(params, plan_year)
    children = sorted(
        (pid for pid, age in ages.items() if age < under), key=lambda p: (-ages[p], p)
    )
    return {pid for pid in ages if ages[pid] >= under} | set(children[:most])


def member_premiums(
    params: ParameterSet,
    plan_year: int,
    quoted_cents: int,
    quoted_age: int,
    ages: dict[str, int],
    state_code: str = "",
) -> dict[str, int]:
    """Monthly benchmark premium per member, in cents (zero for unrated children)."""
    # First, so a quoted age off the curve is the error reported.
    age_factor(params, plan_year, quoted_age, state_code)
    rated = rated_members(params, plan_year, ages)
    premiums = {}
    for pid, age in ages.items():
        if pid in rated:
            num, den = _ratio(params, plan_year, quoted_age, age, state_code)
            premiums[pid] = half_up(quoted_cents * num, den)
        else:
            premiums[pid] = 0
    return premiums


@functools.lru_cache(maxsize=16384)
def _ratio(
    params: ParameterSet, plan_year: int, quoted_age: int, age: int, state_code: str
) -> tuple[int, int]:
    """curve[age] / curve[quoted age] as a numerator and a positive denominator."""
    basis = age_factor(params, plan_year, quoted_age, state_code)
    ratio = age_factor(params, plan_year, age, state_code) / basis
    return ratio.numerator, ratio.denominator
