"""What Treasury writes to its audit log: one entry per filer for every request it answers.

Outcomes, as Treasury uses them:

- DISCLOSED: the filer's return was released (status VERIFIED); detail names the consent.
- REFUSED: Treasury answered but released no tax data: the consent proof was missing,
  did not hold, was made out for another request, was used before or names a revoked
  consent (detail is the CONSENT_* reason code), or the filer's identity did not match
  a return (detail IDENTITY_MISMATCH) or there was no return (detail NO_RECORD).
- FAILED: Treasury could not answer at all (detail INTERNAL); nothing was released.

A request that fails validation is not recorded: it never reaches anyone's data.
"""

from __future__ import annotations

from services.treasury.domain import FilerAnswer, Status
from services.treasury.tables import AUDIT
from shared.audit import Outcome
from shared.audit_trail import Disclosure, recorder

# The facts a filer's answer carries when it is released.
INCOME_FACTS = ("income.agi", "income.magi", "filing_status", "family_size")


def for_answer(ssn: str, answer: FilerAnswer, consent_id: str) -> Disclosure:
    if answer.status is Status.VERIFIED:
        return Disclosure(ssn, Outcome.DISCLOSED, f"consent {consent_id}")
    return Disclosure(ssn, Outcome.REFUSED, answer.status.name)


record = recorder(AUDIT, INCOME_FACTS)
