"""What a change in a case means to SSA, free of gRPC and databases.

SSA keeps the number, the name, the birth and the death of each person. A death is
entered against the person's record (the death indicator every identity answer
carries); a birth or an adoption is a new member SSA may have to number; a marriage
or a divorce often brings a name change, which SSA makes only when the person asks
with evidence, so it is noted and no more. Nothing else SSA holds changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.ssa.domain import PersonRecord
from shared.change_effect import NO_ACTION, RECORDED, Effect, people


@dataclass(frozen=True)
class SsaChange:
    effect: Effect
    # SSNs whose records are to carry the death from now on.
    mark_deceased: list[str] = field(default_factory=list)


def _death(on: dt.date, ssns: Sequence[str], records: Mapping[str, PersonRecord]) -> SsaChange:
    known = [s for s in ssns if s in records]
    if not known:
        return SsaChange(Effect(NO_ACTION, "SSA holds no record for the person named"))
    new = [s for s in known if records[s].death_date is None]
    detail = f"death on {on.isoformat()} entered in SSA's records for {people(len(new))}"
    if len(new) < len(known):
        detail += f"; already recorded for {people(len(known) - len(new))}"
    return SsaChange(Effect(RECORDED, detail), new)


def change_for(
    kind: str, on: dt.date, ssns: Sequence[str], records: Mapping[str, PersonRecord]
) -> SsaChange:
    """``kind`` is a LifeEventKind name without its prefix; ``ssns`` the members named."""
    if kind == "DEATH":
        return _death(on, ssns, records)
    if kind in ("BIRTH", "ADOPTION"):
        unnumbered = sum(1 for s in ssns if s not in records)
        return SsaChange(
            Effect(
                RECORDED,
                f"new member noted; {people(unnumbered)} without a number SSA holds, "
                "to be enumerated",
            )
        )
    if kind == "ISSUE_SETTLED":
        # Sent for the programs' answers; SSA runs none of them.
        return SsaChange(
            Effect(NO_ACTION, "a data-matching issue settled by rule changes nothing SSA holds")
        )
    if kind in ("MARRIAGE", "DIVORCE"):
        return SsaChange(
            Effect(
                RECORDED,
                f"{kind.lower()} noted; a name change follows when the person asks with evidence",
            )
        )
    return SsaChange(
        Effect(NO_ACTION, f"a {kind.lower().replace('_', ' ')} changes nothing SSA holds")
    )
