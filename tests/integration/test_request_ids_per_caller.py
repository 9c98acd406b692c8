"""A request_id belongs to the caller who sent it: the same caller's retry is answered with
the first result (AIP-155), while another caller's same request_id is a request of their
own, neither refused nor told that the request_id was taken. SSA's death feed has its own
request_ids too, which no caseworker's can take."""

from __future__ import annotations

import grpc
import pytest
from sqlmodel import select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters.tables import OutboxRow
from shared.errors import details_of
from tests.integration.applications import example
from tests.integration.death_reports import death_follower


def _income_change(person_id: str, day: int = 1) -> le.LifeEvent:
    return le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=11, day=day),
        person_id=person_id,
    )


def _outbox_keys(coordination, case_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    with coordination.orchestrator_db.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id))
        return [row.idempotency_key for row in rows]


async def test_two_caseworkers_sending_one_request_id_each_get_a_case_of_their_own(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")
    application = example("okafor", "shared-1")
    hers = (await alice.SubmitApplication(application)).case
    # The same request_id, even with the same application: Bob's own case, not a refusal.
    his = (await bob.SubmitApplication(application)).case
    assert his.case_id != hers.case_id
    assert his.request_id == hers.request_id == "shared-1"

    # Each one's retry answers their own case.
    assert (await alice.SubmitApplication(application)).case.case_id == hers.case_id
    assert (await bob.SubmitApplication(application)).case.case_id == his.case_id
    assert [c.case_id for c in (await bob.ListCases(pb.ListCasesRequest())).cases] == [his.case_id]

    # Another request_id Alice has used, for another application: new for Bob too.
    await alice.SubmitApplication(example("johnson", "shared-2"))
    other = (await bob.SubmitApplication(example("chen", "shared-2"))).case
    assert other.case_id not in (hers.case_id, his.case_id)

    # Alice reusing her own request_id for another application is still refused.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await alice.SubmitApplication(example("chen", "shared-1"))
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert details_of(caught.value).reason == "REQUEST_ID_REUSED"


async def test_a_change_request_id_is_its_reporters_own(coordination) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")
    supervisor = coordination.stub_as("sv-1", "supervisor")
    hers = (await alice.SubmitApplication(example("okafor", "okafor-changes"))).case
    his = (await bob.SubmitApplication(example("chen", "chen-changes"))).case
    her_member = hers.household.members[0].person_id
    his_member = his.household.members[0].person_id

    def change(case: pb.Case, person_id: str, day: int) -> pb.ReportLifeEventRequest:
        return pb.ReportLifeEventRequest(
            request_id="change-1", case_id=case.case_id, event=_income_change(person_id, day)
        )

    first = await alice.ReportLifeEvent(change(hers, her_member, 1))
    # A supervisor's change-1 on the same case and Bob's on his own are changes of their own.
    second = await supervisor.ReportLifeEvent(change(hers, her_member, 2))
    bobs = await bob.ReportLifeEvent(change(his, his_member, 1))
    assert bobs.case.case_id == his.case_id

    # Each reporter's retry answers with their own first answer and changes nothing.
    assert await alice.ReportLifeEvent(change(hers, her_member, 1)) == first
    assert await supervisor.ReportLifeEvent(change(hers, her_member, 2)) == second
    shown = (await alice.GetCase(pb.GetCaseRequest(case_id=hers.case_id))).case
    assert [e.kind for e in shown.history].count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 2

    # Both changes are told to each agency concerned, under keys of their own.
    keys = _outbox_keys(coordination, hers.case_id)
    # And the application itself to HHS, under a key of its own (Marketplace only).
    assert len(keys) == len(set(keys)) == 1 + 2 * len(first.notified_agencies)
    assert f"{hers.case_id}:applied:hhs" in keys

    # Reused by the same reporter for another change, it is refused as before.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await alice.ReportLifeEvent(change(hers, her_member, 3))
    assert details_of(caught.value).reason == "REQUEST_ID_REUSED"


DYING = "412558302"  # a member of the Rivera household


def _death(sequence: int):  # type: ignore[no-untyped-def]
    from eligibility.ssa.v1 import identity_pb2 as ssa_pb

    died = date_pb2.Date(year=2026, month=11, day=10)
    return ssa_pb.DeathReport(sequence=sequence, ssn=DYING, death_date=died)


async def test_a_caseworkers_request_id_never_holds_back_a_death_report(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """The death feed names its changes ``ssa-death-<sequence>-<case>``, a name anyone can
    type: a caseworker who used it first for a change of their own does not stop SSA's."""
    from services.orchestrator.usecases.death_reports import request_id

    application = example("rivera", "rivera-taken-id")
    case = (await coordination.orchestrator.SubmitApplication(application)).case
    other = next(m.person_id for m in application.household.members if m.ssn != DYING)
    await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(
            request_id=request_id(7, case.case_id),
            case_id=case.case_id,
            event=_income_change(other),
        )
    )
    assert await death_follower(coordination, clock).handle(_death(7)) == [case.case_id]
    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert [e.kind for e in shown.history].count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 2


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
async def test_no_caseworker_reports_under_the_death_feeds_name(
    coordination, clock, role: str
) -> None:  # type: ignore[no-untyped-def]
    """A token's subject is any printable name, the death feed's too. Reporting under it
    would share the feed's request_ids, and taking the next one first would hold a death
    back: refused, and the death still comes through."""
    from services.orchestrator.usecases.death_reports import REPORTER, request_id

    impostor = coordination.stub_as(REPORTER, role)
    application = example("rivera", "rivera-feeds-name")
    case = (await impostor.SubmitApplication(application)).case
    other = next(m.person_id for m in application.household.members if m.ssn != DYING)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await impostor.ReportLifeEvent(
            pb.ReportLifeEventRequest(
                request_id=request_id(8, case.case_id),
                case_id=case.case_id,
                event=_income_change(other),
            )
        )
    info = details_of(caught.value)
    assert (info.code, info.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REPORTER_NAME_RESERVED")
    assert await death_follower(coordination, clock).handle(_death(8)) == [case.case_id]
