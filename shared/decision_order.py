"""Which of two of the orchestrator's decisions for one case an agency keeps.

The orchestrator numbers its decisions for a case (a change notice's ``revision``), and
each one accounts for everything known when it was made. So the answer of record is the
one from the highest revision, even when an earlier one took effect later: a job loss
reported after a settlement can take effect before it, and the decision made after the
report supersedes the settlement's. Ordering by effective date instead would keep the
superseded answer.

A notice from a sender that gave no revision (0) is older than every notice with one (the
orchestrator numbers every notice it writes from the version that began to), and such
notices are ordered among themselves by effective date, as agencies did before revisions.
A tie goes to the newer delivery; the same notice delivered twice never gets this far
(shared.change_receipt).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class DecisionOrder:
    revision: int  # 0 when not given
    effective_date: dt.date


def supersedes(incoming: DecisionOrder, held: DecisionOrder | None) -> bool:
    """Whether ``incoming`` replaces what is held (nothing held: it does)."""
    return held is None or incoming >= held
