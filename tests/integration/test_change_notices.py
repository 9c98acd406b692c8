"""Every agency receives a change notice once, however often it is delivered, and says
what it did; bad notices are refused field by field and leave nothing behind. On SQLite
and PostgreSQL, each agency on its own server, called as the orchestrator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from sqlmodel import func, select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2, subsidy_eligibility_pb2_grpc
from eligibility.ssa.v1 import identity_pb2, identity_pb2_grpc
from eligibility.treasury.v1 import income_verification_pb2, income_verification_pb2_grpc
from eligibility.usda.v1 import snap_eligibility_pb2, snap_eligibility_pb2_grpc
from services.hhs.tables import AUDIT as HHS_AUDIT
from services.hhs.tables import Enrollment, HhsReceivedChange
from services.ssa.tables import AUDIT as SSA_AUDIT
from services.ssa.tables import SsaPerson, SsaReceivedChange
from services.treasury.tables import AUDIT as TREASURY_AUDIT
from services.treasury.tables import AddressOfRecord, TreasuryReceivedChange
from services.usda.tables import AUDIT as USDA_AUDIT
from services.usda.tables import SnapAllotment, UsdaReceivedChange
from shared.errors import details_of

K = le.LifeEventKind
MARIA, JOSE = "412558301", "412558302"


@dataclass(frozen=True)
class Agency:
    stub: Any
    request: Any
    table: Any
    audit: Any


AGENCIES = {
    "treasury": Agency(
        income_verification_pb2_grpc.IncomeVerificationServiceStub,
        income_verification_pb2.ReceiveChangeRequest,
        TreasuryReceivedChange,
        TREASURY_AUDIT,
    ),
    "ssa": Agency(
        identity_pb2_grpc.IdentityServiceStub,
        identity_pb2.ReceiveChangeRequest,
        SsaReceivedChange,
        SSA_AUDIT,
    ),
    "hhs": Agency(
        subsidy_eligibility_pb2_grpc.SubsidyEligibilityServiceStub,
        subsidy_eligibility_pb2.ReceiveChangeRequest,
        HhsReceivedChange,
        HHS_AUDIT,
    ),
    "usda": Agency(
        snap_eligibility_pb2_grpc.SnapEligibilityServiceStub,
        snap_eligibility_pb2.ReceiveChangeRequest,
        UsdaReceivedChange,
        USDA_AUDIT,
    ),
}


def _notice(key: str, kind: int, **fields: Any) -> le.ChangeNotice:
    notice = le.ChangeNotice(
        idempotency_key=key,
        case_id="case-rivera",
        kind=kind,
        effective_date=date_pb2.Date(year=2026, month=11, day=1),
        subjects=[le.NoticeSubject(person_id="p1", ssn=MARIA)],
    )
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(notice, name).extend(value)
        else:
            getattr(notice, name).CopyFrom(value)
    return notice


def _medicaid(person: str, status: int) -> det.PersonDetermination:
    return det.PersonDetermination(
        person_id=person,
        programs=[det.ProgramDetermination(program=det.PROGRAM_MEDICAID, status=status)],
    )


# A notice each agency acts on, and what it then holds.
ACTING = {
    "treasury": lambda key: _notice(
        key,
        K.LIFE_EVENT_KIND_MOVE,
        new_address=household_pb2.Address(
            line1="1 Main St", city="Austin", state_code="TX", county="Travis", zip_code="78701"
        ),
    ),
    "ssa": lambda key: _notice(key, K.LIFE_EVENT_KIND_DEATH),
    "hhs": lambda key: _notice(
        key,
        K.LIFE_EVENT_KIND_INCOME_CHANGE,
        determinations=[_medicaid("p1", det.DETERMINATION_STATUS_ELIGIBLE)],
    ),
    "usda": lambda key: _notice(
        key,
        K.LIFE_EVENT_KIND_INCOME_CHANGE,
        household_determinations=[
            det.ProgramDetermination(
                program=det.PROGRAM_SNAP,
                status=det.DETERMINATION_STATUS_ELIGIBLE,
                monthly_benefit_cents=54_600,
            )
        ],
    ),
}
ACTION = {
    "treasury": le.CHANGE_ACTION_RECORDED,
    "ssa": le.CHANGE_ACTION_RECORDED,
    "hhs": le.CHANGE_ACTION_BENEFIT_UPDATED,
    "usda": le.CHANGE_ACTION_BENEFIT_UPDATED,
}


def _count(db: Any, table: Any) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _effect_rows(name: str, db: Any) -> list[Any]:
    """What the agency holds that its effect wrote."""
    with db.session() as session:
        if name == "treasury":
            return [(r.ssn, r.state_code, r.county) for r in session.exec(select(AddressOfRecord))]
        if name == "ssa":
            person = session.exec(select(SsaPerson).where(SsaPerson.ssn == MARIA)).one()
            return [person.death_date]
        if name == "hhs":
            return [(r.person_id, r.program, r.status) for r in session.exec(select(Enrollment))]
        return [
            (r.case_id, r.status, r.monthly_allotment_cents)
            for r in session.exec(select(SnapAllotment))
        ]


async def _receive(
    coordination: Any, name: str, notice: le.ChangeNotice, request_id: str | None = None
) -> Any:
    agency = AGENCIES[name]
    async with coordination.agencies[name].channel() as channel:
        request = agency.request(
            request_id=notice.idempotency_key if request_id is None else request_id,
            notice=notice,
            purpose="change-notice",
        )
        return (await agency.stub(channel).ReceiveChange(request, timeout=30)).acknowledgement


async def test_a_notice_delivered_twice_is_applied_once_and_acknowledged_the_same(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    for name in AGENCIES:
        db = coordination.databases[name]
        first = await _receive(coordination, name, ACTING[name]("n-1"))
        held = _effect_rows(name, db)
        second = await _receive(coordination, name, ACTING[name]("n-1"))
        assert (first.agency, first.action, first.duplicate) == (name, ACTION[name], False)
        assert first.detail
        assert second.duplicate
        second.duplicate = False
        assert second == first
        assert _count(db, AGENCIES[name].table) == 1
        assert _effect_rows(name, db) == held
        with db.session() as session:
            entries = list(session.exec(select(AGENCIES[name].audit.entry)))
            assert [e.outcome for e in entries] == ["RECEIVED", "RECEIVED"]
            assert all(MARIA not in e.detail and MARIA not in e.subject_ref for e in entries)
            assert AGENCIES[name].audit.verify(session).ok


async def test_each_agency_does_its_own_part_of_a_change(coordination) -> None:  # type: ignore[no-untyped-def]
    dbs = coordination.databases
    for name in AGENCIES:
        await _receive(coordination, name, ACTING[name](f"own-{name}"))
    assert _effect_rows("treasury", dbs["treasury"]) == [(MARIA, "TX", "Travis")]
    assert _effect_rows("ssa", dbs["ssa"])[0].isoformat() == "2026-11-01"
    assert _effect_rows("hhs", dbs["hhs"]) == [("p1", "MEDICAID", "ELIGIBLE")]
    assert _effect_rows("usda", dbs["usda"]) == [("case-rivera", "ELIGIBLE", 54_600)]
    # SSA now answers with the death it was told of.
    async with coordination.agencies["ssa"].channel() as channel:
        reply = await identity_pb2_grpc.IdentityServiceStub(channel).VerifyIdentity(
            identity_pb2.VerifyIdentityRequest(
                request_id="v1",
                purpose="eligibility-determination",
                case_id="case-rivera",
                people=[
                    identity_pb2.IdentityQuery(
                        person_id="p1",
                        ssn=MARIA,
                        name=household_pb2.PersonName(given="Maria", family="Rivera"),
                        birth_date=date_pb2.Date(year=1989, month=3, day=14),
                    )
                ],
            )
        )
    assert reply.results[0].death_indicator
    assert reply.results[0].death_date == date_pb2.Date(year=2026, month=11, day=1)


async def test_a_change_that_touches_nothing_an_agency_holds_is_no_action(coordination) -> None:  # type: ignore[no-untyped-def]
    pregnancy = _notice("preg-1", K.LIFE_EVENT_KIND_PREGNANCY)
    for name in AGENCIES:
        ack = await _receive(coordination, name, pregnancy)
        assert ack.action == le.CHANGE_ACTION_NO_ACTION, name
    # A later change for the same people, from a sender without revisions: HHS keeps the
    # answer of the change effective later (tests/integration/test_newest_decision.py has
    # numbered decisions).
    later = _notice(
        "hhs-later",
        K.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=12, day=1),
        determinations=[_medicaid("p1", det.DETERMINATION_STATUS_INELIGIBLE)],
    )
    assert (await _receive(coordination, "hhs", later)).action == le.CHANGE_ACTION_BENEFIT_UPDATED
    stale = await _receive(coordination, "hhs", ACTING["hhs"]("hhs-stale"))
    assert stale.action == le.CHANGE_ACTION_NO_ACTION
    assert _effect_rows("hhs", coordination.databases["hhs"]) == [("p1", "MEDICAID", "INELIGIBLE")]


async def test_two_deliveries_at_once_apply_the_change_once(coordination) -> None:  # type: ignore[no-untyped-def]
    for name in AGENCIES:
        acks = await asyncio.gather(
            *(_receive(coordination, name, ACTING[name]("race-1")) for _ in range(4))
        )
        assert sorted(a.duplicate for a in acks) == [False, True, True, True]
        assert len({(a.action, a.detail, a.receive_time.ToNanoseconds()) for a in acks}) == 1
        assert _count(coordination.databases[name], AGENCIES[name].table) == 1


async def test_another_notice_under_a_used_key_is_refused_and_changes_nothing(coordination) -> None:  # type: ignore[no-untyped-def]
    for name in AGENCIES:
        await _receive(coordination, name, ACTING[name]("reused"))
        other = ACTING[name]("reused")
        other.case_id = "case-other"
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _receive(coordination, name, other)
        info = details_of(caught.value)
        assert (info.code, info.reason) == (
            grpc.StatusCode.ALREADY_EXISTS,
            "IDEMPOTENCY_KEY_REUSED",
        )
        assert _count(coordination.databases[name], AGENCIES[name].table) == 1


def _hostile() -> le.ChangeNotice:
    return le.ChangeNotice(
        idempotency_key="not-the-request-id",
        case_id=" ",
        kind=K.LIFE_EVENT_KIND_MOVE,
        effective_date=date_pb2.Date(year=2026, month=2, day=30),
        subjects=[
            le.NoticeSubject(person_id="p1", ssn="000112222"),
            le.NoticeSubject(person_id="p1", ssn="12345"),
        ],
        determinations=[
            det.PersonDetermination(
                person_id="stranger",
                programs=[det.ProgramDetermination(monthly_benefit_cents=-5)],
            )
        ],
    )


async def test_a_bad_notice_is_refused_field_by_field_and_leaves_nothing(coordination) -> None:  # type: ignore[no-untyped-def]
    for name in AGENCIES:
        db = coordination.databases[name]
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _receive(coordination, name, _hostile(), request_id="req-1")
        info = details_of(caught.value)
        assert info.code == grpc.StatusCode.INVALID_ARGUMENT
        fields = {v.field for v in info.violations}
        assert {
            "notice.idempotency_key",
            "notice.case_id",
            "notice.effective_date",
            "notice.subjects[0].ssn",
            "notice.subjects[1].person_id",
            "notice.subjects[1].ssn",
            "notice.determinations[0].person_id",
            "notice.determinations[0].programs[0].program",
            "notice.determinations[0].programs[0].status",
            "notice.determinations[0].programs[0].monthly_benefit_cents",
            "notice.new_address",
        } <= fields
        for notice, want in (
            (_notice("", K.LIFE_EVENT_KIND_DEATH), {"request_id", "notice.idempotency_key"}),
            (_notice("k", K.LIFE_EVENT_KIND_UNSPECIFIED), {"notice.kind"}),
            (
                le.ChangeNotice(idempotency_key="k", case_id="c", kind=1),
                {"notice.effective_date", "notice.subjects"},
            ),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await _receive(coordination, name, notice)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert want <= {v.field for v in details_of(caught.value).violations}
        assert _count(db, AGENCIES[name].table) == 0
        assert _count(db, AGENCIES[name].audit.entry) == 0
