"""The burden ledger: for each case, which questions the person answered, which were
filled in from earlier answers, and which an agency's records answered instead.

The report sets that against the questions separate applications to each program
would have asked (burden.yaml says which, and how many minutes a question costs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import Fact
from services.orchestrator.domain.reconcile import Issue
from shared.yaml_data import read_yaml

YARDSTICK_FILE = Path(__file__).with_name("burden.yaml")
ASKED, PREFILLED, VERIFIED = "ASKED", "PREFILLED", "VERIFIED_FROM_DATA"
# A change reported once and passed on to another program or agency instead of asked again.
SHARED = "SHARED"
CHANGE = "change:"
# Facts an agency's records can answer, and the proof each spares the person.
_SPARED_BY = {
    "identity.ssn_match": "identity",
    "identity.citizenship": "citizenship",
    "income.tax_return_magi": "income",
}
# The proof a data-matching issue asks the person for, by the fact in question.
_ASKED_FOR = {
    "identity.ssn_match": "identity",
    "identity.citizenship": "citizenship",
    "identity.death": "death",
    "income.annual": "income",
}


@dataclass(frozen=True)
class ProgramQuestions:
    per_person: tuple[str, ...]
    per_household: tuple[str, ...]
    documents_per_person: tuple[str, ...]


@dataclass(frozen=True)
class Yardstick:
    minutes_per_question: float
    minutes_source: str
    programs: dict[str, ProgramQuestions]
    # LifeEventKind name -> the questions one recipient's own change report asks.
    change_questions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = YARDSTICK_FILE) -> Yardstick:
        raw = read_yaml(path)
        return cls(
            float(raw["minutes_per_question"]),
            " ".join(str(raw["minutes_source"]).split()),
            {
                name: ProgramQuestions(
                    tuple(item["per_person"]),
                    tuple(item["per_household"]),
                    tuple(item.get("documents_per_person", ())),
                )
                for name, item in raw["programs"].items()
            },
            {kind: tuple(qs) for kind, qs in (raw.get("change_questions") or {}).items()},
        )

    def separately(self, programs: Iterable[int], members: int) -> int:
        """Questions and document requests if each program were applied to on its own."""
        total = 0
        for program in programs:
            q = self.programs[det.Program.Name(program)]
            total += (len(q.per_person) + len(q.documents_per_person)) * members
            total += len(q.per_household)
        return total


@dataclass(frozen=True)
class Line:
    """How one question of a case was answered; person_id empty for the household's."""

    question: str
    how: str
    person_id: str = ""


class Answered(Protocol):
    question: str
    how: str


def ledger(
    household: household_pb2.Household,
    programs: list[int],
    yardstick: Yardstick,
    prefilled: set[tuple[str, str]],
    facts: list[Fact],
    issues: list[Issue],
) -> list[Line]:
    """One coordinated application: every question once, minus what was prefilled."""
    wanted = [yardstick.programs[det.Program.Name(p)] for p in programs]
    per_person = sorted({q for w in wanted for q in w.per_person})
    per_household = sorted({q for w in wanted for q in w.per_household})
    rows = [
        Line(
            person_id=m.person_id,
            question=q,
            how=PREFILLED if (m.person_id, q) in prefilled else ASKED,
        )
        for m in household.members
        for q in per_person
    ]
    rows += [
        Line(question=q, how=PREFILLED if ("", q) in prefilled else ASKED) for q in per_household
    ]
    # A fact an agency verified spares the person a document; an open issue asks for one.
    for fact in facts:
        if fact.status == ev.VERIFIED and fact.fact in _SPARED_BY:
            rows.append(
                Line(
                    person_id=fact.person_id,
                    question=f"proof:{_SPARED_BY[fact.fact]}",
                    how=VERIFIED,
                )
            )
    for issue in issues:
        rows.append(
            Line(
                person_id=issue.person_id,
                question=f"proof:{_ASKED_FOR.get(issue.fact, issue.fact)}",
                how=ASKED,
            )
        )
    return rows


# A renewal's lines are kept apart from the application's: "renewal:<question>".
RENEWAL = "renewal:"
# Which renewal question a verified fact answers from data (the rest are carried from the case).
_ANSWERED_BY = {
    "identity.ssn_match": ("ssn", "name", "birth_date"),
    "identity.citizenship": ("citizenship",),
    "income.tax_return_magi": ("income",),
}


class Known(Protocol):
    person_id: str
    fact: str
    status: str


class Open(Protocol):
    person_id: str
    fact: str


def renewal_ledger(
    household: household_pb2.Household,
    programs: list[int],
    yardstick: Yardstick,
    facts: Iterable[Known],
    issues: Iterable[Open],
) -> list[Line]:
    """An ex parte renewal (42 CFR 435.916(a)(2); 45 CFR 155.335): the renewal form's
    questions, each answered from agency data or carried from the case, so the person is
    not asked; only what the data cannot show (each open issue's proof) is asked."""
    wanted = [yardstick.programs[det.Program.Name(p)] for p in programs]
    per_person = sorted({q for w in wanted for q in w.per_person})
    per_household = sorted({q for w in wanted for q in w.per_household})
    verified = {
        (f.person_id, q)
        for f in facts
        if f.status == ev.VERIFIED
        for q in _ANSWERED_BY.get(f.fact, ())
    }
    asked = {(i.person_id, _ASKED_FOR.get(i.fact, i.fact)) for i in issues}
    rows = [
        Line(
            person_id=m.person_id,
            question=RENEWAL + q,
            how=VERIFIED if (m.person_id, q) in verified else PREFILLED,
        )
        for m in household.members
        for q in per_person
        if (m.person_id, q) not in asked
    ]
    rows += [Line(question=RENEWAL + q, how=PREFILLED) for q in per_household]
    rows += [Line(person_id=p, question=f"{RENEWAL}proof:{q}", how=ASKED) for p, q in sorted(asked)]
    return rows


def renewal_counts(lines: Iterable[Answered]) -> tuple[int, int]:
    """(asked, avoided) among a ledger's renewal lines."""
    asked = avoided = 0
    for line in lines:
        if line.question.startswith(RENEWAL):
            if line.how == ASKED:
                asked += 1
            else:
                avoided += 1
    return asked, avoided


def change_ledger(kind: str, recipients: Sequence[str], yardstick: Yardstick) -> list[Line]:
    """A change reported once: each question asked once, and passed on to every other
    recipient (a program the household is in, an agency told) that would have asked it."""
    questions = yardstick.change_questions.get(kind, ("what_changed", "effective_date"))
    rows = []
    for question in questions:
        rows.append(Line(question=f"{CHANGE}{question}", how=ASKED))
        rows += [Line(question=f"{CHANGE}{question}", how=SHARED) for _ in recipients[1:]]
    return rows


@dataclass(frozen=True)
class Report:
    cases: int
    lines: dict[str, Counter[str]]
    asked: int
    separately: int
    minutes_per_question: float
    minutes_source: str
    renewal_asked: int = 0
    renewal_avoided: int = 0

    @property
    def saved(self) -> int:
        return self.separately - self.asked

    @property
    def minutes_saved(self) -> float:
        return round(self.saved * self.minutes_per_question, 1)


def report(
    rows: Sequence[Answered], cases: list[tuple[list[int], int]], yardstick: Yardstick
) -> Report:
    """``cases`` gives each case's programs and member count, for the separate baseline."""
    lines: dict[str, Counter[str]] = {}
    for row in rows:
        lines.setdefault(row.question, Counter())[row.how] += 1
    renewal_asked, renewal_avoided = renewal_counts(rows)
    return Report(
        cases=len(cases),
        lines=lines,
        # The application's questions, against separate applications; renewals apart.
        asked=sum(1 for r in rows if r.how == ASKED and not r.question.startswith(RENEWAL)),
        # Told separately, every recipient of a change would have asked its questions.
        separately=sum(yardstick.separately(programs, members) for programs, members in cases)
        + sum(1 for r in rows if r.question.startswith(CHANGE)),
        minutes_per_question=yardstick.minutes_per_question,
        minutes_source=yardstick.minutes_source,
        renewal_asked=renewal_asked,
        renewal_avoided=renewal_avoided,
    )
