"""Reading a disclosure report as a person would: one line per exchange with an agency.

The orchestrator records each agency request twice: REQUESTED before sending, then how
it ended. Folding the first into the second keeps the report as short as before; a
request whose outcome was never recorded (the orchestrator stopped after sending) is
kept as a line of its own, because the person's data may have left all the same.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from eligibility.orchestrator.v1 import coordination_pb2 as pb

REQUESTED = "REQUESTED"
NO_OUTCOME = "REQUESTED, NO OUTCOME RECORDED"


@dataclass(frozen=True)
class Line:
    entry: pb.Disclosure
    # The seq of the REQUESTED entry folded into this one (0 when none).
    requested_seq: int = 0

    @property
    def outcome(self) -> str:
        return NO_OUTCOME if self.entry.outcome == REQUESTED else self.entry.outcome

    @property
    def seqs(self) -> str:
        if self.requested_seq:
            return f"{self.requested_seq}+{self.entry.seq}"
        return str(self.entry.seq)


def fold(entries: Sequence[pb.Disclosure]) -> list[Line]:
    """Each outcome takes the oldest open request with the same agency, case, purpose
    and facts; the folded line stands where the outcome was recorded."""
    lines: list[Line | None] = []
    waiting: defaultdict[tuple[object, ...], deque[int]] = defaultdict(deque)
    for entry in entries:
        key = (entry.actor_service, entry.case_id, entry.purpose, tuple(entry.facts))
        if entry.outcome == REQUESTED:
            waiting[key].append(len(lines))
            lines.append(Line(entry))
            continue
        requested_seq = 0
        if waiting[key]:
            at = waiting[key].popleft()
            requested = lines[at]
            assert requested is not None
            requested_seq, lines[at] = requested.entry.seq, None
        lines.append(Line(entry, requested_seq))
    return [line for line in lines if line is not None]
