"""Gather verified facts: identity from SSA first, then income from Treasury under
consent, reusing whatever is already verified and fresh. Independent agency calls run
side by side elsewhere; these two run in order because income depends on identity.
Each request goes on the audit trail before it is sent, its outcome after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator.adapters import agency_requests, evidence_store, repository
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.refusal import declined_text
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.audit_trail import (
    DISCLOSED,
    REFUSED,
    Trail,
    notes_for,
)
from services.orchestrator.domain import consents
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.consents import Grant
from services.orchestrator.domain.evidence import EvidenceDirectory, Fact
from services.orchestrator.domain.identity import reconcile_identity
from services.orchestrator.domain.reconcile import IncomeInquiry, Issue, reconcile_income
from services.orchestrator.domain.reuse import (
    REUSED_FACTS,
    REUSED_STATUSES,
    find_reusable,
    stamp,
)
from shared.consent import ConsentSigner
from shared.db import Database

IDENTITY_DISCLOSED = ("ssn", "name", "birth_date")


@dataclass
class Gathered:
    facts: list[Fact] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # person_id -> the weakest status among that person's facts
    evidence_status: dict[str, str] = field(default_factory=dict)
    # Consents given with this application, to be stored with the case.
    new_grants: list[Grant] = field(default_factory=list)


@dataclass(frozen=True)
class OnFile:
    """What the store holds for an application's people as it starts: consents in force
    and the newest fresh facts. Read with the request_id check, in one unit of work."""

    subject_refs: frozenset[str]
    grants: list[Grant]
    known: dict[tuple[str, str], Fact]


def on_file(session: Session, subject_refs: Iterable[str], now: dt.datetime) -> OnFile:
    refs = frozenset(subject_refs)
    grants = repository.consents_in_force(session, sorted(refs), now)
    known = evidence_store.fresh_as_facts(session, refs, REUSED_FACTS, now, REUSED_STATUSES)
    return OnFile(refs, grants, known)


class Gatherer:
    def __init__(
        self,
        db: Database,
        agencies: AgencyGateway,
        directory: EvidenceDirectory,
        subjects: Subjects,
        signer: ConsentSigner,
    ) -> None:
        self._db = db
        self._agencies = agencies
        self._directory = directory
        self._subjects = subjects
        self._signer = signer

    async def gather(
        self,
        request: pb.SubmitApplicationRequest,
        case_id: str,
        plan_year: int,
        now: dt.datetime,
        budget: Callable[[], float],
        trail: Trail,
        held: OnFile | None = None,
    ) -> Gathered:
        """``held``: what was read for these people at the start, if it was."""
        household = request.household
        tax_year = plan_year - agency_requests.TAX_YEAR_LAG
        refs = {m.person_id: self._subjects.ref(m.ssn) for m in household.members}
        if held is None or held.subject_refs != frozenset(refs.values()):
            held = await self._db.read(lambda s: on_file(s, refs.values(), now))
        in_force = held.grants
        reusable = find_reusable(
            held.known, household, self._subjects, tax_year, {g.consent_id for g in in_force}
        )
        new_grants = consents.not_yet_in_force(
            consents.new_grants(request, self._subjects, now), in_force
        )
        out = Gathered(new_grants=new_grants)

        # Identity first: only people SSA has not verified recently are asked.
        answers = dict(reusable.identity)
        to_ask = [m for m in household.members if m.person_id not in answers]
        unreachable = declined = ""
        if to_ask:
            purpose = agency_requests.identity_purpose(plan_year)
            asked = notes_for(
                "ssa", [refs[m.person_id] for m in to_ask], IDENTITY_DISCLOSED, purpose, DISCLOSED
            )
            ssa_request = agency_requests.ssa_request(
                to_ask, plan_year, case_id, request.request_id
            )
            try:
                reply = await self._agencies.ask(
                    lambda send: self._agencies.verify_identity(ssa_request, budget(), send),
                    asked,
                    trail,
                )
                answers.update({r.person_id: r for r in reply.results})
            except SourceUnavailable as error:
                unreachable = error.code
                if error.declined:
                    declined = declined_text("ssa", error.reason, error.code)
        identity = reconcile_identity(
            household, answers, self._directory, now, unreachable, declined
        )

        inquiry = await self._ask_treasury(
            household,
            request,
            case_id,
            plan_year,
            now,
            budget,
            identity.verified,
            identity.status_by_person,
            reusable.income,
            [*in_force, *new_grants],
            refs,
            trail,
        )
        income = reconcile_income(household, inquiry, self._directory, now, plan_year)

        fresh = [
            f
            for f in [*identity.facts, *income.facts]
            if not (f.fact.startswith("identity.") and f.person_id in reusable.identity)
            and not (f.fact.startswith("income.tax_return") and f.person_id in reusable.income)
        ]
        consent_of = {
            pid: g.consent_id
            for pid in inquiry.answers
            if pid not in reusable.income
            and (g := consents.covering([*in_force, *new_grants], refs[pid], "treasury", "income"))
        }
        fresh = [
            dataclasses.replace(f, consent_id=consent_of.get(f.person_id))
            if f.fact.startswith("income.tax_return")
            else f
            for f in fresh
        ]
        out.facts = [*stamp(fresh, household, self._subjects, tax_year), *reusable.facts]
        out.issues = [*identity.issues, *income.issues]
        out.evidence_status = {
            m.person_id: ev.worst(
                identity.status_by_person.get(m.person_id, ev.ATTESTED),
                income.status_by_person.get(m.person_id, ev.ATTESTED),
            )
            for m in household.members
        }
        return out

    async def _ask_treasury(
        self,
        household: household_pb2.Household,
        request: pb.SubmitApplicationRequest,
        case_id: str,
        plan_year: int,
        now: dt.datetime,
        budget: Callable[[], float],
        verified: set[str],
        identity_status: dict[str, str],
        reused: dict[str, treasury_pb.FilerIncome],
        grants: list[Grant],
        refs: dict[str, str],
        trail: Trail,
    ) -> IncomeInquiry:
        """Ask Treasury about the filers ``_plan_treasury`` picks, under consents still in
        force when the proof is made."""
        answers = {pid: a for pid, a in reused.items()}
        plan = _plan_treasury(household, verified, answers, grants, refs)
        stored = [g.consent_id for g in plan.used if not g.new]
        if stored:
            # A consent revoked while SSA was being asked must not get a proof.
            revoked = await self._db.read(lambda s: repository.consents_revoked_among(s, stored))
            if revoked:
                live = [g for g in grants if g.consent_id not in revoked]
                plan = _plan_treasury(household, verified, answers, live, refs)
        ask, used, no_consent = plan.ask, plan.used, plan.no_consent
        for filers in plan.unconsented_units:
            trail.note(
                notes_for(
                    "treasury",
                    [refs[f] for f in filers],
                    ("income",),
                    consents.PURPOSE,
                    REFUSED,
                    "NO_CONSENT: Treasury was not asked",
                )
            )
        unreachable: set[str] = set()
        reason = declined = ""
        if ask:
            members = {m.person_id: m for m in household.members}
            ssns = [members[f].ssn for f in ask]
            asked = notes_for(
                "treasury", [refs[f] for f in ask], IDENTITY_DISCLOSED, consents.PURPOSE, DISCLOSED
            )

            def attempt() -> treasury_pb.VerifyHouseholdIncomeRequest:
                # A proof is good for one request: every attempt carries a new one,
                # made out for exactly this request's case and tax year.
                outgoing = agency_requests.treasury_request(
                    household, ask, plan_year, case_id, request.request_id, ""
                )
                outgoing.consent_proof = consents.proof(
                    self._signer, used, ssns, "treasury", "income", case_id, outgoing.tax_year, now
                )
                return outgoing

            try:
                reply = await self._agencies.ask(
                    lambda send: self._agencies.verify_income(attempt, budget(), send),
                    asked,
                    trail,
                )
                answers.update({r.person_id: r for r in reply.results})
            except SourceUnavailable as error:
                unreachable, reason = set(ask), error.code
                if error.declined:
                    declined = declined_text("treasury", error.reason, error.code)
        return IncomeInquiry(
            answers=answers,
            unreachable=frozenset(unreachable),
            unreachable_reason=reason,
            declined=declined,
            no_consent=frozenset(no_consent),
            identity_status=identity_status,
        )


@dataclass(frozen=True)
class _TreasuryPlan:
    ask: list[str]
    used: list[Grant]
    no_consent: set[str]
    unconsented_units: list[list[str]]


def _plan_treasury(
    household: household_pb2.Household,
    verified: set[str],
    answers: dict[str, treasury_pb.FilerIncome],
    grants: list[Grant],
    refs: dict[str, str],
) -> _TreasuryPlan:
    """Whom to ask Treasury about, under which consents: verified filers with no fresh
    return on file, whole tax units at a time, and only where every filer consented."""
    plan = _TreasuryPlan([], [], set(), [])
    for unit in household.tax_units:
        filers = list(unit.filer_person_ids)
        if not all(f in verified for f in filers) or all(f in answers for f in filers):
            continue
        covering = {f: consents.covering(grants, refs[f], "treasury", "income") for f in filers}
        if all(covering.values()):
            plan.ask.extend(filers)
            plan.used.extend(g for g in covering.values() if g is not None)
        else:
            plan.no_consent.update(filers)
            plan.unconsented_units.append(filers)
    return plan
