"""HHS keeps every standing a person held, with the days it held: a decision effective on
a day ends the standing before it on the day before, a replayed notice adds nothing, an
older decision delivered late fills in only the days before the newer one took effect,
and a database from before periods gains them in place. Read over gRPC with
ListEnrollmentPeriods, by the orchestrator for a purpose that looks back, audited. HHS on
its own server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.hhs import rules as hhs_rules
from services.hhs import server as hhs_server
from services.hhs.periods import backfill
from services.hhs.tables import AUDIT, Enrollment, EnrollmentPeriod
from shared.audit import Outcome, audit_person_ref
from shared.consent import ensure_local_keys
from shared.db import Database
from shared.errors import details_of
from shared.purposes import AUDIT as AUDIT_PURPOSE
from shared.purposes import DETERMINATION
from shared.settings import ServiceSettings
from shared.tls import CASEWORKER_TOOL

CASE = "case-periods"
ELIGIBLE, INELIGIBLE = det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_INELIGIBLE
JUL_1, AUG_31, SEP_1 = dt.date(2026, 7, 1), dt.date(2026, 8, 31), dt.date(2026, 9, 1)
OCT_1, NOV_9, NOV_10 = dt.date(2026, 10, 1), dt.date(2026, 11, 9), dt.date(2026, 11, 10)


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _day(value: date_pb2.Date) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value.year else None


def _notice(
    key: str,
    revision: int,
    effective: dt.date,
    medicaid: dict[str, int],
    aptc_cents: int = 0,
    left: tuple[str, ...] = (),
) -> le.ChangeNotice:
    """One decision's notice to HHS: each member's Medicaid answer (the first member's
    Marketplace credit too, when given), and who it leaves out of the case."""
    people = [*medicaid, *(p for p in left if p not in medicaid)]
    determinations = []
    for person, status in medicaid.items():
        programs = [det.ProgramDetermination(program=det.PROGRAM_MEDICAID, status=status)]
        if aptc_cents and person == people[0]:
            programs.append(
                det.ProgramDetermination(
                    program=det.PROGRAM_MARKETPLACE,
                    status=ELIGIBLE,
                    monthly_benefit_cents=aptc_cents,
                    csr_level=det.CSR_LEVEL_87,
                )
            )
        determinations.append(det.PersonDetermination(person_id=person, programs=programs))
    return le.ChangeNotice(
        idempotency_key=key,
        case_id=CASE,
        kind=le.LIFE_EVENT_KIND_DEATH if left else le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date(effective),
        subjects=[le.NoticeSubject(person_id=p) for p in people],
        determinations=determinations,
        revision=revision,
        left_person_ids=list(left),
    )


# A period as the tests compare it: (person, program, status, from, until, set_by, closed_by).
Period = tuple[str, str, str, dt.date, dt.date | None, str, str]


def _period(p: pb.EnrollmentPeriod) -> Period:
    status = (
        "LEFT_CASE"
        if p.left_case
        else det.DeterminationStatus.Name(p.status).removeprefix("DETERMINATION_STATUS_")
    )
    return (
        p.person_id,
        det.Program.Name(p.program).removeprefix("PROGRAM_"),
        status,
        _day(p.valid_from),  # type: ignore[arg-type]
        _day(p.valid_until) if p.HasField("valid_until") else None,
        p.set_by,
        p.closed_by,
    )


@dataclass
class Hhs:
    sender: Any  # as the orchestrator's dispatcher
    reader: Any  # as the orchestrator, looking back for an audit
    handle: Any
    db: Database
    key: bytes
    channels: tuple[Any, ...]

    async def tell(self, notice: le.ChangeNotice) -> le.ChangeAcknowledgement:
        request = pb.ReceiveChangeRequest(
            request_id=notice.idempotency_key, notice=notice, purpose="change-notice"
        )
        return (await self.sender.ReceiveChange(request, timeout=30)).acknowledgement

    async def periods(self, **fields: Any) -> list[Period]:
        """Every page of the case's periods, in the order HHS lists them."""
        out: list[Period] = []
        token = ""
        while True:
            request = pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_token=token, **fields)
            reply = await self.reader.ListEnrollmentPeriods(request, timeout=30)
            out += [_period(p) for p in reply.periods]
            token = reply.next_page_token
            if not token:
                return out

    async def on(self, day: dt.date) -> list[Period]:
        return await self.periods(as_of=_date(day))

    def current(self) -> dict[tuple[str, str], tuple[str, dt.date | None, str]]:
        """The enrollments of record: (status, the day it ended, the notice)."""
        with self.db.session() as session:
            rows = session.exec(select(Enrollment)).all()
        return {(r.person_id, r.program): (r.status, r.ended_on, r.idempotency_key) for r in rows}


async def _start(serve, database_url: str, clock, tmp_path: Path) -> Hhs:  # type: ignore[no-untyped-def]
    """HHS opened as its server opens its database (upgrading an old one)."""
    key = ensure_local_keys(tmp_path).subject_key()
    db = hhs_server.open_database(ServiceSettings(service="hhs", database_url=database_url))
    handle = await serve(hhs_server.bindings(db, hhs_rules.load_parameters(), clock, key))
    sender, reader = handle.channel(), handle.channel(purpose=AUDIT_PURPOSE)
    return Hhs(
        pb_grpc.SubsidyEligibilityServiceStub(sender),
        pb_grpc.SubsidyEligibilityServiceStub(reader),
        handle,
        db,
        key,
        (sender, reader),
    )


async def _close(hhs: Hhs) -> None:
    for channel in hhs.channels:
        await channel.close()
    hhs.db.dispose()


@pytest.fixture
async def hhs(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    started = await _start(serve, database_url, clock, tmp_path)
    yield started
    await _close(started)


async def test_eligible_then_ineligible_is_two_periods_the_first_ending_the_day_before(
    hhs,
) -> None:  # type: ignore[no-untyped-def]
    await hhs.tell(_notice("eligible", 1, JUL_1, {"ana": ELIGIBLE}, aptc_cents=41_000))
    await hhs.tell(_notice("ineligible", 2, SEP_1, {"ana": INELIGIBLE}, aptc_cents=12_000))

    medicaid = [
        ("ana", "MEDICAID", "ELIGIBLE", JUL_1, AUG_31, "eligible", "ineligible"),
        ("ana", "MEDICAID", "INELIGIBLE", SEP_1, None, "ineligible", ""),
    ]
    history = await hhs.periods()
    assert [p for p in history if p[1] == "MEDICAID"] == medicaid
    assert [p for p in history if p[1] == "MARKETPLACE"] == [
        ("ana", "MARKETPLACE", "ELIGIBLE", JUL_1, AUG_31, "eligible", "ineligible"),
        ("ana", "MARKETPLACE", "ELIGIBLE", SEP_1, None, "ineligible", ""),
    ]
    # What held on a day: at most one period per program; none before the first.
    assert await hhs.on(dt.date(2026, 6, 30)) == []
    assert [p[2:4] for p in await hhs.on(AUG_31)] == [("ELIGIBLE", JUL_1)] * 2
    assert [p[2:4] for p in await hhs.on(SEP_1)] == [("ELIGIBLE", SEP_1), ("INELIGIBLE", SEP_1)]
    # The money, the CSR level and the decisions come along.
    reply = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, as_of=_date(AUG_31))
    )
    marketplace = next(p for p in reply.periods if p.program == det.PROGRAM_MARKETPLACE)
    assert (marketplace.monthly_benefit_cents, marketplace.csr_level) == (41_000, det.CSR_LEVEL_87)
    assert (marketplace.set_revision, marketplace.closed_revision) == (1, 2)
    # The fast path for now agrees with the history's open periods.
    assert hhs.current()[("ana", "MEDICAID")] == ("INELIGIBLE", None, "ineligible")


async def test_a_replayed_notice_adds_no_period(hhs) -> None:  # type: ignore[no-untyped-def]
    first, second = (
        _notice("eligible", 1, JUL_1, {"ana": ELIGIBLE}),
        _notice("ineligible", 2, SEP_1, {"ana": INELIGIBLE}),
    )
    await hhs.tell(first)
    await hhs.tell(second)
    before = await hhs.periods(show_superseded=True)
    for notice in (second, first, second):
        assert (await hhs.tell(notice)).duplicate
    assert await hhs.periods(show_superseded=True) == before
    with hhs.db.session() as session:
        assert len(session.exec(select(EnrollmentPeriod)).all()) == 2


async def test_an_older_decision_delivered_late_fills_in_only_the_days_before_the_newer(
    hhs,
) -> None:  # type: ignore[no-untyped-def]
    # Decision 2 (from September) arrives before decision 1 (from July).
    await hhs.tell(_notice("ineligible", 2, SEP_1, {"ana": INELIGIBLE}))
    late = await hhs.tell(_notice("eligible", 1, JUL_1, {"ana": ELIGIBLE}))
    assert late.action == le.CHANGE_ACTION_NO_ACTION  # what holds now is unchanged
    assert hhs.current()[("ana", "MEDICAID")] == ("INELIGIBLE", None, "ineligible")
    # ... but July and August were decision 1's: history as if they had come in order.
    assert await hhs.periods() == [
        ("ana", "MEDICAID", "ELIGIBLE", JUL_1, AUG_31, "eligible", "ineligible"),
        ("ana", "MEDICAID", "INELIGIBLE", SEP_1, None, "ineligible", ""),
    ]
    # Decision 1's notice for a later day, late too: decision 2 holds then; nothing moves.
    await hhs.tell(_notice("eligible-oct", 1, OCT_1, {"ana": ELIGIBLE}))
    assert len(await hhs.periods(show_superseded=True)) == 2


async def test_a_newer_decision_that_took_effect_earlier_supersedes_what_began_later(
    hhs,
) -> None:  # type: ignore[no-untyped-def]
    # A settlement from September, then a job loss from July reported after it.
    await hhs.tell(_notice("eligible-jun", 1, dt.date(2026, 6, 1), {"ana": INELIGIBLE}))
    await hhs.tell(_notice("settled", 2, SEP_1, {"ana": INELIGIBLE}))
    await hhs.tell(_notice("job-lost", 3, dt.date(2026, 7, 15), {"ana": ELIGIBLE}))
    june = ("ana", "MEDICAID", "INELIGIBLE", dt.date(2026, 6, 1), dt.date(2026, 7, 14))
    assert await hhs.periods() == [
        (*june, "eligible-jun", "job-lost"),
        ("ana", "MEDICAID", "ELIGIBLE", dt.date(2026, 7, 15), None, "job-lost", ""),
    ]
    # The settlement's standing held no day; asked for, it shows, marked and kept.
    everything = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, show_superseded=True)
    )
    superseded = [p for p in everything.periods if p.superseded]
    assert [(p.set_by, p.closed_by, _day(p.valid_until)) for p in superseded] == [
        ("settled", "job-lost", AUG_31)
    ]
    assert hhs.current()[("ana", "MEDICAID")] == ("ELIGIBLE", None, "job-lost")


@pytest.mark.parametrize("late", [False, True], ids=["in-order", "death-first"])
async def test_a_member_left_out_has_a_period_out_of_the_case_whatever_the_order(
    hhs, late: bool
) -> None:  # type: ignore[no-untyped-def]
    both = _notice("both", 1, JUL_1, {"ana": ELIGIBLE, "ben": ELIGIBLE})
    died = _notice("ben-died", 2, NOV_10, {"ana": ELIGIBLE}, left=("ben",))
    for notice in (died, both) if late else (both, died):
        await hhs.tell(notice)
    ben = [p for p in await hhs.periods() if p[0] == "ben"]
    assert [p for p in ben if p[1] == "MEDICAID"] == [
        ("ben", "MEDICAID", "ELIGIBLE", JUL_1, NOV_9, "both", "ben-died"),
        ("ben", "MEDICAID", "LEFT_CASE", NOV_10, None, "ben-died", ""),
    ]
    # Out of the case in the programs he had no answer in too, so no older decision
    # delivered later can give him one after he left.
    assert {p[1:] for p in ben if p[1] != "MEDICAID"} == {
        (program, "LEFT_CASE", NOV_10, None, "ben-died", "") for program in ("CHIP", "MARKETPLACE")
    }
    # Nothing of his stands now, whichever notice came first.
    record = hhs.current().get(("ben", "MEDICAID"))
    assert record is None or record[1] == NOV_10, record

    # A newer decision answering for him again (reported dead in error): he is back.
    await hhs.tell(_notice("ben-back", 3, NOV_10, {"ana": ELIGIBLE, "ben": INELIGIBLE}))
    assert [p[2:] for p in await hhs.on(NOV_10) if p[:2] == ("ben", "MEDICAID")] == [
        ("INELIGIBLE", NOV_10, None, "ben-back", "")
    ]
    assert hhs.current()[("ben", "MEDICAID")] == ("INELIGIBLE", None, "ben-back")


async def test_each_read_is_audited_as_a_disclosure_of_the_people_it_names(hhs) -> None:  # type: ignore[no-untyped-def]
    await hhs.tell(_notice("both", 1, JUL_1, {"ana": ELIGIBLE, "ben": INELIGIBLE}))
    with hhs.db.session() as session:
        told = len(session.exec(select(AUDIT.entry)).all())
    reply = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_size=1)
    )
    assert [p.person_id for p in reply.periods] == ["ana"]
    with hhs.db.session() as session:
        entries = session.exec(select(AUDIT.entry).order_by(AUDIT.entry.seq)).all()[told:]
        assert AUDIT.verify(session).ok
    # The page named ana alone: ben's periods were not disclosed.
    assert [(e.outcome, e.actor_service, e.case_id, e.purpose) for e in entries] == [
        (Outcome.DISCLOSED, "orchestrator", CASE, AUDIT_PURPOSE)
    ]
    assert entries[0].subject_ref == audit_person_ref(hhs.key, CASE, "ana")
    assert json.loads(entries[0].facts) == ["hhs.enrollment_period"]


async def test_pages_follow_one_another_and_a_token_belongs_to_its_request(hhs) -> None:  # type: ignore[no-untyped-def]
    await hhs.tell(_notice("both", 1, JUL_1, {"ana": ELIGIBLE, "ben": ELIGIBLE}, 41_000))
    await hhs.tell(_notice("later", 2, SEP_1, {"ana": INELIGIBLE, "ben": INELIGIBLE}))
    whole = await hhs.periods(page_size=1000)
    assert len(whole) == 5  # no Marketplace answer in the second: it holds on
    assert await hhs.periods(page_size=1) == whole
    assert await hhs.periods(page_size=4) == whole
    first = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_size=2)
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.reader.ListEnrollmentPeriods(
            pb.ListEnrollmentPeriodsRequest(
                case_id=CASE, page_size=2, page_token=first.next_page_token, as_of=_date(SEP_1)
            )
        )
    info = details_of(caught.value)
    assert info.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in info.violations} == {"page_token"}


async def test_a_bad_request_is_refused_field_by_field(hhs) -> None:  # type: ignore[no-untyped-def]
    bad = pb.ListEnrollmentPeriodsRequest(
        case_id=" ",
        as_of=date_pb2.Date(year=2026, month=2, day=30),
        page_size=-1,
        page_token="not-a-token",
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.reader.ListEnrollmentPeriods(bad)
    info = details_of(caught.value)
    assert info.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in info.violations} == {"case_id", "as_of", "page_size"}
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await hhs.reader.ListEnrollmentPeriods(
            pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_token="bm90IG91cnM=")
        )
    assert {v.field for v in details_of(caught.value).violations} == {"page_token"}


async def test_notices_of_one_case_arriving_together_leave_one_standing_a_day(hhs) -> None:  # type: ignore[no-untyped-def]
    """Replicas of the orchestrator's dispatcher deliver a case's notices side by side,
    first ones too. Each is received (none fails), the periods still hold one standing a
    day, and the record is the newest decision's, as if they had come one by one."""
    for round_ in range(4):
        case = f"{CASE}-{round_}"
        notices = []
        for n in range(4):
            notice = _notice(f"{case}-{n}", n + 1, dt.date(2026, 7 + n, 1), {"ana": ELIGIBLE})
            notice.case_id = case
            notice.determinations[0].programs[0].status = INELIGIBLE if n % 2 else ELIGIBLE
            notices.append(notice)
        await asyncio.gather(*(hhs.tell(notice) for notice in notices))
        with hhs.db.session() as session:
            rows = session.exec(
                select(EnrollmentPeriod)
                .where(EnrollmentPeriod.case_id == case)
                .order_by(col(EnrollmentPeriod.valid_from))
            ).all()
            record = session.exec(select(Enrollment).where(Enrollment.case_id == case)).one()
        assert [(r.set_by, r.valid_from, r.valid_until) for r in rows] == [
            (f"{case}-0", JUL_1, dt.date(2026, 7, 31)),
            (f"{case}-1", dt.date(2026, 8, 1), AUG_31),
            (f"{case}-2", SEP_1, dt.date(2026, 9, 30)),
            (f"{case}-3", OCT_1, None),
        ]
        assert (record.idempotency_key, record.revision) == (f"{case}-3", 4)


def _forged(scope: list[object], *position: str) -> str:
    """A page token made by hand: the request's scope right, the position JSON text."""
    raw = json.dumps(scope)[:-1] + ", " + ", ".join(position) + "]"
    return base64.urlsafe_b64encode(raw.encode()).decode()


async def test_a_forged_page_token_is_refused_as_a_bad_field_not_an_internal_error(
    hhs,
) -> None:  # type: ignore[no-untyped-def]
    await hhs.tell(_notice("both", 1, JUL_1, {"ana": ELIGIBLE, "ben": ELIGIBLE}))
    scope = [CASE, "", False]
    day = '"2026-07-01"'
    for position in (
        ('["ana"]', '"MEDICAID"', day, "1"),  # a list where the person id goes
        ("null", "null", day, "1"),
        ('"ana"', '"MEDICAID"', day, str(2**70)),  # past any row id the database holds
        ('"ana"', '"MEDICAID"', day, "1.5"),
        ('"a\\u0000na"', '"MEDICAID"', day, "1"),  # a NUL, which PostgreSQL keeps nowhere
        ('"\\ud800"', '"MEDICAID"', day, "1"),  # half a character
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await hhs.reader.ListEnrollmentPeriods(
                pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_token=_forged(scope, *position))
            )
        info = details_of(caught.value)
        assert info.code == grpc.StatusCode.INVALID_ARGUMENT, position
        assert {v.field for v in info.violations} == {"page_token"}
    # A token as issued still reads on.
    first = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_size=1)
    )
    rest = await hhs.reader.ListEnrollmentPeriods(
        pb.ListEnrollmentPeriodsRequest(case_id=CASE, page_token=first.next_page_token)
    )
    assert [p.person_id for p in rest.periods] == ["ben"]


async def test_only_the_orchestrator_looking_back_may_read_periods(hhs) -> None:  # type: ignore[no-untyped-def]
    request = pb.ListEnrollmentPeriodsRequest(case_id=CASE)
    for identity, purpose in (
        ("orchestrator", DETERMINATION),  # a determination needs only the present
        ("usda", AUDIT_PURPOSE),
        (CASEWORKER_TOOL, AUDIT_PURPOSE),
    ):
        async with hhs.handle.channel(as_identity=identity, purpose=purpose) as channel:
            stub = pb_grpc.SubsidyEligibilityServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ListEnrollmentPeriods(request, timeout=30)
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, identity
    for purpose in ("appeal", "payment"):
        async with hhs.handle.channel(purpose=purpose) as channel:
            stub = pb_grpc.SubsidyEligibilityServiceStub(channel)
            assert not (await stub.ListEnrollmentPeriods(request, timeout=30)).periods


async def test_a_database_from_before_periods_gains_one_per_enrollment_in_place(
    serve, database_url, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first = await _start(serve, database_url, clock, tmp_path)
    await first.tell(_notice("both", 1, JUL_1, {"ana": ELIGIBLE, "ben": ELIGIBLE}))
    await first.tell(_notice("ben-died", 2, NOV_10, {"ana": INELIGIBLE}, left=("ben",)))
    with first.db.engine.begin() as connection:  # as the release before periods made it
        connection.execute(text("DROP TABLE hhs_enrollment_period"))
    await _close(first)

    again = await _start(serve, database_url, clock, tmp_path)
    try:
        # Each enrollment of record: one period from its effective date, open unless
        # its member left, and then the time out of the case.
        assert await again.periods() == [
            ("ana", "MEDICAID", "INELIGIBLE", NOV_10, None, "ben-died", ""),
            ("ben", "MEDICAID", "ELIGIBLE", JUL_1, NOV_9, "both", "ben-died"),
            ("ben", "MEDICAID", "LEFT_CASE", NOV_10, None, "ben-died", ""),
        ]
        # Opening it again adds nothing; notices from then on extend the history.
        with again.db.session() as session:
            assert backfill(session) == 0
        await again.tell(_notice("ana-later", 3, dt.date(2026, 12, 1), {"ana": ELIGIBLE}))
        assert [p[2:5] for p in await again.periods() if p[0] == "ana"] == [
            ("INELIGIBLE", NOV_10, dt.date(2026, 11, 30)),
            ("ELIGIBLE", dt.date(2026, 12, 1), None),
        ]
    finally:
        await _close(again)
