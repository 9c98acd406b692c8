"""Where a decision's standing goes in a person's history of one program, free of gRPC
and databases.

Each of the orchestrator's decisions says what a person's standing is from its effective
day on; on any day, the standing that holds is the one from the newest decision
(shared.decision_order) among those already in effect that day. As days pass, more
decisions are in effect, so the decision that holds never gets older: a history is a run
of periods in date order whose decisions are newer and newer. That is what lets each
notice be placed by itself, whatever order notices arrive in:

- it takes every day from its effective day up to the first period of a newer decision
  (to the end of time when there is none);
- a period of an older decision that held before its effective day ends the day before;
  one that began on or after it never held a day (superseded), and is kept as such;
- when a newer decision already holds from its effective day or earlier, it takes no day.

So a late notice of an older decision with an earlier effective day fills in the days
before the newer decision took effect, and changes nothing from then on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shared.decision_order import DecisionOrder, supersedes

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Held:
    """A period that held at least one day: its decision, and its last day (None: open)."""

    ident: int
    order: DecisionOrder  # the revision that set it, and valid_from
    valid_until: dt.date | None

    @property
    def valid_from(self) -> dt.date:
        return self.order.effective_date


@dataclass(frozen=True)
class Placement:
    # Periods the decision ends, each with its new last day (before its first: superseded).
    ends: tuple[tuple[int, dt.date], ...]
    # The new period's last day, and the period of the newer decision that bounds it.
    valid_until: dt.date | None
    bounded_by: int | None


def place(held: Sequence[Held], incoming: DecisionOrder) -> Placement | None:
    """Where ``incoming`` goes among ``held`` (one person's periods in one program), or
    None when a newer decision holds from its effective day on."""
    start = incoming.effective_date
    newer = sorted((h for h in held if not supersedes(incoming, h.order)), key=_first_day)
    if newer and newer[0].valid_from <= start:
        return None
    ends = tuple(
        (h.ident, max(start, h.valid_from) - DAY)
        for h in held
        if supersedes(incoming, h.order) and (h.valid_until is None or h.valid_until >= start)
    )
    if not newer:
        return Placement(ends, None, None)
    return Placement(ends, newer[0].valid_from - DAY, newer[0].ident)


def _first_day(held: Held) -> dt.date:
    return held.valid_from
