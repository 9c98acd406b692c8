"""Several notices of one case reaching USDA at the same moment, as replicas of the
orchestrator's dispatcher deliver them: each is received, none fails, and the case's
allotment of record is the one from the newest decision (the highest revision, though it
takes effect first), or, from a sender without revisions, from the latest change. On SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as pb_grpc
from services.usda import server as usda_server
from services.usda.rules import load_parameters
from services.usda.tables import SnapAllotment, UsdaReceivedChange
from shared.consent import ensure_local_keys
from shared.db import Database

CASES = 8
NOTICES_A_CASE = 4


def _notice(case: int, n: int, numbered: bool) -> le.ChangeNotice:
    # Notice n of a case sets an allotment that says which it was. Numbered, it is decision
    # n+1 and the newest takes effect first; unnumbered, notice n takes effect on day n+1.
    day = NOTICES_A_CASE - n if numbered else n + 1
    return le.ChangeNotice(
        idempotency_key=f"case-{case}-notice-{n}",
        case_id=f"case-{case}",
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=11, day=day),
        revision=n + 1 if numbered else 0,
        subjects=[le.NoticeSubject(person_id="p1")],
        household_determinations=[
            det.ProgramDetermination(
                program=det.PROGRAM_SNAP,
                status=det.DETERMINATION_STATUS_ELIGIBLE,
                monthly_benefit_cents=10_000 + 100 * n,
            )
        ],
    )


@pytest.mark.parametrize("numbered", [True, False], ids=["revisions", "no-revisions"])
async def test_notices_of_one_case_at_once_are_all_received(
    serve, database_url, clock, tmp_path, numbered
) -> None:  # type: ignore[no-untyped-def]
    db = Database(database_url, usda_server.TABLES)
    db.create_tables()
    key = ensure_local_keys(tmp_path).subject_key()
    handle = await serve(usda_server.bindings(load_parameters(), clock, db, key))
    notices = [_notice(c, n, numbered) for c in range(CASES) for n in range(NOTICES_A_CASE)]
    async with handle.channel() as channel:
        stub = pb_grpc.SnapEligibilityServiceStub(channel)
        replies = await asyncio.gather(
            *(
                stub.ReceiveChange(
                    pb.ReceiveChangeRequest(
                        request_id=n.idempotency_key, notice=n, purpose="change-notice"
                    ),
                    timeout=60,
                )
                for n in notices
            ),
            return_exceptions=True,
        )
    failures = [r for r in replies if isinstance(r, BaseException)]
    assert failures == []
    assert all(not r.acknowledgement.duplicate for r in replies)
    with db.session() as session:
        assert len(session.exec(select(UsdaReceivedChange)).all()) == len(notices)
        held = {
            r.case_id: (r.effective_date.day, r.monthly_allotment_cents, r.idempotency_key)
            for r in session.exec(select(SnapAllotment))
        }
    last = NOTICES_A_CASE - 1
    day = 1 if numbered else last + 1
    assert held == {
        f"case-{c}": (day, 10_000 + 100 * last, f"case-{c}-notice-{last}") for c in range(CASES)
    }
    db.dispose()
