"""A case's standing over time through the orchestrator (ListCaseEnrollmentPeriods): HHS's
periods for a real case after reported changes were delivered, read by the caseworker who
opened it for an appeal and by an auditor for an audit, refused alike for someone else's
case and for none, audited, narrowed to one day, and UNAVAILABLE when HHS is down."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json

import grpc
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.main import app as elig
from services.orchestrator.adapters.tables import AUDIT
from shared.errors import details_of
from tests.integration.notices import dispatch_all, dispatcher, open_case

APPEAL, AUDIT_PURPOSE = pb.LOOK_BACK_PURPOSE_APPEAL, pb.LOOK_BACK_PURPOSE_AUDIT
NOV_1, NOV_20 = dt.date(2026, 11, 1), dt.date(2026, 11, 20)


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _day(value: date_pb2.Date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def _request(case_id: str, purpose: int = APPEAL, **fields) -> pb.ListCaseEnrollmentPeriodsRequest:  # type: ignore[no-untyped-def]
    return pb.ListCaseEnrollmentPeriodsRequest(case_id=case_id, purpose=purpose, **fields)


async def _refused(stub, request) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListCaseEnrollmentPeriods(request, timeout=30)
    return caught.value


async def _changed_twice(coordination, clock) -> pb.Case:  # type: ignore[no-untyped-def]
    """The Okafors' case after two income changes (1 and 20 November), each delivered to
    every agency: HHS holds two periods per person and program."""
    case, _members = await open_case(coordination.orchestrator, "okafor", "history-okafor")
    incomes = (
        [],
        [household_pb2.Income(kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=2_400_000)],
    )
    for n, (day, held) in enumerate(zip((NOV_1, NOV_20), incomes, strict=True)):
        event = le.LifeEvent(
            kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
            effective_date=_date(day),
            person_id="adaeze",
            incomes=held,
        )
        await coordination.orchestrator.ReportLifeEvent(
            pb.ReportLifeEventRequest(request_id=f"history-{n}", case_id=case.case_id, event=event)
        )
        await dispatch_all(dispatcher(coordination, clock))
    return case


def _audit_entries(coordination, case_id: str) -> list:  # type: ignore[no-untyped-def]
    with coordination.orchestrator_db.session() as session:
        return list(
            session.exec(
                select(AUDIT.entry).where(AUDIT.entry.case_id == case_id).order_by(AUDIT.entry.seq)
            )
        )


async def test_the_caseworker_reads_the_periods_a_change_left_and_it_is_on_the_audit_trail(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case = await _changed_twice(coordination, clock)
    before = len(_audit_entries(coordination, case.case_id))
    reply = await coordination.orchestrator.ListCaseEnrollmentPeriods(_request(case.case_id))
    periods = list(reply.periods)
    assert periods and not reply.next_page_token
    by_key: dict[tuple[str, int], list[pb.CaseEnrollmentPeriod]] = {}
    for period in periods:
        by_key.setdefault((period.person_id, period.program), []).append(period)
    assert ("adaeze", det.PROGRAM_MARKETPLACE) in by_key
    for (_person, _program), held in by_key.items():
        # The first change's standing held until the day before the second took effect.
        assert [_day(p.valid_from) for p in held] == [NOV_1, NOV_20]
        assert _day(held[0].valid_until) == NOV_20 - dt.timedelta(days=1)
        assert not held[1].HasField("valid_until")
        assert held[0].closed_revision == held[1].set_revision > held[0].set_revision

    shown = _audit_entries(coordination, case.case_id)[before:]
    assert {e.outcome for e in shown} == {"DISCLOSED"}
    assert {e.purpose for e in shown} == {"appeal"}
    assert {e.actor_caseworker for e in shown} == {"cw-test"}
    assert all(e.fact_names() == ["hhs.enrollment_period"] for e in shown)
    # One entry per person the page names, by keyed reference, never by id or SSN.
    assert len(shown) == len({p.person_id for p in periods}) == 2

    # HHS was asked for this purpose, as the orchestrator.
    asked = coordination.recorders["hhs"].of("ListEnrollmentPeriods")
    assert [r.case_id for r in asked] == [case.case_id]

    # One day: what held on 10 November, one period per person and program.
    day = await coordination.orchestrator.ListCaseEnrollmentPeriods(
        _request(case.case_id, as_of=_date(dt.date(2026, 11, 10)))
    )
    assert len(day.periods) == len(by_key)
    assert {_day(p.valid_from) for p in day.periods} == {NOV_1}

    # A page at a time, with the token HHS issued.
    first = await coordination.orchestrator.ListCaseEnrollmentPeriods(
        _request(case.case_id, page_size=1)
    )
    assert len(first.periods) == 1 and first.next_page_token
    second = await coordination.orchestrator.ListCaseEnrollmentPeriods(
        _request(case.case_id, page_size=1, page_token=first.next_page_token)
    )
    assert second.periods[0] == periods[1]
    # The token belongs to its case and day: used for another day, the field is named.
    error = await _refused(
        coordination.orchestrator,
        _request(case.case_id, page_token=first.next_page_token, as_of=_date(NOV_20)),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details_of(error).violations] == ["page_token"]


async def test_a_page_token_forged_by_the_caller_is_their_bad_field_not_hhs_down(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """The token is passed to HHS as the caller sent it. One made by hand for their own
    case, with a list where a person id goes, is refused as their field, and nothing is
    written as a failure of HHS."""
    case, _members = await open_case(coordination.orchestrator, "okafor", "forged-token")
    raw = json.dumps([case.case_id, "", False, ["adaeze"], "MEDICAID", "2026-11-01", 1])
    forged = base64.urlsafe_b64encode(raw.encode()).decode()
    error = await _refused(coordination.orchestrator, _request(case.case_id, page_token=forged))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details_of(error).violations] == ["page_token"]
    assert "FAILED" not in {e.outcome for e in _audit_entries(coordination, case.case_id)}


async def test_another_caseworker_is_refused_as_for_no_case_and_an_auditor_may_audit(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case = await _changed_twice(coordination, clock)
    other = coordination.stub_as("cw-other")
    theirs = details_of(await _refused(other, _request(case.case_id)))
    missing = details_of(await _refused(other, _request("0" * 26)))
    assert theirs.code == grpc.StatusCode.PERMISSION_DENIED
    assert (theirs.reason, theirs.message) == (missing.reason, missing.message)
    assert coordination.recorders["hhs"].of("ListEnrollmentPeriods") == []

    auditor = coordination.stub_as("aud-1", role="auditor")
    audited = await auditor.ListCaseEnrollmentPeriods(_request(case.case_id, AUDIT_PURPOSE))
    assert len(audited.periods) >= 4
    entries = _audit_entries(coordination, case.case_id)
    assert {(e.actor_caseworker, e.purpose) for e in entries if e.outcome == "DISCLOSED"} >= {
        ("aud-1", "audit")
    }

    # Each role declares only its own purpose; the refusal names the one it may declare.
    for stub, purpose in ((auditor, APPEAL), (coordination.orchestrator, AUDIT_PURPOSE)):
        refused = details_of(await _refused(stub, _request(case.case_id, purpose)))
        assert refused.code == grpc.StatusCode.PERMISSION_DENIED
        assert refused.reason == "PURPOSE_NOT_FOR_ROLE"
    supervisor = coordination.stub_as("sup-1", role="supervisor")
    for purpose in (APPEAL, AUDIT_PURPOSE):
        await supervisor.ListCaseEnrollmentPeriods(_request(case.case_id, purpose))


async def test_bad_fields_are_refused_together(coordination) -> None:  # type: ignore[no-untyped-def]
    request = pb.ListCaseEnrollmentPeriodsRequest(
        as_of=date_pb2.Date(year=2026, month=2, day=30), page_size=-1
    )
    error = await _refused(coordination.orchestrator, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in details_of(error).violations}
    assert fields == {"case_id", "as_of", "purpose", "page_size"}


async def test_hhs_stopped_is_unavailable_and_the_failure_is_audited(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    case, _members = await open_case(coordination.orchestrator, "okafor", "history-down")
    await coordination.agencies["hhs"].stop()
    error = details_of(await _refused(coordination.orchestrator, _request(case.case_id)))
    assert error.code == grpc.StatusCode.UNAVAILABLE
    assert error.reason == "HHS_UNAVAILABLE"
    assert "HHS" in error.message
    failed = [e for e in _audit_entries(coordination, case.case_id) if e.outcome == "FAILED"]
    assert failed and all(e.purpose == "appeal" for e in failed)


async def test_elig_history_prints_the_periods_and_one_day(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    case = await _changed_twice(coordination, clock)
    handle = coordination.handle
    args = ["--data-dir", str(handle.credentials), "--caseworker", "cw-test", "history"]
    args += [case.case_id, "--target", handle.target]

    def run(*extra: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(elig, [*args, *extra], env={"COLUMNS": "200"})

    every = await asyncio.to_thread(run)
    assert every.exit_code == 0, every.output
    assert "(for appeal)" in every.output
    assert "Marketplace" in every.output and "adaeze" in every.output
    assert "2026-11-01" in every.output and "2026-11-19" in every.output
    assert "still holds" in every.output
    one_day = await asyncio.to_thread(run, "--as-of", "2026-11-10")
    assert one_day.exit_code == 0, one_day.output
    assert "2026-11-20" not in one_day.output and "still holds" not in one_day.output
    bad = await asyncio.to_thread(run, "--page-size", "-1")
    assert bad.exit_code == 2 and "• --page-size:" in bad.output
