"""Treasury's consent gate: tax data leaves only against a proof it can check itself,
made out to Treasury for this very request: its case, its tax year, its filers. That
the proof is used only once, and not after revocation, is the proof ledger's check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from shared.consent import ConsentClaims, ConsentError, ConsentVerifier

AGENCY = "treasury"
# The consent scope a proof must grant for Treasury to release a return.
INCOME_SCOPE = "income"
MISSING = "CONSENT_MISSING"


def check_consent(
    verifier: ConsentVerifier,
    proof: str,
    ssns: Sequence[str],
    purpose: str,
    case_id: str,
    tax_year: int,
    now: dt.datetime,
) -> ConsentClaims:
    """The proof's claims when it lets Treasury release income for every filer, for this
    purpose, case and tax year at ``now``; otherwise ConsentError with a CONSENT_* reason."""
    if not proof.strip():
        raise ConsentError(
            MISSING,
            "Treasury releases tax data only with the person's consent, "
            "and this request carries no consent proof",
        )
    return verifier.verify(
        proof,
        ssn=list(ssns),
        purpose=purpose,
        agency=AGENCY,
        fact=INCOME_SCOPE,
        case_id=case_id,
        tax_year=tax_year,
        now=now,
    )
