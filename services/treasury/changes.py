"""What a change in a case means to Treasury, free of gRPC and databases.

Treasury holds returns already filed, which a change never rewrites. A move changes the
address of record (where notices go); a marriage, divorce, separation, birth or death
changes the filing status or the dependents the next return may claim; a change of
income changes what the next return, and the reconciliation of any advance premium tax
credit on it, will show. Each is noted against the taxpayers named. A pregnancy or an
age milestone changes nothing Treasury holds.
"""

from __future__ import annotations

from shared.change_effect import NO_ACTION, RECORDED, Effect, people

_FILING = {
    "MARRIAGE": "filing status may become married for the next return",
    "DIVORCE": "filing status may become single or head of household for the next return",
    "SEPARATION": "filing status may change for the next return",
    "BIRTH": "a new dependent may be claimed on the next return",
    "ADOPTION": "a new dependent may be claimed on the next return",
    "DEATH": "a final return is due, and a surviving spouse may file jointly for the year",
    "INCOME_CHANGE": "the next return, and any advance credit reconciled on it, will show it",
}


def effect_for(kind: str, named: int, state_code: str = "") -> Effect:
    """``named`` is how many members the notice names by SSN; ``state_code`` is the new
    address's state, for a move."""
    if kind == "MOVE":
        return Effect(RECORDED, f"address of record changed to {state_code} for {people(named)}")
    if kind == "ISSUE_SETTLED":
        # A settlement may rest on the return's figure, but it never rewrites the return.
        return Effect(
            NO_ACTION, "a data-matching issue settled by rule changes nothing Treasury holds"
        )
    if kind in _FILING:
        return Effect(RECORDED, f"{kind.lower().replace('_', ' ')} noted: {_FILING[kind]}")
    return Effect(NO_ACTION, f"a {kind.lower().replace('_', ' ')} changes nothing Treasury holds")
