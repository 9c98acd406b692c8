"""What SSA writes to its audit log: one entry per person for every request it answers.

Outcomes, as SSA uses them:

- DISCLOSED: the identity matched, so the match, citizenship and death indicators were
  released.
- REFUSED: SSA answered with a match status only (detail NO_RECORD, NAME_MISMATCH or
  BIRTH_DATE_MISMATCH) and released nothing else it holds.
- FAILED: SSA could not answer at all (detail INTERNAL).

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


record = recorder(AUDIT, IDENTITY_FACTS)
