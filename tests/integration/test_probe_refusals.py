"""A caseworker probing ids costs the orchestrator's audit trail a bounded number of
entries: per caller and window, the first ELIG_REFUSALS_AUDITED_PER_WINDOW refusals inside
its methods are written one by one (who, which method, which id), the rest are counted into
one SUMMARY entry on the same chain, and every probe is still refused."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from sqlmodel import select

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters.tables import AUDIT
from services.orchestrator.refusal_trail import refusal_trail
from shared.access_audit import refused_calls_in
from shared.errors import details_of
from shared.ordered_ids import ordered_id
from shared.refusal_windows import DEFAULT_PER_WINDOW
from tests.integration.applications import example


def _entries_by(coordination: Any, caseworker: str) -> list[Any]:
    with coordination.orchestrator_db.session() as session:
        query = select(AUDIT.entry).where(
            AUDIT.entry.actor_caseworker == caseworker, AUDIT.entry.outcome == "REFUSED"
        )
        return list(session.exec(query.order_by(AUDIT.entry.seq)))


async def _refused(call: Any, request: Any) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    return details_of(caught.value).reason


async def test_a_flood_of_probes_is_written_up_to_the_bound_and_summarised_past_it(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    mallory = coordination.stub_as("cw-mallory")
    probed = [ordered_id() for _ in range(DEFAULT_PER_WINDOW + 2)]
    for case_id in probed:
        reason = await _refused(mallory.GetCase, pb.GetCaseRequest(case_id=case_id))
        assert reason == "CASE_NOT_ASSIGNED"
    # A person probed by SSN counts in the same window, under its own reason and method.
    stranger = pb.ListConsentsRequest(ssn="123456789")
    assert await _refused(mallory.ListConsents, stranger) == "PERSON_NOT_ASSIGNED"

    written = _entries_by(coordination, "cw-mallory")
    assert [(e.case_id, e.detail) for e in written] == [
        (case_id, "CASE_NOT_ASSIGNED: GetCase") for case_id in probed[:DEFAULT_PER_WINDOW]
    ]
    assert {e.actor_service for e in written} == {"caseworker-tool"}

    # The window's count is written when it closes (here: the server stopping).
    await refusal_trail(coordination.orchestrator_db, clock).close()
    entries = _entries_by(coordination, "cw-mallory")
    assert entries[: len(written)] == written
    (summary,) = entries[len(written) :]
    assert summary.detail.startswith("SUMMARY 3 refused calls ")
    assert summary.detail.endswith(
        ": CASE_NOT_ASSIGNED 2, PERSON_NOT_ASSIGNED 1; GetCase 2, ListConsents 1"
    )
    assert summary.fact_names() == ["GetCase", "ListConsents"]
    assert refused_calls_in(entries) == DEFAULT_PER_WINDOW + 3
    # On the same chain, which still holds.
    auditor = coordination.stub_as("au-1", "auditor")
    assert (await auditor.VerifyAuditLog(pb.VerifyAuditLogRequest())).ok


async def test_probes_within_the_bound_are_written_one_by_one_with_no_summary(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    case = (await alice.SubmitApplication(example("okafor", "okafor-probed"))).case
    bob = coordination.stub_as("cw-bob")
    for _ in range(3):
        assert (
            await _refused(bob.GetCase, pb.GetCaseRequest(case_id=case.case_id))
            == "CASE_NOT_ASSIGNED"
        )
    await refusal_trail(coordination.orchestrator_db, clock).close()
    entries = _entries_by(coordination, "cw-bob")
    # One entry per person in the case probed, for each of the three probes; no summary.
    members = len(case.household.members)
    assert len(entries) == 3 * members
    assert {(e.case_id, e.detail) for e in entries} == {
        (case.case_id, "CASE_NOT_ASSIGNED: GetCase")
    }
    # Alice's people see Bob's probes in their disclosure report.
    ssn = example("okafor", "okafor-probed").household.members[0].ssn
    report = await alice.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=ssn))
    assert [d.actor_caseworker for d in report.disclosures if d.outcome == "REFUSED"] == [
        "cw-bob"
    ] * 3


async def test_probes_of_made_up_ids_first_do_not_hide_a_probe_of_a_real_case(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """A prober who spends the window's entries on ids that name nothing, then tries a
    real case, is still named in its people's disclosure reports: a refusal about a record
    on file is written once per caller and window whatever the count, and only its repeats
    are counted into the summary."""
    alice = coordination.stub_as("cw-alice")
    application = example("okafor", "okafor-hidden-probe")
    case = (await alice.SubmitApplication(application)).case
    mallory = coordination.stub_as("cw-mallory")
    for _ in range(DEFAULT_PER_WINDOW):
        await _refused(mallory.GetCase, pb.GetCaseRequest(case_id=ordered_id()))
    for _ in range(3):
        await _refused(mallory.GetCase, pb.GetCaseRequest(case_id=case.case_id))
    # A real consent of hers, tried twice, likewise.
    ssn = application.household.members[0].ssn
    consent = (await alice.ListConsents(pb.ListConsentsRequest(ssn=ssn))).consents[0]
    revoke = pb.RevokeConsentRequest(request_id="r", consent_id=consent.consent_id)
    for _ in range(2):
        await _refused(mallory.RevokeConsent, revoke)
    await refusal_trail(coordination.orchestrator_db, clock).close()

    report = await alice.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=ssn))
    refused = [d for d in report.disclosures if d.outcome == "REFUSED"]
    assert sorted((d.actor_caseworker, *d.facts) for d in refused) == [
        ("cw-mallory", "case"),
        ("cw-mallory", "consent"),
    ]
    # Still bounded: the made-up ids one by one, each real record once a person, the
    # repeats in the summary; every probe accounted for.
    entries = _entries_by(coordination, "cw-mallory")
    members = len(case.household.members)
    assert len(entries) == DEFAULT_PER_WINDOW + members + 1 + 1
    assert entries[-1].detail.startswith("SUMMARY 3 refused calls ")


async def test_a_purpose_the_role_may_not_declare_is_bounded_like_any_probe(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """A caseworker asking for a case's past standing for an audit, over and over: every
    call refused, the first ones written, the rest in one summary."""
    mallory = coordination.stub_as("cw-mallory")
    request = pb.ListCaseEnrollmentPeriodsRequest(
        case_id=ordered_id(), purpose=pb.LOOK_BACK_PURPOSE_AUDIT
    )
    for _ in range(DEFAULT_PER_WINDOW + 5):
        assert await _refused(mallory.ListCaseEnrollmentPeriods, request) == "PURPOSE_NOT_FOR_ROLE"
    await refusal_trail(coordination.orchestrator_db, clock).close()
    entries = _entries_by(coordination, "cw-mallory")
    assert len(entries) == DEFAULT_PER_WINDOW + 1
    assert {e.purpose for e in entries} == {"audit"}
    assert entries[-1].detail.startswith("SUMMARY 5 refused calls ")
    assert refused_calls_in(entries) == DEFAULT_PER_WINDOW + 5
