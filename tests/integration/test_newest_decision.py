"""HHS and USDA keep, for each case, the answers of the orchestrator's newest decision (the
notice's revision), whatever the effective dates. A change reported late can take effect
before one the agencies already hold (a job lost on 2026-07-15, reported on 2026-10-05,
after a settlement effective 2026-09-01), and the decision made after the report accounts
for both; an older decision delivered late changes nothing; a notice delivered twice
changes nothing; notices without a revision keep the effective-date rule among themselves.
Each agency on its own server over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as hhs_grpc
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as usda_grpc
from services.harness.households import example_paths, load_request
from services.hhs import rules as hhs_rules
from services.hhs import server as hhs_server
from services.hhs.tables import ADDED_COLUMNS as HHS_ADDED
from services.hhs.tables import AUDIT as HHS_AUDIT
from services.hhs.tables import Enrollment, HhsReceivedChange
from services.orchestrator import server as orchestrator_server
from services.orchestrator.usecases.settle_issues import IssueClock
from services.usda import server as usda_server
from services.usda.rules import load_parameters as load_snap_parameters
from services.usda.tables import ADDED_COLUMNS as USDA_ADDED
from services.usda.tables import AUDIT as USDA_AUDIT
from services.usda.tables import SnapAllotment, UsdaReceivedChange
from shared import added_columns
from shared.consent import ensure_local_keys
from shared.db import Database
from shared.errors import details_of
from shared.settings import ServiceSettings
from tests.integration.notices import agency_answers, case_answers, dispatch_all, get_case, written
from tests.integration.notices import dispatcher as notice_dispatcher

K = le.LifeEventKind
CASE = "case-garcia"
SETTLED_ON = dt.date(2026, 9, 1)
JOB_LOST_ON = dt.date(2026, 7, 15)


@dataclass(frozen=True)
class Answers:
    medicaid: int  # a DeterminationStatus
    aptc_cents: int  # the Marketplace's credit
    snap_cents: int


# The settlement took the return's income: no Medicaid, a Marketplace credit, a small
# allotment. After the job loss: Medicaid, no credit, a larger allotment.
SETTLED = Answers(det.DETERMINATION_STATUS_INELIGIBLE, 41_000, 20_000)
AFTER_JOB_LOSS = Answers(det.DETERMINATION_STATUS_ELIGIBLE, 0, 54_600)


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _notice(
    key: str, revision: int, kind: int, effective: dt.date, answers: Answers
) -> le.ChangeNotice:
    """One decision's notice, with both agencies' parts (each reads its own)."""
    marketplace = (
        det.DETERMINATION_STATUS_ELIGIBLE
        if answers.aptc_cents
        else det.DETERMINATION_STATUS_INELIGIBLE
    )
    return le.ChangeNotice(
        idempotency_key=key,
        case_id=CASE,
        kind=kind,
        effective_date=_date(effective),
        subjects=[le.NoticeSubject(person_id="ana")],
        determinations=[
            det.PersonDetermination(
                person_id="ana",
                programs=[
                    det.ProgramDetermination(program=det.PROGRAM_MEDICAID, status=answers.medicaid),
                    det.ProgramDetermination(
                        program=det.PROGRAM_MARKETPLACE,
                        status=marketplace,
                        monthly_benefit_cents=answers.aptc_cents,
                    ),
                ],
            )
        ],
        household_determinations=[
            det.ProgramDetermination(
                program=det.PROGRAM_SNAP,
                status=det.DETERMINATION_STATUS_ELIGIBLE,
                monthly_benefit_cents=answers.snap_cents,
            )
        ],
        revision=revision,
    )


def settlement(revision: int = 1) -> le.ChangeNotice:
    return _notice("settled-1", revision, K.LIFE_EVENT_KIND_ISSUE_SETTLED, SETTLED_ON, SETTLED)


def job_loss(revision: int = 2) -> le.ChangeNotice:
    return _notice(
        "job-lost-1", revision, K.LIFE_EVENT_KIND_INCOME_CHANGE, JOB_LOST_ON, AFTER_JOB_LOSS
    )


@dataclass
class Agencies:
    hhs: Any
    usda: Any
    hhs_db: Database
    usda_db: Database
    channels: tuple[Any, ...]

    async def tell(self, notice: le.ChangeNotice) -> dict[str, le.ChangeAcknowledgement]:
        """Deliver ``notice`` to both, as the orchestrator's dispatcher does."""
        hhs = await self.hhs.ReceiveChange(
            hhs_pb.ReceiveChangeRequest(
                request_id=notice.idempotency_key, notice=notice, purpose="change-notice"
            ),
            timeout=30,
        )
        usda = await self.usda.ReceiveChange(
            usda_pb.ReceiveChangeRequest(
                request_id=notice.idempotency_key, notice=notice, purpose="change-notice"
            ),
            timeout=30,
        )
        return {"hhs": hhs.acknowledgement, "usda": usda.acknowledgement}

    def held(self) -> tuple[Answers, dict[str, tuple[int, dt.date, str]]]:
        """What each agency holds for the case, and from which notice (revision, date, key)."""
        with self.hhs_db.session() as session:
            rows = {r.program: r for r in session.exec(select(Enrollment))}
        with self.usda_db.session() as session:
            (snap,) = session.exec(select(SnapAllotment)).all()
        medicaid, marketplace = rows["MEDICAID"], rows["MARKETPLACE"]
        assert medicaid.idempotency_key == marketplace.idempotency_key
        status = det.DeterminationStatus.Value("DETERMINATION_STATUS_" + medicaid.status)
        answers = Answers(status, marketplace.monthly_benefit_cents, snap.monthly_allotment_cents)
        return answers, {
            "hhs": (medicaid.revision, medicaid.effective_date, medicaid.idempotency_key),
            "usda": (snap.revision, snap.effective_date, snap.idempotency_key),
        }

    def receipts(self) -> tuple[int, int]:
        with self.hhs_db.session() as session:
            hhs = len(session.exec(select(HhsReceivedChange)).all())
        with self.usda_db.session() as session:
            usda = len(session.exec(select(UsdaReceivedChange)).all())
        return hhs, usda


def _settings(service: str, database_url: str) -> ServiceSettings:
    return ServiceSettings(service=service, database_url=database_url)


async def _start(serve, database_url: str, clock, tmp_path) -> Agencies:  # type: ignore[no-untyped-def]
    """HHS and USDA opened as their servers open their databases (upgrading old ones)."""
    key = ensure_local_keys(tmp_path).subject_key()
    hhs_db = hhs_server.open_database(_settings("hhs", database_url))
    usda_db = usda_server.open_database(_settings("usda", database_url))
    hhs = await serve(hhs_server.bindings(hhs_db, hhs_rules.load_parameters(), clock, key))
    usda = await serve(usda_server.bindings(load_snap_parameters(), clock, usda_db, key))
    hhs_channel, usda_channel = hhs.channel(), usda.channel()
    return Agencies(
        hhs_grpc.SubsidyEligibilityServiceStub(hhs_channel),
        usda_grpc.SnapEligibilityServiceStub(usda_channel),
        hhs_db,
        usda_db,
        (hhs_channel, usda_channel),
    )


async def _close(agencies: Agencies) -> None:
    for channel in agencies.channels:
        await channel.close()
    agencies.hhs_db.dispose()
    agencies.usda_db.dispose()


@pytest.fixture
async def agencies(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    started = await _start(serve, database_url, clock, tmp_path)
    yield started
    await _close(started)


async def test_a_change_reported_late_that_took_effect_earlier_replaces_the_settlement(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    acks = await agencies.tell(settlement())
    assert {a.action for a in acks.values()} == {le.CHANGE_ACTION_BENEFIT_UPDATED}
    assert agencies.held()[0] == SETTLED

    # Effective before the settlement, but decided after it, accounting for both.
    acks = await agencies.tell(job_loss())
    assert {a.action for a in acks.values()} == {le.CHANGE_ACTION_BENEFIT_UPDATED}
    answers, source = agencies.held()
    assert answers == AFTER_JOB_LOSS
    assert source == {a: (2, JOB_LOST_ON, "job-lost-1") for a in ("hhs", "usda")}

    # The same notices again (a retry, a replay): received once, nothing changes.
    for notice in (job_loss(), settlement()):
        again = await agencies.tell(notice)
        assert all(a.duplicate for a in again.values())
    assert agencies.held() == (answers, source)
    assert agencies.receipts() == (2, 2)
    for db, audit in ((agencies.hhs_db, HHS_AUDIT), (agencies.usda_db, USDA_AUDIT)):
        with db.session() as session:
            assert len(session.exec(select(audit.entry)).all()) == 4  # every delivery
            assert audit.verify(session).ok


async def test_an_older_decision_delivered_after_a_newer_one_changes_nothing(agencies) -> None:  # type: ignore[no-untyped-def]
    await agencies.tell(job_loss())
    held = agencies.held()
    assert held[0] == AFTER_JOB_LOSS

    # The settlement's notice arrives late, though it takes effect later: it is older.
    late = await agencies.tell(settlement())
    assert {a.action for a in late.values()} == {le.CHANGE_ACTION_NO_ACTION}
    assert not any(a.duplicate for a in late.values())
    assert "newer decision" in late["hhs"].detail and "newer decision" in late["usda"].detail
    assert agencies.held() == held
    assert agencies.receipts() == (2, 2)


async def test_notices_without_a_revision_keep_the_effective_date_rule_and_yield_to_numbered(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    # An orchestrator from before revisions: the later effective date wins, as it did.
    await agencies.tell(settlement(revision=0))
    stale = await agencies.tell(job_loss(revision=0))
    assert {a.action for a in stale.values()} == {le.CHANGE_ACTION_NO_ACTION}
    assert agencies.held()[0] == SETTLED

    # A numbered decision comes from the orchestrator since revisions: it is newer.
    numbered = _notice("raise-1", 1, K.LIFE_EVENT_KIND_INCOME_CHANGE, JOB_LOST_ON, AFTER_JOB_LOSS)
    await agencies.tell(numbered)
    assert agencies.held()[1] == {a: (1, JOB_LOST_ON, "raise-1") for a in ("hhs", "usda")}
    older = _notice("late-0", 0, K.LIFE_EVENT_KIND_PREGNANCY, dt.date(2026, 11, 1), SETTLED)
    assert {a.action for a in (await agencies.tell(older)).values()} == {le.CHANGE_ACTION_NO_ACTION}
    assert agencies.held()[0] == AFTER_JOB_LOSS


async def test_the_largest_revision_is_kept_and_a_negative_one_refused_field_by_field(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    largest = 2**31 - 1
    await agencies.tell(job_loss(revision=largest))
    assert agencies.held()[1] == {a: (largest, JOB_LOST_ON, "job-lost-1") for a in ("hhs", "usda")}
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await agencies.tell(settlement(revision=-1))
    info = details_of(caught.value)
    assert info.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in info.violations} == {"notice.revision"}
    assert agencies.receipts() == (1, 1)


async def test_an_agency_database_from_before_revisions_gains_the_column_and_its_rows_yield(
    serve, database_url, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first = await _start(serve, database_url, clock, tmp_path)
    await first.tell(settlement(revision=0))
    for db, added in ((first.hhs_db, HHS_ADDED), (first.usda_db, USDA_ADDED)):
        with db.engine.begin() as connection:  # as the release before revisions made it
            for table, column, _, _ in added:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    await _close(first)

    again = await _start(serve, database_url, clock, tmp_path)
    try:
        for db, added in ((again.hhs_db, HHS_ADDED), (again.usda_db, USDA_ADDED)):
            for table, column, _, _ in added:
                columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
                assert column in columns, (table, column)
            with db.engine.begin() as connection:
                assert added_columns.add_missing(connection, added) == []
        answers, source = again.held()
        assert answers == SETTLED
        assert source == {a: (0, SETTLED_ON, "settled-1") for a in ("hhs", "usda")}

        await again.tell(job_loss(revision=1))
        assert again.held()[0] == AFTER_JOB_LOSS
    finally:
        await _close(again)


# A member a decision leaves out of the case (a death, a departure): what HHS holds for
# them ends, kept as its record, and an older decision delivered late does not restore it.

DIED_ON = dt.date(2026, 11, 10)


def _members_notice(
    key: str,
    revision: int,
    effective: dt.date,
    medicaid: dict[str, int],
    left: tuple[str, ...] = (),
) -> le.ChangeNotice:
    """One decision's notice to HHS: each member's Medicaid answer, and who it leaves out."""
    people = [*medicaid, *(p for p in left if p not in medicaid)]
    return le.ChangeNotice(
        idempotency_key=key,
        case_id=CASE,
        kind=K.LIFE_EVENT_KIND_DEATH if left else K.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date(effective),
        subjects=[le.NoticeSubject(person_id=p) for p in people],
        determinations=[
            det.PersonDetermination(
                person_id=person,
                programs=[det.ProgramDetermination(program=det.PROGRAM_MEDICAID, status=status)],
            )
            for person, status in medicaid.items()
        ],
        revision=revision,
        left_person_ids=list(left),
    )


async def _tell_hhs(agencies: Agencies, notice: le.ChangeNotice) -> le.ChangeAcknowledgement:
    reply = await agencies.hhs.ReceiveChange(
        hhs_pb.ReceiveChangeRequest(
            request_id=notice.idempotency_key, notice=notice, purpose="change-notice"
        ),
        timeout=30,
    )
    return reply.acknowledgement


def _medicaid(agencies: Agencies) -> dict[str, tuple[str, dt.date | None, str]]:
    """Each member's Medicaid record at HHS: (status, the day it ended, the notice)."""
    with agencies.hhs_db.session() as session:
        rows = session.exec(select(Enrollment).where(Enrollment.program == "MEDICAID")).all()
    return {r.person_id: (r.status, r.ended_on, r.idempotency_key) for r in rows}


ELIGIBLE, INELIGIBLE = det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_INELIGIBLE


async def test_an_older_decision_delivered_late_does_not_enrol_a_member_left_out_again(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    both = {"ana": ELIGIBLE, "ben": ELIGIBLE}
    await _tell_hhs(agencies, _members_notice("both-1", 1, JOB_LOST_ON, both))
    ended = await _tell_hhs(
        agencies, _members_notice("ben-died", 2, DIED_ON, {"ana": ELIGIBLE}, left=("ben",))
    )
    assert ended.action == le.CHANGE_ACTION_BENEFIT_UPDATED
    assert "Medicaid ended for 1 person left out of the case" in ended.detail
    held = _medicaid(agencies)
    assert held == {
        "ana": ("ELIGIBLE", None, "ben-died"),
        # Kept as it was, ended on the day of the death.
        "ben": ("ELIGIBLE", DIED_ON, "both-1"),
    }

    # Decision 1's notice for another change, delivered late, though effective later.
    late = await _tell_hhs(agencies, _members_notice("both-late", 1, dt.date(2026, 12, 1), both))
    assert late.action == le.CHANGE_ACTION_NO_ACTION
    # From before revisions: older than every numbered one.
    unnumbered = await _tell_hhs(agencies, _members_notice("both-0", 0, dt.date(2026, 12, 1), both))
    assert unnumbered.action == le.CHANGE_ACTION_NO_ACTION
    assert _medicaid(agencies) == held

    # A newer decision answering for him again (he was reported dead in error): he is back.
    back = await _tell_hhs(
        agencies, _members_notice("ben-back", 3, DIED_ON, {"ana": ELIGIBLE, "ben": INELIGIBLE})
    )
    assert back.action == le.CHANGE_ACTION_BENEFIT_UPDATED
    assert _medicaid(agencies)["ben"] == ("INELIGIBLE", None, "ben-back")


async def test_unnumbered_notices_end_a_member_left_out_by_effective_date(agencies) -> None:  # type: ignore[no-untyped-def]
    both = {"ana": ELIGIBLE, "ben": ELIGIBLE}
    await _tell_hhs(agencies, _members_notice("both-0", 0, JOB_LOST_ON, both))
    await _tell_hhs(
        agencies, _members_notice("ben-died-0", 0, DIED_ON, {"ana": ELIGIBLE}, left=("ben",))
    )
    assert _medicaid(agencies)["ben"] == ("ELIGIBLE", DIED_ON, "both-0")
    # Effective before the death, and as unnumbered as it: older, so nothing changes.
    earlier = await _tell_hhs(agencies, _members_notice("both-0b", 0, SETTLED_ON, both))
    assert earlier.action == le.CHANGE_ACTION_NO_ACTION
    assert _medicaid(agencies)["ben"] == ("ELIGIBLE", DIED_ON, "both-0")


async def test_a_closed_cases_ended_answers_end_what_hhs_holds_and_record_what_it_did_not(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    await _tell_hhs(agencies, _members_notice("ana-1", 1, JOB_LOST_ON, {"ana": ELIGIBLE}))
    # The case closes: its last two members died together, every answer ended.
    closing = _members_notice(
        "closed", 2, DIED_ON, {"ana": INELIGIBLE, "ben": INELIGIBLE}, left=("ana", "ben")
    )
    ack = await _tell_hhs(agencies, closing)
    assert ack.action == le.CHANGE_ACTION_BENEFIT_UPDATED
    assert _medicaid(agencies) == {
        "ana": ("ELIGIBLE", DIED_ON, "ana-1"),
        "ben": ("INELIGIBLE", DIED_ON, "closed"),
    }


async def test_a_member_left_out_who_is_not_a_subject_is_refused_field_by_field(
    agencies,
) -> None:  # type: ignore[no-untyped-def]
    notice = _members_notice("odd", 1, DIED_ON, {"ana": ELIGIBLE}, left=("ben",))
    del notice.subjects[1:]
    notice.left_person_ids.append("ben")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _tell_hhs(agencies, notice)
    info = details_of(caught.value)
    assert info.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in info.violations} == {
        "notice.left_person_ids[0]",
        "notice.left_person_ids[1]",
    }
    assert agencies.receipts()[0] == 0


# The orchestrator's side: the scenario above from an application on, every notice written
# by the orchestrator and delivered by its dispatcher.


def _application(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    request.plan_year = 2026  # a year with published benchmark premiums
    return request


def _issue_clock(coordination, clock) -> IssueClock:  # type: ignore[no-untyped-def]
    keys = coordination.keys
    db = coordination.orchestrator_db
    applications = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key()
    )
    return IssueClock(db, applications, clock, "w1", budget_seconds=3.0)


def _revisions(coordination, case_id: str) -> list[tuple[str, str, int, str]]:  # type: ignore[no-untyped-def]
    """Each notice of the case as written: (agency, kind, revision, effective date)."""
    return [(a, k, r, d) for a, k, r, d, _ in written(coordination, case_id)]


async def test_the_orchestrators_later_decision_on_an_earlier_change_is_what_agencies_keep(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC))
    application = _application("rivera", "rivera-late-job-loss")
    # The Riveras state far less than their last return shows and never send proof.
    application.household.members[0].incomes[0].annual_amount_cents //= 5
    earner = application.household.members[0].person_id
    case = (await coordination.orchestrator.SubmitApplication(application)).case
    assert any(i.reason_code == "INCOME_INCONSISTENT" for i in case.data_matching_issues)
    dispatcher = notice_dispatcher(coordination, clock, changed=None)

    # The inconsistency period runs out: settled on the return's figure, effective that day.
    clock.set(dt.datetime(2026, 9, 1, 15, 0, tzinfo=dt.UTC))
    assert (await _issue_clock(coordination, clock).run_once()).settled_issues == 1
    await dispatch_all(dispatcher)
    settled = await get_case(coordination, case.case_id)
    told = sorted({a for a, *_ in _revisions(coordination, case.case_id)})
    assert told == ["hhs", "usda"], told
    for agency in told:
        assert agency_answers(coordination, case.case_id)[agency] == (case_answers(settled)[agency])

    # On 2026-10-05 the earner reports losing the job on 2026-07-15: before the settlement.
    clock.set(dt.datetime(2026, 10, 5, 15, 0, tzinfo=dt.UTC))
    event = le.LifeEvent(
        kind=K.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date(JOB_LOST_ON),
        person_id=earner,
        incomes=[],
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="job-lost", case_id=case.case_id, event=event)
    )
    assert {"hhs", "usda"} <= set(reply.notified_agencies)
    await dispatch_all(dispatcher)
    latest = await get_case(coordination, case.case_id)
    assert {(n.agency, n.state) for n in latest.notifications} == {
        (n.agency, pb.NOTIFICATION_STATE_ACKNOWLEDGED) for n in latest.notifications
    }

    # Each of the case's decisions has its own revision, shared by every agency told of it.
    written = _revisions(coordination, case.case_id)
    assert {(a, k, r, d) for a, k, r, d in written if a in told} == {
        ("hhs", "APPLIED", 1, "2026-06-01"),
        ("usda", "APPLIED", 1, "2026-06-01"),
        ("hhs", "ISSUE_SETTLED", 2, "2026-09-01"),
        ("usda", "ISSUE_SETTLED", 2, "2026-09-01"),
        ("hhs", "INCOME_CHANGE", 3, "2026-07-15"),
        ("usda", "INCOME_CHANGE", 3, "2026-07-15"),
    }
    assert {r for a, k, r, _ in written if k == "INCOME_CHANGE"} == {3}  # Treasury's too
    # The later decision moved each agency's answers, and each now holds it.
    for agency in told:
        assert case_answers(latest)[agency] != case_answers(settled)[agency], agency
        assert (
            agency_answers(coordination, case.case_id)[agency] == (case_answers(latest)[agency])
        ), agency
