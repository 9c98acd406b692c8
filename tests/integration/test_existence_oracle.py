"""No existence oracle (AIP-211): a caseworker who names a case, consent or person they may
not see hears the same answer, code, message and every status detail, whether or not it
exists; so refusals never tell them which ids are taken. A supervisor, who may read every
case, is still told NOT_FOUND. Refused probes of missing ids are audited like the rest.

Every orchestrator method that takes an id has a row below; a method added to the service
without a row (or a reason to be left out) fails the table.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from grpc_status import rpc_status
from sqlmodel import func, select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters.tables import AUDIT
from shared.ordered_ids import ordered_id
from tests.integration.applications import example

# Methods that name no case, consent or person: a list of the caller's own cases, a
# hypothetical what-if, and the whole audit chain's check.
NAMES_NO_RECORD = {"ListCases", "SimulateIncomeSweep", "VerifyAuditLog"}


def _income_change() -> le.LifeEvent:
    return le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=11, day=1),
        person_id="adaeze",
    )


def _prefill(application: pb.SubmitApplicationRequest, ssn: str) -> pb.SubmitApplicationRequest:
    """The application again, its first member given by SSN alone: facts to be filled in."""
    request = pb.SubmitApplicationRequest()
    request.CopyFrom(application)
    request.request_id = f"probe-prefill-{secrets.token_hex(4)}"
    first = request.household.members[0]
    first.ssn = ssn
    first.reuse_known_facts = True
    first.ClearField("name")
    first.ClearField("birth_date")
    return request


def _table(application: pb.SubmitApplicationRequest) -> dict[str, tuple[str, Callable[[str], Any]]]:
    """method -> (what kind of id it takes, the request naming that id)."""
    return {
        "GetCase": ("case", lambda i: pb.GetCaseRequest(case_id=i)),
        "GetBurdenReport": ("case", lambda i: pb.GetBurdenReportRequest(case_id=i)),
        "RenewCase": ("case", lambda i: pb.RenewCaseRequest(request_id="probe-rn", case_id=i)),
        "ReportLifeEvent": (
            "case",
            lambda i: pb.ReportLifeEventRequest(
                request_id="probe-ev", case_id=i, event=_income_change()
            ),
        ),
        "WatchCase": ("case", lambda i: pb.WatchCaseRequest(case_id=i)),
        "ListCaseEnrollmentPeriods": (
            "case",
            lambda i: pb.ListCaseEnrollmentPeriodsRequest(
                case_id=i, purpose=pb.LOOK_BACK_PURPOSE_APPEAL
            ),
        ),
        "RevokeConsent": (
            "consent",
            lambda i: pb.RevokeConsentRequest(request_id="probe-rv", consent_id=i),
        ),
        "ListConsents": ("person", lambda i: pb.ListConsentsRequest(ssn=i)),
        "GetDisclosureReport": ("person", lambda i: pb.GetDisclosureReportRequest(ssn=i)),
        # By its request_id an application names a request, not a record: a fresh one makes
        # a case, so another's cannot be answered the same (README, "Known gaps"). What it
        # names by id is a person, whose facts it asks to have filled in.
        "SubmitApplication": ("person", lambda i: _prefill(application, i)),
    }


def _random_ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"


async def _answer(stub: Any, method: str, request: Any) -> tuple[grpc.StatusCode, bytes]:
    """A refusal as the caller sees it: its code and the whole google.rpc.Status."""
    call = getattr(stub, method)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        if method == "WatchCase":
            async for _ in call(request, timeout=10):
                break
        else:
            await call(request, timeout=10)
    status = rpc_status.from_call(caught.value)
    assert status is not None, (method, caught.value)
    assert status.message == caught.value.details()
    return caught.value.code(), status.SerializeToString(deterministic=True)


def _refusals_by(coordination: Any, caseworker: str) -> int:
    with coordination.orchestrator_db.session() as session:
        query = (
            select(func.count())
            .select_from(AUDIT.entry)
            .where(AUDIT.entry.actor_caseworker == caseworker, AUDIT.entry.outcome == "REFUSED")
        )
        return session.exec(query).one()


async def test_a_missing_id_and_another_caseworkers_get_one_answer(coordination) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    supervisor = coordination.stub_as("sv-1", "supervisor")
    application = example("okafor", "okafor-oracle")
    case = (await alice.SubmitApplication(application)).case
    ssn = application.household.members[0].ssn
    consent = (await alice.ListConsents(pb.ListConsentsRequest(ssn=ssn))).consents[0]
    rng = random.Random(211)
    real = {"case": case.case_id, "consent": consent.consent_id, "person": ssn}
    missing = {
        "case": ordered_id(),
        "consent": secrets.token_hex(len(consent.consent_id) // 2),
        "person": _random_ssn(rng),
    }
    table = _table(application)
    methods = {m.name for m in pb.DESCRIPTOR.services_by_name["CoordinationService"].methods}
    assert set(table) | NAMES_NO_RECORD == methods

    for method, (kind, build) in table.items():
        # A prober per method: each stays within the refusals audited one by one in a
        # window (past them, probes are counted into a summary when the window ends).
        prober = f"cw-bob-{method}"
        bob = coordination.stub_as(prober)
        theirs = await _answer(bob, method, build(real[kind]))
        after_theirs = _refusals_by(coordination, prober)
        nothing = await _answer(bob, method, build(missing[kind]))
        assert theirs[0] == grpc.StatusCode.PERMISSION_DENIED, method
        assert nothing == theirs, method
        # Both probes are on the audit trail, the one for a missing id too.
        assert after_theirs > 0, method
        assert _refusals_by(coordination, prober) > after_theirs, method

    # A supervisor may read every case, so hearing that one does not exist tells nothing.
    for method, (kind, build) in table.items():
        if kind == "person":  # a person is not looked up: a stranger simply has no records
            continue
        code, _ = await _answer(supervisor, method, build(missing[kind]))
        assert code == grpc.StatusCode.NOT_FOUND, method


async def test_a_refused_probe_of_a_missing_case_is_audited_under_the_id_probed(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    bob = coordination.stub_as("cw-bob")
    probed = ordered_id()
    await _answer(bob, "GetCase", pb.GetCaseRequest(case_id=probed))
    # A probe that is not shaped like a case id may be anything typed: not kept.
    await _answer(bob, "GetCase", pb.GetCaseRequest(case_id="256407711"))
    with coordination.orchestrator_db.session() as session:
        entries = list(
            session.exec(select(AUDIT.entry).where(AUDIT.entry.actor_caseworker == "cw-bob"))
        )
    assert [(e.case_id, e.outcome, e.detail) for e in entries] == [
        (probed, "REFUSED", "CASE_NOT_ASSIGNED: GetCase"),
        ("", "REFUSED", "CASE_NOT_ASSIGNED: GetCase"),
    ]
    assert "256407711" not in {e.subject_ref for e in entries}
