"""Every kind of life event, reported through `elig report` to the stack started as users
start it: what each change did to the answers, checked against the rules (with their
citations), told once to each agency concerned, and never applied twice.

The rendered answers are kept in /tmp/report-examples/<kind>.txt for people to read.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from typer.testing import CliRunner

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.main import app
from services.cli.stack import Stack, running_stack
from services.harness.households import example_paths, load_request, request_from_dict
from services.harness.life_events import event_from_dict
from shared.dates import add_years
from shared.errors import details_of

pytestmark = pytest.mark.e2e

EXAMPLES = Path("/tmp/report-examples")
TODAY = dt.date.today()
ELIGIBLE, CONDITIONAL = det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL
INELIGIBLE, REFERRED = det.DETERMINATION_STATUS_INELIGIBLE, det.DETERMINATION_STATUS_REFERRED
COVERED = (ELIGIBLE, CONDITIONAL)

LUCIA = {
    "id": "lucia",
    "ssn": "412558305",
    "name": {"given": "Lucia", "family": "Rivera"},
    "birth_date": "2026-11-20",
    "citizenship": "citizen",
}
NGOZI = {
    "id": "ngozi",
    "ssn": "256407713",
    "name": {"given": "Ngozi", "family": "Okafor"},
    "birth_date": "2019-06-02",
    "citizenship": "citizen",
}
PRIYA = {
    "id": "priya",
    "ssn": "523110043",
    "name": {"given": "Priya", "family": "Nair"},
    "birth_date": "1995-02-11",
    "citizenship": "citizen",
    "incomes": [{"kind": "wages", "annual": "30000.00"}],
}


class Desk:
    """The stack, a caseworker's stub and the CLI, as one person at a desk uses them."""

    def __init__(self, stack: Stack, tmp: Path) -> None:
        self.stack = stack
        self.tmp = tmp
        self.channel = stack.channel("orchestrator")
        self.stub = pb_grpc.CoordinationServiceStub(self.channel)
        self.runner = CliRunner()
        self.count = 0

    def submit(self, stem: str = "", data: dict[str, Any] | None = None) -> pb.Case:
        self.count += 1
        rid = f"life-{stem or 'custom'}-{self.count}"
        if data is not None:
            request = request_from_dict(data, rid)
        else:
            request = load_request(next(p for p in example_paths() if stem in p.name), rid)
        return self.stub.SubmitApplication(request, timeout=60).case

    def report(self, case: pb.Case, name: str, event: dict[str, Any]) -> pb.ReportLifeEventResponse:
        """Report through `elig report --file`, keep the rendered answer, and return the
        answer as the service keeps it (asked again with the same request_id)."""
        path = self.tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(event))
        rid = f"report-{name}-{case.case_id[:8]}"
        result = self.cli("report", case.case_id, "--file", str(path), "--request-id", rid)
        assert result.exit_code == 0, result.output
        EXAMPLES.mkdir(parents=True, exist_ok=True)
        (EXAMPLES / f"{name}.txt").write_text(result.stdout)
        request = pb.ReportLifeEventRequest(
            request_id=rid, case_id=case.case_id, event=event_from_dict(event)
        )
        return self.stub.ReportLifeEvent(request, timeout=60)

    def cli(self, *args: str) -> Any:
        return self.runner.invoke(
            app,
            [
                "--data-dir",
                str(self.stack.data_dir),
                *args,
                "--target",
                self.stack.target("orchestrator"),
            ],
            env={"COLUMNS": "160"},
        )

    def outbox(self, case_id: str, applied: bool = False) -> list[str]:
        """The agencies told of the case's changes, or (``applied``) of its application."""
        with sqlite3.connect(self.stack.data_dir / "orchestrator.db") as db:
            rows = db.execute(
                "SELECT agency FROM orchestrator_outbox WHERE case_id = ?"
                f" AND kind {'=' if applied else '<>'} 'LIFE_EVENT_KIND_APPLIED' ORDER BY agency",
                (case_id,),
            )
            return [r[0] for r in rows]

    def notice_ssns(self, case_id: str) -> dict[str, int]:
        """How many SSNs each agency's notice of this case's change carries."""
        with sqlite3.connect(self.stack.data_dir / "orchestrator.db") as db:
            rows = db.execute(
                "SELECT agency, notice FROM orchestrator_outbox WHERE case_id = ?"
                " AND kind <> 'LIFE_EVENT_KIND_APPLIED'",
                (case_id,),
            )
            notices = {a: le.ChangeNotice.FromString(n) for a, n in rows}
        return {a: sum(1 for s in n.subjects if s.ssn) for a, n in notices.items()}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with running_stack(Stack.on_free_ports(tmp_path_factory.mktemp("stack"))) as started:
        opened = Desk(started, tmp_path_factory.mktemp("events"))
        yield opened
        opened.channel.close()


def _status(case: pb.Case, person: str, program: int) -> int:
    found = next(d for d in case.determinations if d.person_id == person)
    return next(p.status for p in found.programs if p.program == program)


def _snap(case: pb.Case) -> det.ProgramDetermination:
    return next(p for p in case.household_determinations if p.program == det.PROGRAM_SNAP)


def _changed(
    answer: pb.ReportLifeEventResponse, person: str, program: int
) -> pb.DeterminationChange:
    return next(c for c in answer.changes if c.person_id == person and c.program == program)


def _ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def test_a_birth_makes_the_baby_eligible_and_is_told_once_to_every_agency(desk: Desk) -> None:
    case = desk.submit("rivera")
    event = {"kind": "birth", "date": "2026-11-20", "person": "maria", "new_member": LUCIA}
    answer = desk.report(case, "birth", event)
    after = answer.case
    # Household income of about 112% of the poverty line is within Texas's limit for infants
    # (203%): Medicaid for the baby, 42 CFR 435.118.
    assert _status(after, "lucia", det.PROGRAM_MEDICAID) in COVERED
    assert "infants" in _changed(answer, "lucia", det.PROGRAM_MEDICAID).explanation
    # SNAP for five: the FY2027 maximum allotment for 5 is $1,217 (7 CFR 273.10(e)(2)(ii)(A)).
    snap = _changed(answer, "", det.PROGRAM_SNAP)
    assert "maximum allotment for 5 ($1,217.00)" in snap.explanation
    assert snap.after_monthly_benefit_cents > snap.before_monthly_benefit_cents
    assert list(answer.notified_agencies) == ["ssa", "treasury", "hhs", "usda"]
    lucia = next(m for m in after.household.members if m.person_id == "lucia")
    assert lucia.applying and lucia.ssn == "*****8305"
    unit = after.household.tax_units[0]
    assert "lucia" in unit.dependent_person_ids
    assert {(r.person_id, r.related_person_id) for r in after.household.relationships} >= {
        ("lucia", "maria"),
        ("lucia", "jose"),
    }
    # The newborn was verified with SSA; the others' identity was fresh and reused.
    born = [e for e in after.evidence if e.person_id == "lucia" and e.fact == "identity.ssn_match"]
    assert born and born[-1].status == 1  # EVIDENCE_STATUS_VERIFIED

    # Reported again (the same request_id): the first answer, nothing done twice.
    again = desk.stub.ReportLifeEvent(
        pb.ReportLifeEventRequest(
            request_id=f"report-birth-{case.case_id[:8]}",
            case_id=case.case_id,
            event=event_from_dict(event),
        ),
        timeout=60,
    )
    assert again == answer
    shown = desk.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), timeout=30).case
    kinds = [e.kind for e in shown.history]
    assert kinds.count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 1
    # Agencies' acknowledgements may follow it in the history: look at the change itself.
    (reported,) = [e for e in shown.history if e.kind == pb.CASE_EVENT_KIND_LIFE_EVENT]
    assert "SNAP for household" in reported.detail
    assert desk.outbox(case.case_id) == ["hhs", "ssa", "treasury", "usda"]
    # HHS and USDA were told of the application itself before.
    assert desk.outbox(case.case_id, applied=True) == ["hhs", "usda"]

    # Every agency acknowledges its notice (none refuses it, long reasons included), and only
    # the agencies keyed on SSNs were sent them.
    applied = le.LIFE_EVENT_KIND_APPLIED
    for _ in range(600):
        shown = desk.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), timeout=30).case
        states = {n.agency: n.state for n in shown.notifications if n.kind != applied}
        everything = {n.state for n in shown.notifications}
        if len(states) == 4 and pb.NOTIFICATION_STATE_PENDING not in everything:
            break
        time.sleep(0.1)
    assert states == dict.fromkeys(
        ["hhs", "ssa", "treasury", "usda"], pb.NOTIFICATION_STATE_ACKNOWLEDGED
    )
    assert everything == {pb.NOTIFICATION_STATE_ACKNOWLEDGED}
    carried = desk.notice_ssns(case.case_id)
    assert carried["hhs"] == carried["usda"] == 0
    assert carried["ssa"] > 0 and carried["treasury"] > 0


def test_an_adoption_offers_chip_to_a_marketplace_household(desk: Desk) -> None:
    case = desk.submit("okafor")
    event = {"kind": "adoption", "date": "2026-10-15", "person": "adaeze", "new_member": NGOZI}
    answer = desk.report(case, "adoption", event)
    # The Okafors' MAGI (~$63,000 for 3) is within Georgia's CHIP limit for a child of 7
    # (PeachCare, 42 CFR 457.310): offered, since the case asked for the Marketplace only.
    assert det.PROGRAM_CHIP in answer.offered_programs
    assert list(answer.case.offered_programs) == list(answer.offered_programs)
    assert _status(answer.case, "ngozi", det.PROGRAM_MARKETPLACE) == INELIGIBLE
    # Three in the tax family now: the premium tax credit grows (26 U.S.C. 36B(b)).
    credit = _changed(answer, "adaeze", det.PROGRAM_MARKETPLACE)
    assert credit.after_monthly_benefit_cents > credit.before_monthly_benefit_cents
    assert list(answer.notified_agencies) == ["ssa", "treasury", "hhs"]
    burden = desk.stub.GetBurdenReport(
        pb.GetBurdenReportRequest(case_id=case.case_id), timeout=30
    ).report
    lines = {line.question: line for line in burden.lines}
    # Told once; the Marketplace, SSA and the IRS would each have asked for the name.
    assert (lines["change:name"].asked, lines["change:name"].shared) == (1, 2)
    shown = desk.cli("burden", case.case_id)
    assert shown.exit_code == 0 and "Passed on" in shown.stdout
    (EXAMPLES / "burden-adoption.txt").write_text(shown.stdout)


def test_a_death_removes_the_member_and_tells_ssa(desk: Desk) -> None:
    case = desk.submit("rivera")
    answer = desk.report(case, "death", {"kind": "death", "date": _ago(5), "person": "jose"})
    assert "jose" not in {m.person_id for m in answer.case.household.members}
    assert "jose" not in {d.person_id for d in answer.case.determinations}
    gone = _changed(answer, "jose", det.PROGRAM_MARKETPLACE)
    assert gone.after_status == det.DETERMINATION_STATUS_UNSPECIFIED
    assert "ssa" in answer.notified_agencies
    # Maria files alone with the children: head of household.
    unit = answer.case.household.tax_units[0]
    assert list(unit.filer_person_ids) == ["maria"]
    assert unit.filing_status == household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD


def test_a_marriage_joins_the_spouse_and_counts_their_income(desk: Desk) -> None:
    case = desk.submit("chen")
    event = {"kind": "marriage", "date": _ago(10), "person": "wei", "new_member": PRIYA}
    answer = desk.report(case, "marriage", event)
    # $48,000 for two is about 222% of the poverty line, above California's 138% limit for
    # expansion adults (42 CFR 435.119): Wei's Medicaid ends.
    change = _changed(answer, "wei", det.PROGRAM_MEDICAID)
    assert change.before_status in COVERED and change.after_status == INELIGIBLE
    assert "138%" in change.explanation
    household = answer.case.household
    assert any(r.kind == household_pb2.RELATIONSHIP_KIND_SPOUSE for r in household.relationships)
    assert [(u.filing_status, sorted(u.filer_person_ids)) for u in household.tax_units] == [
        (household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY, ["priya", "wei"])
    ]


@pytest.mark.parametrize("kind", ["divorce", "separation"])
def test_a_divorce_or_separation_takes_the_departing_spouse_out(desk: Desk, kind: str) -> None:
    case = desk.submit("rivera")
    event = {"kind": kind, "date": _ago(3), "person": "maria", "departing": ["jose"]}
    answer = desk.report(case, kind, event)
    household = answer.case.household
    assert [m.person_id for m in household.members] == ["maria", "sofia", "mateo"]
    assert not any(
        r.kind == household_pb2.RELATIONSHIP_KIND_SPOUSE for r in household.relationships
    )
    assert household.tax_units[0].filing_status == household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD
    # Maria's $24,000 for three is under the poverty line: below the premium tax credit's
    # 100% floor (26 U.S.C. 36B(c)(1)(A)).
    credit = _changed(answer, "maria", det.PROGRAM_MARKETPLACE)
    assert credit.after_status == INELIGIBLE and "100% floor" in credit.explanation
    assert list(answer.notified_agencies) == ["ssa", "treasury", "hhs", "usda"]


def test_a_lost_job_opens_snap(desk: Desk) -> None:
    case = desk.submit("okafor")
    event = {"kind": "income_change", "date": _ago(20), "person": "adaeze", "incomes": []}
    answer = desk.report(case, "income_change-lost_job", event)
    # $16,500 of self-employment for two: within SNAP's limits (7 U.S.C. 2014(c)).
    assert det.PROGRAM_SNAP in answer.offered_programs
    assert list(answer.notified_agencies) == ["treasury", "hhs", "usda"]


def test_a_new_job_and_a_raise_change_the_answers(desk: Desk) -> None:
    kowalski = desk.submit("kowalski")
    event = {
        "kind": "income_change",
        "date": _ago(1),
        "person": "anna",
        "incomes": [{"kind": "wages", "annual": "30000.00"}],
    }
    answer = desk.report(kowalski, "income_change-new_job", event)
    snap = _changed(answer, "", det.PROGRAM_SNAP)
    assert snap.after_monthly_benefit_cents < snap.before_monthly_benefit_cents

    chen = desk.submit("chen")
    event = {
        "kind": "income_change",
        "date": _ago(1),
        "person": "wei",
        "incomes": [{"kind": "wages", "annual": "52000.00"}],
    }
    answer = desk.report(chen, "income_change-raise", event)
    # $52,000 alone is about 326% of the poverty line, above CA's 138% (42 CFR 435.119).
    change = _changed(answer, "wei", det.PROGRAM_MEDICAID)
    assert change.after_status == INELIGIBLE and "138%" in change.explanation


def test_the_same_income_again_changes_no_answer(desk: Desk) -> None:
    case = desk.submit("chen")
    event = {
        "kind": "income_change",
        "date": _ago(1),
        "person": "wei",
        "incomes": [{"kind": "wages", "annual": "18000.00"}],
    }
    answer = desk.report(case, "income_change-same", event)
    assert list(answer.changes) == [] and list(answer.offered_programs) == []
    assert "no answer changed" in answer.case.history[-1].detail


def test_a_move_to_another_county_or_state(desk: Desk) -> None:
    case = desk.submit("chen")
    event = {
        "kind": "move",
        "date": _ago(2),
        "address": {
            "line1": "1 Main St",
            "city": "Los Angeles",
            "state": "CA",
            "county": "Los Angeles",
            "zip": "90012",
        },
        "expenses": {"monthly_shelter": "1600.00"},
    }
    answer = desk.report(case, "move-county", event)
    assert answer.case.household.address.county == "Los Angeles"
    # A higher rent deducts more shelter cost (7 CFR 273.9(d)(6)): a larger allotment.
    snap = _changed(answer, "", det.PROGRAM_SNAP)
    assert snap.after_monthly_benefit_cents > snap.before_monthly_benefit_cents

    case = desk.submit("chen")
    event = {
        "kind": "move",
        "date": _ago(2),
        "address": {"line1": "1 Main", "city": "Houston", "state": "TX", "county": "Harris"},
    }
    answer = desk.report(case, "move-state", event)
    # Texas has not expanded Medicaid: no group for a childless adult (42 CFR 435.119).
    change = _changed(answer, "wei", det.PROGRAM_MEDICAID)
    assert change.after_status == INELIGIBLE and "TX covers no MAGI group" in change.explanation
    assert "treasury" in answer.notified_agencies


def test_a_pregnancy_opens_medicaid_for_the_mother(desk: Desk) -> None:
    case = desk.submit("rivera")
    event = {"kind": "pregnancy", "date": _ago(30), "person": "maria", "expected_children": 1}
    answer = desk.report(case, "pregnancy", event)
    # Texas covers pregnant women up to 203% of the poverty line (42 CFR 435.116).
    change = _changed(answer, "maria", det.PROGRAM_MEDICAID)
    assert change.before_status == INELIGIBLE and change.after_status in COVERED
    assert next(m for m in answer.case.household.members if m.person_id == "maria").pregnant


def _milestone_household(age: int) -> tuple[dict[str, Any], str, int]:
    """A California household whose member turns ``age`` 45 days from today, and the
    plan year that day falls in (the application takes ages on its own day, or on 1 January
    of a year not begun, both before the birthday, so the change shows)."""
    day = TODAY + dt.timedelta(days=45)
    born = add_years(day, -age)
    members: list[dict[str, Any]] = [
        {
            "id": "pat",
            "ssn": "523449001",
            "name": {"given": "Pat", "family": "Quill"},
            "birth_date": born.isoformat() if age != 19 else "1980-04-04",
            "citizenship": "citizen",
            "incomes": [{"kind": "wages", "annual": "18000.00" if age != 19 else "40000.00"}],
        }
    ]
    units: list[dict[str, Any]] = [{"id": "quill", "filing_status": "single", "filers": ["pat"]}]
    relationships = []
    person = "pat"
    if age == 19:
        members.append(
            {
                "id": "robin",
                "ssn": "523449002",
                "name": {"given": "Robin", "family": "Quill"},
                "birth_date": born.isoformat(),
                "citizenship": "citizen",
            }
        )
        units = [
            {
                "id": "quill",
                "filing_status": "head_of_household",
                "filers": ["pat"],
                "dependents": ["robin"],
            }
        ]
        relationships = [{"person": "robin", "related": "pat", "kind": "child"}]
        person = "robin"
    data = {
        "programs": ["medicaid", "chip", "marketplace"],
        "plan_year": day.year,
        "address": {
            "line1": "350 Cedar St",
            "city": "San Diego",
            "state": "CA",
            "county": "San Diego",
        },
        "members": members,
        "relationships": relationships,
        "tax_units": units,
    }
    return data, person, day


@pytest.mark.parametrize("age", [19, 26, 65])
def test_an_age_milestone(desk: Desk, age: int) -> None:
    data, person, day = _milestone_household(age)
    case = desk.submit(data=data)
    event = {"kind": "age_milestone", "date": day.isoformat(), "person": person, "age": age}
    answer = desk.report(case, f"age_milestone-{age}", event)
    medicaid = _status(answer.case, person, det.PROGRAM_MEDICAID)
    chip = _status(answer.case, person, det.PROGRAM_CHIP)
    if age == 19:
        # At 19 a child is an adult: CHIP and children's Medicaid end (42 U.S.C. 1397jj(c));
        # $40,000 for two is ~190% of the poverty line, above the 138% adult limit.
        assert _changed(answer, person, det.PROGRAM_MEDICAID).before_status in COVERED
        assert (medicaid, chip) == (INELIGIBLE, INELIGIBLE)
    elif age == 26:
        # 26 ends cover as a dependent on a parent's private plan; no program here turns on it.
        assert list(answer.changes) == []
    else:
        # At 65 Medicaid is decided on non-MAGI rules (42 CFR 435.603(j)(2)): referred.
        assert _changed(answer, person, det.PROGRAM_MEDICAID).before_status in COVERED
        assert medicaid == REFERRED
    # Nobody but the programs keeps records of a birthday: no SSA, no IRS.
    assert list(answer.notified_agencies)[0] == "hhs"
    assert not {"ssa", "treasury"} & set(answer.notified_agencies)


def test_bad_events_are_refused_field_by_field_and_others_cases_not_at_all(desk: Desk) -> None:
    case = desk.submit("rivera")
    path = desk.tmp / "bad.yaml"
    path.write_text(yaml.safe_dump({"kind": "death", "date": "2010-01-01", "person": "sofia"}))
    refused = desk.cli("report", case.case_id, "--file", str(path))
    assert refused.exit_code == 2
    assert "INVALID_ARGUMENT" in refused.output and "event.effective_date" in refused.output

    event = le.LifeEvent(kind=le.LIFE_EVENT_KIND_MOVE)
    event.effective_date.year, event.effective_date.month, event.effective_date.day = 2026, 11, 1
    event.new_address.state_code, event.new_address.county = "TX", "Atlantis"
    with pytest.raises(grpc.RpcError) as caught:
        desk.stub.ReportLifeEvent(
            pb.ReportLifeEventRequest(request_id="bad-move", case_id=case.case_id, event=event),
            timeout=30,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details_of(caught.value).violations} == {"event.new_address.county"}

    with desk.stack.channel("orchestrator", caseworker="cw-other") as other:
        stub = pb_grpc.CoordinationServiceStub(other)
        death = le.LifeEvent(kind=le.LIFE_EVENT_KIND_DEATH, person_id="jose")
        death.effective_date.CopyFrom(event.effective_date)
        with pytest.raises(grpc.RpcError) as denied:
            stub.ReportLifeEvent(
                pb.ReportLifeEventRequest(request_id="x", case_id=case.case_id, event=death),
                timeout=30,
            )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_ssa_reports_a_death_and_the_case_follows_with_no_one_at_a_counter(desk: Desk) -> None:
    """Last in the module: SSA holds Chidi Okafor as deceased from here on."""
    pytest.importorskip("services.cli.ssa_cmd", reason="SSA's death reports come with `agency`")
    case = desk.submit("okafor")
    recorded = desk.runner.invoke(
        app,
        [
            "--data-dir",
            str(desk.stack.data_dir),
            "ssa",
            "record-death",
            "--ssn",
            "256407712",
            "--date",
            _ago(4),
            "--target",
            desk.stack.target("ssa"),
        ],
    )
    assert recorded.exit_code == 0, recorded.output
    # The orchestrator follows SSA's stream on its own; look until the case shows it.
    shown = case
    for _ in range(1200):
        shown = desk.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), timeout=30).case
        if pb.CASE_EVENT_KIND_LIFE_EVENT in [e.kind for e in shown.history]:
            break
        time.sleep(0.1)
    assert [m.person_id for m in shown.household.members] == ["adaeze"]
    (reported,) = [e for e in shown.history if e.kind == pb.CASE_EVENT_KIND_LIFE_EVENT]
    assert reported.detail.startswith("death on")
    assert desk.outbox(case.case_id) == ["hhs", "ssa", "treasury"]
