"""Evidence reuse: a fact an agency verified, still fresh and about the same claim, is
not asked of the agency again. The reused fact keeps its first provenance and points
back at where it was recorded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from eligibility.common.v1 import household_pb2
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import Fact
from services.orchestrator.domain.subject_keys import SubjectKeys

IDENTITY_FACTS = ("identity.ssn_match", "identity.citizenship", "identity.death")
INCOME_FACTS = ("income.tax_return_magi", "income.tax_return_family_size")


def income_basis(tax_year: int, claim: str) -> str:
    return f"{tax_year}|{claim}"[:64]


@dataclass
class Reusable:
    identity: dict[str, ssa_pb.IdentityResult] = field(default_factory=dict)
    income: dict[str, treasury_pb.FilerIncome] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)


# What ``find_reusable`` looks at: these facts, fresh, with these statuses.
REUSED_FACTS = (*IDENTITY_FACTS, *INCOME_FACTS)
REUSED_STATUSES = (ev.VERIFIED, ev.INCONSISTENT)


def find_reusable(
    known: Mapping[tuple[str, str], Fact],
    household: household_pb2.Household,
    subjects: SubjectKeys,
    tax_year: int,
    consents_in_force: set[str],
) -> Reusable:
    """``known``: the newest fresh fact per (subject_ref, fact) among REUSED_FACTS.
    Tax data is reused only while the consent it was obtained under is still in force:
    a revoked consent ends its use, not just further requests."""
    refs = {m.person_id: subjects.ref(m.ssn) for m in household.members}
    out = Reusable()
    for member in household.members:
        pid, ref, claim = member.person_id, refs[member.person_id], subjects.claim(member)

        def row(fact: str, basis: str) -> Fact | None:
            found = known.get((ref, fact))  # noqa: B023 - used inside this iteration only
            return found if found is not None and found.basis == basis else None

        match, death = row("identity.ssn_match", claim), row("identity.death", claim)
        citizenship = row("identity.citizenship", claim)
        needs_citizenship = member.citizenship == household_pb2.CITIZENSHIP_STATUS_CITIZEN
        if (
            match is not None
            and match.status == ev.VERIFIED
            and death is not None
            and (citizenship is not None or not needs_citizenship)
        ):
            answer = ssa_pb.IdentityResult(
                person_id=pid,
                match_status=ssa_pb.MATCH_STATUS_MATCH,
                citizenship_verified=citizenship is not None and citizenship.value == "true",
                death_indicator=death.value != "none",
            )
            if death.value != "none":
                died = dt.date.fromisoformat(death.value)
                answer.death_date.year, answer.death_date.month, answer.death_date.day = (
                    died.year,
                    died.month,
                    died.day,
                )
            out.identity[pid] = answer
            out.facts += [_as_of(r, pid) for r in (match, death, citizenship) if r is not None]
        basis = income_basis(tax_year, claim)
        magi, size = (
            row("income.tax_return_magi", basis),
            row("income.tax_return_family_size", basis),
        )
        if (
            magi is not None
            and size is not None
            and magi.status == ev.VERIFIED
            and _consented(magi.consent_id, consents_in_force)
        ):
            out.income[pid] = treasury_pb.FilerIncome(
                person_id=pid,
                status=treasury_pb.VERIFICATION_STATUS_VERIFIED,
                magi_cents=int(magi.value),
                family_size=int(size.value),
                tax_year=tax_year,
            )
            out.facts += [_as_of(magi, pid), _as_of(size, pid)]
    return out


def _as_of(stored: Fact, person_id: str) -> Fact:
    """A stored fact reused for this application's member."""
    return dataclasses.replace(stored, person_id=person_id)


def _consented(consent_ids: str | None, in_force: set[str]) -> bool:
    return bool(consent_ids) and all(c in in_force for c in consent_ids.split(","))


def stamp(
    facts: list[Fact], household: household_pb2.Household, subjects: SubjectKeys, tax_year: int
) -> list[Fact]:
    """Give new facts their subject reference and the claim they were checked against."""
    members = {m.person_id: m for m in household.members}
    stamped = []
    for fact in facts:
        member = members[fact.person_id]
        basis = fact.basis
        if fact.fact in IDENTITY_FACTS:
            basis = subjects.claim(member)
        elif fact.fact in INCOME_FACTS:
            basis = income_basis(tax_year, subjects.claim(member))
        stamped.append(
            dataclasses.replace(
                fact, subject_ref=fact.subject_ref or subjects.ref(member.ssn), basis=basis
            )
        )
    return stamped
