"""What SSA writes to its audit log: one entry per person for every request it answers.

Outcomes, as SSA uses them:

- DISCLOSED: the identity matched, so the match, citizenship and death indicators were
  released.
- REFUSED: SSA answered with a match status only (detail NO_RECORD, NAME_MISMATCH or
  BIRTH_DATE_MISMATCH) and released nothing else it holds.
- FAILED: SSA could not answer at all (detail INTERNAL).

And one more entry, REFUSED with detail ``MISMATCH_RUN: <n> non-matches in a row from
<caller>``, about the person whose answer brought a caller's run of non-matches to a
multiple of the threshold (see mismatch_runs.py): a sign of someone guessing.

A request that fails validation is not recorded: it never reaches anyone's data.
"""

from __future__ import annotations

from services.ssa.domain import IdentityAnswer, MatchStatus
from services.ssa.tables import AUDIT
from shared.audit import Outcome
from shared.audit_trail import Disclosure, recorder

IDENTITY_FACTS = ("identity.match", "identity.citizenship", "identity.death")


def for_answer(ssn: str, answer: IdentityAnswer) -> Disclosure:
    if answer.status is MatchStatus.MATCH:
        return Disclosure(ssn, Outcome.DISCLOSED, "MATCH")
    return Disclosure(ssn, Outcome.REFUSED, answer.status.name)


def mismatch_run(ssn: str, length: int, caller: str) -> Disclosure:
    return Disclosure(
        ssn, Outcome.REFUSED, f"MISMATCH_RUN: {length} non-matches in a row from {caller}"
    )


record = recorder(AUDIT, IDENTITY_FACTS)


DEATH_FACTS = ("identity.death",)
# A death told to SSA (RECEIVED), and each death report released to a reader (DISCLOSED).
record_death_fact = recorder(AUDIT, DEATH_FACTS)
