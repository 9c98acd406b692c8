"""Field checks that more than one service applies to the same common messages.

Each check appends FieldViolations rather than raising, so a request is refused
whole with every problem listed at once.
"""

from __future__ import annotations

import datetime as dt
import re

from eligibility.common.v1 import date_pb2, household_pb2
from shared.errors import FieldViolation

SSN_PATTERN = re.compile(r"^\d{9}$")

# USPS codes of the 50 states and DC.
STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "  # noqa: SIM905
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


def check_ssn(ssn: str, path: str, out: list[FieldViolation]) -> None:
    if not SSN_PATTERN.match(ssn):
        out.append(FieldViolation(path, "must be nine digits with no separators"))
        return
    # SSA never issues area 000, 666 or 9xx, group 00 or serial 0000.
    area, group, serial = ssn[:3], ssn[3:5], ssn[5:]
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        out.append(FieldViolation(path, "is not a number SSA could have issued"))


def check_date(
    value: date_pb2.Date, path: str, out: list[FieldViolation], *, not_after: dt.date | None = None
) -> dt.date | None:
    if not (value.year or value.month or value.day):
        out.append(FieldViolation(path, "is required"))
        return None
    try:
        parsed = dt.date(value.year, value.month, value.day)
    except ValueError:
        out.append(FieldViolation(path, "is not a real calendar date"))
        return None
    if parsed.year < 1900:
        out.append(FieldViolation(path, "must be in or after 1900"))
        return None
    if not_after is not None and parsed > not_after:
        out.append(FieldViolation(path, "must not be in the future"))
        return None
    return parsed


def check_name(name: household_pb2.PersonName, path: str, out: list[FieldViolation]) -> None:
    if not name.given.strip():
        out.append(FieldViolation(f"{path}.given", "is required"))
    if not name.family.strip():
        out.append(FieldViolation(f"{path}.family", "is required"))


def check_state(code: str, path: str, out: list[FieldViolation]) -> None:
    if code not in STATE_CODES:
        out.append(FieldViolation(path, f"{code!r} is not a USPS code of a state or DC"))


# A benchmark premium above this per month for one person is a typing error, not a plan.
MAX_QUOTED_BENCHMARK_CENTS = 10_000_00
MAX_QUOTED_AGE = 130


def check_benchmark_quote(
    quote: household_pb2.BenchmarkPremiumQuote, path: str, out: list[FieldViolation]
) -> None:
    """A caller's benchmark premium: positive, for an age, and saying where it comes from."""
    if not 0 < quote.monthly_premium_cents <= MAX_QUOTED_BENCHMARK_CENTS:
        out.append(
            FieldViolation(
                f"{path}.monthly_premium_cents",
                f"must be more than 0 and at most {MAX_QUOTED_BENCHMARK_CENTS} cents a month",
            )
        )
    if not 0 <= quote.age <= MAX_QUOTED_AGE:
        out.append(FieldViolation(f"{path}.age", f"must be between 0 and {MAX_QUOTED_AGE}"))
    if not quote.source.strip():
        out.append(
            FieldViolation(f"{path}.source", "is required: say where the premium comes from")
        )
