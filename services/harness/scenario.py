"""Scenario files: a household, then steps (apply, life events on dates, renewal, time
passing), each with the determinations expected after it.

```yaml
name: a birth opens coverage for the baby
household: rivera-family        # an example household, or a mapping as in a household file
steps:
  - apply: {}
    expect:
      maria: {medicaid: ineligible, marketplace: eligible}
      household: {snap: eligible}   # household-level programs
  - event: {kind: birth, date: 2026-11-20, new_member: {id: lucia, ...}}
    expect:
      lucia: {medicaid: eligible}
    offered: [chip]                 # programs offered after it (optional)
  - renew: {plan_year: 2028}
    outcome: renewed_from_data
  - wait: {days: 91}                # the 90-day clock; run only where the stack's clock moves
```
Events read the keys of `elig report` files (kind, date, person, new_member, spouse,
departing, incomes, address, expenses, expected_children, age).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness import life_events
from services.harness.households import (
    EXAMPLES_DIR,
    HouseholdFileError,
    _enum,
    listed,
    mapping,
    request_from_dict,
    whole,
)
from services.harness.yaml_file import FileProblem, read_mapping

SCENARIOS_DIR = Path(__file__).with_name("scenarios")
HOUSEHOLD = "household"


@dataclass(frozen=True)
class Expect:
    person_id: str  # empty for a household-level program
    program: int
    status: int


@dataclass
class Step:
    kind: str  # apply, event, renew or wait
    expect: list[Expect] = field(default_factory=list)
    event: le.LifeEvent | None = None
    plan_year: int = 0
    days: int = 0
    outcome: int = 0
    offered: list[int] = field(default_factory=list)
    issues: int | None = None

    @property
    def label(self) -> str:
        if self.event is not None:
            kind = le.LifeEventKind.Name(self.event.kind).removeprefix("LIFE_EVENT_KIND_")
            date = self.event.effective_date
            return f"event {kind.lower()} {date.year:04d}-{date.month:02d}-{date.day:02d}"
        if self.kind == "renew":
            return f"renew for {self.plan_year or 'next year'}"
        if self.kind == "wait":
            return f"wait {self.days} days"
        return "apply"


@dataclass
class Scenario:
    name: str
    path: Path
    application: pb.SubmitApplicationRequest
    steps: list[Step]


def event_from_dict(data: Any, where: str) -> le.LifeEvent:
    """An event as written in a scenario step (or planned by a simulated year): read as an
    event file is, its problems named under ``where``."""
    try:
        return life_events.event_from_dict(mapping(data, where))
    except HouseholdFileError as error:
        if str(error).startswith(where):
            raise
        raise HouseholdFileError(f"{where}: {error}") from None


def _expectations(raw: Any, where: str) -> list[Expect]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise HouseholdFileError(f"{where}: expected person -> program -> status")
    out = []
    for person, programs in raw.items():
        if not isinstance(programs, dict):
            raise HouseholdFileError(f"{where}.{person}: expected program -> status")
        for program, status in programs.items():
            out.append(
                Expect(
                    "" if person == HOUSEHOLD else str(person),
                    _enum(det.Program, "PROGRAM_", program, f"{where}.{person}"),
                    _enum(
                        det.DeterminationStatus,
                        "DETERMINATION_STATUS_",
                        status,
                        f"{where}.{person}.{program}",
                    ),
                )
            )
    return out


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise HouseholdFileError(f"{where}: expected a mapping (apply, event, renew or wait)")
    kinds = [k for k in ("apply", "event", "renew", "wait") if k in raw]
    if len(kinds) != 1:
        raise HouseholdFileError(f"{where}: name exactly one of apply, event, renew, wait")
    kind = kinds[0]
    body = raw[kind] or {}
    step = Step(kind, _expectations(raw.get("expect"), f"{where}.expect"))
    if kind == "event":
        step.event = event_from_dict(body, f"{where}.event")
    elif kind == "renew":
        step.plan_year = whole(mapping(body, f"{where}.renew").get("plan_year"), f"{where}.renew")
    elif kind == "wait":
        step.days = whole(mapping(body, f"{where}.wait").get("days"), f"{where}.wait")
    if "outcome" in raw:
        step.outcome = _enum(pb.RenewalOutcome, "RENEWAL_OUTCOME_", raw["outcome"], where)
    step.offered = [
        _enum(det.Program, "PROGRAM_", p, f"{where}.offered") for p in raw.get("offered") or []
    ]
    if "issues" in raw:
        step.issues = whole(raw["issues"], f"{where}.issues")
    return step


def load(path: Path) -> Scenario:
    try:
        data = read_mapping(path, "name, household and steps")
    except FileProblem as problem:
        raise HouseholdFileError(str(problem)) from None
    if not data.get("steps"):
        raise HouseholdFileError(f"{path}: expected name, household and steps")
    household = data.get("household")
    if isinstance(household, str):
        source = EXAMPLES_DIR / f"{household}.yaml"
        if not source.exists():
            raise HouseholdFileError(f"{path}: household {household!r} is not an example")
        household = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(household, dict):
        raise HouseholdFileError(f"{path}: household must name an example or be a mapping")
    household = {**household, **mapping(data.get("application"), f"{path}: application")}
    raws = listed(data["steps"], f"{path}: steps")
    steps = [_step(raw, f"{path.name}: steps[{i}]") for i, raw in enumerate(raws)]
    if steps[0].kind != "apply":
        raise HouseholdFileError(f"{path}: the first step is apply")
    try:
        application = request_from_dict(household)
    except HouseholdFileError as error:
        raise HouseholdFileError(f"{path}: household: {error}") from None
    return Scenario(str(data.get("name", path.stem)), Path(path), application, steps)


def shipped() -> list[Path]:
    return sorted(SCENARIOS_DIR.glob("*.yaml"))


def _word(enum: Any, prefix: str, value: int) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def check(case: pb.Case, step: Step, offered: list[int] | None = None) -> list[str]:
    """What in ``case`` differs from the step's expectations (empty when it passes)."""
    answers: dict[tuple[str, int], int] = {}
    for person in case.determinations:
        for program in person.programs:
            answers[(person.person_id, program.program)] = program.status
    for program in case.household_determinations:
        answers[("", program.program)] = program.status
    wrong = []
    for expect in step.expect:
        who = expect.person_id or HOUSEHOLD
        what = _word(det.Program, "PROGRAM_", expect.program)
        want = _word(det.DeterminationStatus, "DETERMINATION_STATUS_", expect.status)
        got = answers.get((expect.person_id, expect.program))
        if got != expect.status:
            seen = (
                "none"
                if got is None
                else _word(det.DeterminationStatus, "DETERMINATION_STATUS_", got)
            )
            wrong.append(f"{who} {what}: expected {want}, got {seen}")
    if step.issues is not None and len(case.data_matching_issues) != step.issues:
        wrong.append(f"issues: expected {step.issues}, got {len(case.data_matching_issues)}")
    missing = [p for p in step.offered if p not in (offered or [])]
    if missing:
        names = ", ".join(_word(det.Program, "PROGRAM_", p) for p in missing)
        wrong.append(f"not offered: {names}")
    return wrong
