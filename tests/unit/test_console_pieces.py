"""The console's pure parts: the household builder's form <-> contract mapping, where the
server's field violations land, the session cookie's signature and expiry, and the
what-if's cliffs."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

from starlette.requests import Request
from starlette.responses import Response

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console import household_form as hf
from services.console import sweep_chart
from services.console.sessions import Session, SessionCodec
from services.console.settings import ConsoleSettings
from services.console.web import replace_session, with_cookie
from shared.errors import FieldViolation


def _family() -> dict[str, str]:
    form = dict(hf.SAMPLE)
    form.update(
        {
            "member_count": "3",
            "household.members[1].relationship": "spouse",
            "household.members[2].person_id": "p3",
            "household.members[2].relationship": "child",
            "household.members[2].birth_date": "2019-01-09",
            "household.tax_units[0].filing_status": "married_filing_jointly",
        }
    )
    return form


def test_the_form_becomes_the_household_the_contract_describes() -> None:
    built = hf.build(_family())
    household = built.household
    assert [m.person_id for m in household.members] == ["p1", "p2", "p3"]
    first = household.members[0]
    assert first.incomes[0].annual_amount_cents == 2_000_000
    assert first.incomes[0].kind == household_pb2.INCOME_KIND_WAGES
    assert (first.birth_date.year, first.birth_date.month, first.birth_date.day) == (1990, 4, 12)
    assert first.work_activity.monthly_work_hours == 100
    # The spouse files jointly with person 1; the child is both parents' dependent.
    unit = household.tax_units[0]
    assert list(unit.filer_person_ids) == ["p1", "p2"]
    assert list(unit.dependent_person_ids) == ["p3"]
    kinds = {(r.person_id, r.related_person_id, r.kind) for r in household.relationships}
    assert ("p3", "p2", household_pb2.RELATIONSHIP_KIND_CHILD) in kinds
    assert household.expenses.monthly_shelter_cents == 90_000
    assert built.filer_ids == ["p1", "p2"]


def test_what_the_server_names_lands_beside_the_field_that_holds_it() -> None:
    built = hf.build(_family())
    fields = hf.all_fields(3, ["programs"])
    placed, loose = hf.place_violations(
        [
            FieldViolation("household.members[0].ssn", "must be nine digits"),
            FieldViolation("household.members[2].birth_date.month", "is not a month"),
            FieldViolation("household.relationships[1].kind", "is required"),
            FieldViolation("household.tax_units[0].filer_person_ids", "too many"),
            FieldViolation("benchmark_premium.source", "is required"),
        ],
        built.aliases,
        fields,
    )
    assert placed["household.members[0].ssn"] == ["must be nine digits"]
    assert placed["household.members[2].birth_date"] == ["is not a month"]
    assert placed["household.members[2].relationship"] == ["is required"]
    assert placed["household.tax_units[0].filing_status"] == ["too many"]
    assert [v.field for v in loose] == ["benchmark_premium.source"]
    assert hf.field_label("household.members[2].birth_date") == "Person 3: Date of birth"


def test_typed_nonsense_reaches_the_server_as_something_it_refuses() -> None:
    form = dict(hf.SAMPLE)
    form["household.members[0].birth_date"] = "12/04/1990"
    form["household.members[0].incomes[0].annual_amount_cents"] = "lots"
    person = hf.build(form).household.members[0]
    assert not person.birth_date.year
    assert person.incomes[0].kind == household_pb2.INCOME_KIND_UNSPECIFIED


def test_a_session_cookie_is_signed_and_expires() -> None:
    codec = SessionCodec(b"k" * 32, lifetime_seconds=60)
    session = Session.for_caseworker("cw-1", "supervisor", now=1_000.0)
    raw = codec.encode(session)
    assert codec.decode(raw, now=1_030.0).session == session
    expired = codec.decode(raw, now=1_061.0)
    assert expired.session is None and expired.expired
    assert codec.decode(raw[:-2] + "xx", now=1_030.0).session is None
    assert SessionCodec(b"o" * 32, 60).decode(raw, now=1_030.0).session is None
    # A caseworker who has not signed in has nothing to expire.
    anonymous = Session.anonymous()
    assert codec.decode(codec.encode(anonymous), now=10**9).session == anonymous


def _step(income: int, snap: int, medicaid: int) -> pb.SweepStep:
    step = pb.SweepStep(annual_income_cents=income)
    step.determinations.add(person_id="p1").programs.add(
        program=det.PROGRAM_MEDICAID, status=medicaid
    )
    step.household_determinations.add(
        program=det.PROGRAM_SNAP,
        status=det.DETERMINATION_STATUS_ELIGIBLE,
        monthly_benefit_cents=snap,
    )
    return step


def test_a_raise_that_leaves_less_in_hand_or_takes_coverage_is_a_cliff() -> None:
    eligible, ineligible = det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_INELIGIBLE
    response = pb.SimulateIncomeSweepResponse(
        steps=[
            _step(0, 30_000, eligible),
            _step(1_200_000, 20_000, eligible),  # +1,000 a month, -100 SNAP: better off
            _step(2_400_000, 20_000, ineligible),  # Medicaid lost
            _step(2_520_000, 0, ineligible),  # +100 a month, -200 SNAP: worse off
        ]
    )
    rows = sweep_chart.rows_of(response)
    assert [(a.income_cents, b.income_cents) for a, b in sweep_chart.cliffs(rows)] == [
        (1_200_000, 2_400_000),
        (2_400_000, 2_520_000),
    ]
    drawing = sweep_chart.svg(rows)
    assert drawing.count('class="cliff"') == 2
    assert drawing.count("<polyline") == 3
    lines = sweep_chart.csv_text(rows).splitlines()
    assert lines[0].split(",")[:2] == ["annual_income_dollars", "monthly_tax_credit_dollars"]
    assert lines[3].startswith("24000.00,0.00,200.00,200.00,2200.00,")


def _cookie_header(scheme: str, secure_setting: bool) -> str:
    app = SimpleNamespace(
        state=SimpleNamespace(
            codec=SessionCodec(b"k" * 32, 1800),
            settings=ConsoleSettings(secure_cookie=secure_setting),
        )
    )
    scope = {
        "type": "http",
        "scheme": scheme,
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "server": ("127.0.0.1", 8080),
        "app": app,
    }
    request = Request(scope)
    replace_session(request, Session.for_caseworker("cw-1", "caseworker"))
    return with_cookie(request, Response()).headers["set-cookie"].lower()


def test_the_session_cookie_is_secure_over_https_or_when_set_so() -> None:
    plain = _cookie_header("http", secure_setting=False)
    assert "httponly" in plain and "samesite=strict" in plain
    assert "secure" not in plain.replace("samesite", "")
    assert "; secure" in _cookie_header("https", secure_setting=False)
    # Behind a proxy that ends TLS the console sees plain HTTP: the setting forces it.
    assert "; secure" in _cookie_header("http", secure_setting=True)


def test_the_secure_cookie_setting_reads_the_environment() -> None:
    assert ConsoleSettings.from_env({"ELIG_CONSOLE_SECURE_COOKIE": "1"}).secure_cookie
    assert not ConsoleSettings.from_env({}).secure_cookie


def test_an_offered_program_names_who_may_qualify_for_it() -> None:
    """CHIP after an adoption: the adopted child may qualify, the parent does not; SNAP's
    household answer for an offer is not kept, so it is offered without names."""
    from services.console.pages_cases import offered

    def answer(program: int, status: int) -> det.ProgramDetermination:
        return det.ProgramDetermination(program=program, status=status)

    case = pb.Case(
        programs=[det.PROGRAM_MEDICAID],
        offered_programs=[det.PROGRAM_CHIP, det.PROGRAM_SNAP],
        determinations=[
            det.PersonDetermination(
                person_id="p1",
                programs=[answer(det.PROGRAM_CHIP, det.DETERMINATION_STATUS_INELIGIBLE)],
            ),
            det.PersonDetermination(
                person_id="p2",
                programs=[answer(det.PROGRAM_CHIP, det.DETERMINATION_STATUS_CONDITIONAL)],
            ),
        ],
    )
    assert offered(case, {"p2": "Lia Chen"}) == [
        (det.PROGRAM_CHIP, ["Lia Chen"]),
        (det.PROGRAM_SNAP, []),
    ]


def test_amounts_that_are_not_numbers_or_past_any_households_money_are_unreadable() -> None:
    for text in ("1e999999999", "Infinity", "-Infinity", "NaN", "9" * 30, "-1e13", "1.2.3"):
        assert hf.dollars_to_cents(text) is None, text
    assert hf.dollars_to_cents("$1,250.50") == 125_050
    assert hf.dollars_to_cents("-12.345") == -1234
    form = dict(hf.SAMPLE)
    form["household.expenses.monthly_shelter_cents"] = "1e999999999"
    form["household.members[0].incomes[0].annual_amount_cents"] = "9" * 10_000
    built = hf.build(form)
    # Never read as no rent: the field is named for the form to show.
    assert sorted(v.field for v in built.unreadable) == [
        "household.expenses.monthly_shelter_cents",
        "household.members[0].incomes[0].annual_amount_cents",
    ]


def test_whole_numbers_past_the_contracts_int32_are_a_refused_value() -> None:
    assert [hf.whole_number(t) for t in ("12", " 7 ", "-3", "x", "9" * 20, "9" * 5000)] == [
        12,
        7,
        -3,
        -1,
        -1,
        -1,
    ]
    assert hf.whole_number("", 0) == 0


def test_a_signed_out_session_is_refused_until_it_would_have_expired(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from services.console.ended_sessions import EndedSessions

    ended = EndedSessions(tmp_path / "ended.json")
    codec = SessionCodec(b"k" * 32, lifetime_seconds=60, ended=ended)
    session = Session.for_caseworker("cw-1", "supervisor", now=1_000.0)
    other = Session.for_caseworker("cw-1", "supervisor", now=1_000.0)
    raw = codec.encode(session)
    ended.end(session.session_id, 1_060.0, now=1_010.0)
    assert codec.decode(raw, now=1_020.0).session is None
    # Another sign-in of the same caseworker goes on.
    assert codec.decode(codec.encode(other), now=1_020.0).session == other
    # Kept on disk; dropped once the cookie has expired anyway.
    assert EndedSessions(tmp_path / "ended.json").ended(session.session_id, now=1_020.0)
    ended.end(other.session_id, 1_200.0, now=1_100.0)
    assert set(json.loads((tmp_path / "ended.json").read_text())) == {other.session_id}
    # A signed-in cookie with no id cannot be signed out, so it is not taken.
    legacy = Session("csrf", "cw-1", "supervisor", 1_000.0)
    assert codec.decode(codec.encode(legacy), now=1_020.0).session is None


def test_what_if_csv_writes_ids_a_spreadsheet_would_run_as_text() -> None:
    eligible = det.DETERMINATION_STATUS_ELIGIBLE
    step = _step(0, 0, eligible)
    for person in step.determinations:
        person.person_id = "@SUM(1+1)*cmd|' /C calc'!A0"
    header = next(
        csv.reader(
            io.StringIO(
                sweep_chart.csv_text(
                    sweep_chart.rows_of(pb.SimulateIncomeSweepResponse(steps=[step]))
                )
            )
        )
    )
    person_columns = [c for c in header if "SUM" in c]
    assert person_columns and all(c.startswith("'@SUM") for c in person_columns)
