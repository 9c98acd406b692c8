"""What each agency makes of a change, as pure rules, and the notice checks they share."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from services.hhs.changes import Ended, ProgramStanding, held_order, hhs_standings, is_newer
from services.hhs.changes import effect_for as hhs_effect
from services.ssa.changes import change_for
from services.ssa.domain import PersonRecord
from services.treasury.changes import effect_for as treasury_effect
from services.usda.changes import SnapStanding
from services.usda.changes import effect_for as usda_effect
from shared.change_notice import check_notice, fingerprint
from shared.decision_order import DecisionOrder, supersedes
from shared.errors import ServiceError

NOV_1 = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 25)


def _record(ssn: str, died: dt.date | None = None) -> PersonRecord:
    return PersonRecord(ssn, "A", "B", dt.date(1980, 1, 1), "citizen", died)


def test_ssa_enters_a_death_only_on_records_that_have_none() -> None:
    records = {"1": _record("1"), "2": _record("2", dt.date(2026, 9, 1))}
    change = change_for("DEATH", NOV_1, ["1", "2", "3"], records)
    assert change.mark_deceased == ["1"]
    assert change.effect.action == "RECORDED"
    assert "already recorded for 1 person" in change.effect.detail
    assert change_for("DEATH", NOV_1, ["3"], records).effect.action == "NO_ACTION"


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("BIRTH", "RECORDED"),
        ("ADOPTION", "RECORDED"),
        ("MARRIAGE", "RECORDED"),
        ("DIVORCE", "RECORDED"),
        ("SEPARATION", "NO_ACTION"),
        ("MOVE", "NO_ACTION"),
        ("INCOME_CHANGE", "NO_ACTION"),
        ("PREGNANCY", "NO_ACTION"),
        ("AGE_MILESTONE", "NO_ACTION"),
        ("ISSUE_SETTLED", "NO_ACTION"),
    ],
)
def test_ssa_notes_what_touches_its_records_and_nothing_else(kind: str, action: str) -> None:
    change = change_for(kind, NOV_1, ["1"], {"1": _record("1")})
    assert (change.effect.action, change.mark_deceased) == (action, [])


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("MOVE", "RECORDED"),
        ("MARRIAGE", "RECORDED"),
        ("DIVORCE", "RECORDED"),
        ("SEPARATION", "RECORDED"),
        ("BIRTH", "RECORDED"),
        ("DEATH", "RECORDED"),
        ("INCOME_CHANGE", "RECORDED"),
        ("PREGNANCY", "NO_ACTION"),
        ("AGE_MILESTONE", "NO_ACTION"),
        ("ISSUE_SETTLED", "NO_ACTION"),
    ],
)
def test_treasury_notes_what_changes_the_next_return_or_the_address(kind: str, action: str) -> None:
    assert treasury_effect(kind, 2, "TX").action == action
    assert "TX" in treasury_effect("MOVE", 2, "TX").detail


def test_hhs_keeps_its_own_programs_and_the_later_change() -> None:
    answers = [
        ProgramStanding("p1", "MEDICAID", "ELIGIBLE", 0, ""),
        ProgramStanding("p1", "SNAP", "ELIGIBLE", 29_100, ""),
        ProgramStanding("p2", "MARKETPLACE", "ELIGIBLE", 41_000, "87"),
    ]
    kept = hhs_standings(answers)
    assert {(s.person_id, s.program) for s in kept} == {("p1", "MEDICAID"), ("p2", "MARKETPLACE")}
    assert hhs_effect(kept, 2).action == "BENEFIT_UPDATED"
    assert hhs_effect([], 0).action == "NO_ACTION"
    assert hhs_effect(kept, 0).action == "NO_ACTION"
    assert is_newer(None, DecisionOrder(1, NOV_1))
    assert is_newer(DecisionOrder(1, NOV_1), DecisionOrder(1, NOV_1))
    assert not is_newer(DecisionOrder(2, NOV_1), DecisionOrder(1, dt.date(2026, 12, 1)))


def test_an_ended_enrollment_stands_on_the_decision_that_ended_it() -> None:
    started, died = dt.date(2026, 7, 15), dt.date(2026, 11, 10)
    assert held_order(1, started, 0, None) == DecisionOrder(1, started)
    ended = held_order(1, started, 2, died)
    assert ended == DecisionOrder(2, died)
    # Decision 1's later notice no longer replaces it; decision 3 does.
    assert not is_newer(ended, DecisionOrder(1, dt.date(2026, 12, 1)))
    assert is_newer(ended, DecisionOrder(3, started))
    effect = hhs_effect([], 0, [Ended("p2", "MEDICAID"), Ended("p2", "CHIP")], ["p2"])
    assert effect.action == "BENEFIT_UPDATED"
    assert "Medicaid ended for 1 person left out of the case" in effect.detail
    assert hhs_effect([], 0, [], ["p2"]).action == "NO_ACTION"


def test_the_newest_decision_wins_whatever_its_effective_date() -> None:
    settled = DecisionOrder(1, dt.date(2026, 9, 1))
    job_lost = DecisionOrder(2, dt.date(2026, 7, 15))  # reported after the settlement
    assert supersedes(job_lost, settled)
    assert not supersedes(settled, job_lost)
    # Without revisions (0), the later effective date wins, as before; a tie goes to the
    # newer delivery; any numbered decision is newer than every unnumbered one.
    assert supersedes(DecisionOrder(0, NOV_1), DecisionOrder(0, dt.date(2026, 7, 15)))
    assert not supersedes(DecisionOrder(0, dt.date(2026, 7, 15)), DecisionOrder(0, NOV_1))
    assert supersedes(DecisionOrder(0, NOV_1), DecisionOrder(0, NOV_1))
    assert supersedes(DecisionOrder(1, dt.date(2026, 1, 1)), DecisionOrder(0, NOV_1))
    assert not supersedes(DecisionOrder(0, dt.date(2026, 12, 1)), DecisionOrder(1, NOV_1))


def test_usda_updates_the_allotment_only_with_a_snap_answer() -> None:
    effect = usda_effect(SnapStanding("ELIGIBLE", 54_600), True)
    assert effect.action == "BENEFIT_UPDATED" and "$546.00" in effect.detail
    assert usda_effect(None, False).action == "NO_ACTION"
    assert usda_effect(SnapStanding("ELIGIBLE", 1), False).action == "NO_ACTION"


def _notice(kind: int, ssn: str, day: dt.date = NOV_1) -> le.ChangeNotice:
    return le.ChangeNotice(
        idempotency_key="k",
        case_id="c",
        kind=kind,
        effective_date=date_pb2.Date(year=day.year, month=day.month, day=day.day),
        subjects=[le.NoticeSubject(person_id="p", ssn=ssn)],
    )


def _fields(notice: le.ChangeNotice, request_id: str = "k") -> set[str]:
    with pytest.raises(ServiceError) as caught:
        check_notice(request_id, notice, TODAY)
    return {v.field for v in caught.value.violations}


def test_a_child_not_yet_numbered_may_come_without_an_ssn_and_no_one_else() -> None:
    checked = check_notice("k", _notice(le.LIFE_EVENT_KIND_BIRTH, ""), TODAY)
    assert checked.ssns == [] and checked.kind_name == "BIRTH"
    assert _fields(_notice(le.LIFE_EVENT_KIND_DEATH, "")) == {"notice.subjects[0].ssn"}


def test_a_notice_is_checked_against_its_request_and_the_calendar() -> None:
    assert _fields(_notice(le.LIFE_EVENT_KIND_DEATH, "412558301"), "other") == {
        "notice.idempotency_key"
    }
    far = _notice(le.LIFE_EVENT_KIND_PREGNANCY, "412558301", dt.date(2028, 1, 1))
    assert _fields(far) == {"notice.effective_date"}
    soon = _notice(le.LIFE_EVENT_KIND_PREGNANCY, "412558301", dt.date(2027, 6, 1))
    assert check_notice("k", soon, TODAY).effective_date == dt.date(2027, 6, 1)


def test_a_revision_is_read_and_never_negative() -> None:
    numbered = _notice(le.LIFE_EVENT_KIND_PREGNANCY, "412558301")
    assert check_notice("k", numbered, TODAY).revision == 0
    numbered.revision = 7
    assert check_notice("k", numbered, TODAY).revision == 7
    numbered.revision = -1
    assert _fields(numbered) == {"notice.revision"}


def test_a_settlement_notice_must_carry_the_answers_it_is_sent_for() -> None:
    bare = _notice(le.LIFE_EVENT_KIND_ISSUE_SETTLED, "")
    with pytest.raises(ServiceError) as caught:
        check_notice("k", bare, TODAY, needs_ssn=False)
    assert {v.field for v in caught.value.violations} == {"notice.determinations"}
    answer = det.ProgramDetermination(
        program=det.PROGRAM_SNAP, status=det.DETERMINATION_STATUS_INELIGIBLE
    )
    bare.household_determinations.append(answer)
    checked = check_notice("k", bare, TODAY, needs_ssn=False)
    assert checked.kind_name == "ISSUE_SETTLED"
    assert (
        "issue settled by rule changes nothing"
        in change_for(checked.kind_name, TODAY, [], {}).effect.detail
    )


@pytest.mark.parametrize(
    "kind",
    [le.LIFE_EVENT_KIND_RECHECKED, le.LIFE_EVENT_KIND_RENEWED, le.LIFE_EVENT_KIND_APPLIED],
)
def test_a_recheck_renewal_or_application_notice_must_carry_its_answers_too(kind: int) -> None:
    bare = _notice(kind, "")
    with pytest.raises(ServiceError) as caught:
        check_notice("k", bare, TODAY, needs_ssn=False)
    assert {v.field for v in caught.value.violations} == {"notice.determinations"}
    bare.determinations.add(
        person_id=bare.subjects[0].person_id,
        programs=[
            det.ProgramDetermination(
                program=det.PROGRAM_MEDICAID, status=det.DETERMINATION_STATUS_ELIGIBLE
            )
        ],
    )
    assert check_notice("k", bare, TODAY, needs_ssn=False).kind == kind


def test_a_kind_from_a_newer_sender_is_left_to_try_again_not_refused_for_good() -> None:
    with pytest.raises(ServiceError) as caught:
        check_notice("k", _notice(99, "412558301"), TODAY)
    assert caught.value.code == grpc.StatusCode.UNIMPLEMENTED
    assert caught.value.reason == "CHANGE_KIND_UNKNOWN"


def test_the_fingerprint_tells_apart_notices_that_differ_in_anything() -> None:
    one = _notice(le.LIFE_EVENT_KIND_DEATH, "412558301")
    same = le.ChangeNotice.FromString(one.SerializeToString())
    other = _notice(le.LIFE_EVENT_KIND_DEATH, "412558302")
    assert fingerprint(one)[1] == fingerprint(same)[1] != fingerprint(other)[1]
