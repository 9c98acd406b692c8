"""`elig sim year --households N --seed S`: a synthetic population applies, lives a year of
life events month by month, and renews; then the totals.

The population and its year are the same for the same seed. The year is the twelve months
ending on ``--today``: events are dated in their month, replayed in order, each household's
in sequence and households side by side. People who join a household during the year are
written into SSA's records with the rest before anything is replayed.

On a stack whose services read a clock file (ELIG_CLOCK_FILE, ``--clock-file``) the year is
lived on the stack's own clock: it is set to the year's first day for the applications, to
each month's last day before that month's changes are reported (a change is reported once
it happened), and, after the renewals, past the last open issue's 90-day period, waiting
each time for the orchestrator's rounds to settle what fell due (45 CFR 155.315(f)(5)).
Without a clock file the stack's clock stands where it is, and no issue can run out.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli import sim_clock
from services.cli.client import Session, TargetOption, answering
from services.cli.sim_clock import ClockAhead, SimClock
from services.cli.sim_cmd import seed_agencies, write_population
from services.harness import year as years
from services.harness.households import request_from_dict
from services.harness.scenario import event_from_dict
from shared.errors import details_of

console = Console()
# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


@dataclass
class Totals:
    applications: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    renewals: Counter[str] = field(default_factory=Counter)
    issues_opened: int = 0
    issues_cleared: int = 0
    questions_asked: int = 0
    questions_avoided: int = 0
    history: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    open_issues: int = 0
    # How the stack's clock moved, for the summary ("" when it did not).
    clock: str = ""


def _issues(case: pb.Case) -> set[tuple[str, str, str]]:
    return {(i.person_id, i.fact, i.reason_code) for i in case.data_matching_issues}


def _error(error: grpc.RpcError) -> str:
    return details_of(error).code.name


def _each(
    pool: ThreadPoolExecutor,
    progress: Progress,
    label: str,
    work: Iterable[T],
    do: Callable[[T], Any],
) -> None:
    items = list(work)
    task = progress.add_task(label, total=len(items))
    for _ in pool.map(lambda item: (do(item), progress.advance(task)), items):
        pass


def year(
    households: int = typer.Option(100, min=1, max=100_000, help="how many households"),
    seed: int = typer.Option(1, help="the same seed gives the same people and the same year"),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="the stack's data folder (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
    ),
    today: str = typer.Option("", help="the year's last day, YYYY-MM-DD (default: today)"),
    plan_year: int = typer.Option(0, help="the plan year applied for (0: the current year)"),
    concurrency: int = typer.Option(8, min=1, max=64, help="households handled side by side"),
    target: str | None = TargetOption,
    clock_file: Path | None = typer.Option(
        None,
        "--clock-file",
        envvar="ELIG_CLOCK_FILE",
        help="the stack's clock file (ELIG_CLOCK_FILE), moved month by month so issues "
        "reach their 90-day end; without it the stack's clock stands still",
    ),
) -> None:
    """Apply for a synthetic population, replay a year of life events, renew, print totals."""
    # The folder whose agencies are seeded is the one whose stack is asked, with its
    # credentials and targets.json: `sim year --data-dir X` means X for both, as elig's own.
    data_dir = Session.data_dir = data_dir or Session.data_dir
    started = time.perf_counter()
    try:
        end = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        err.print(f"[red]--today must be a date, YYYY-MM-DD[/red], not {today!r}")
        raise typer.Exit(2) from None
    year_of = plan_year or end.year
    first_day = years.month_start(end, 1)
    clock = SimClock(clock_file) if clock_file else None
    if clock is not None:
        try:
            clock.check_not_after(_noon(first_day))
        except ClockAhead as ahead:
            console.print(
                f"[red]the stack's clock ({clock_file}) reads {ahead.reads.date()}, after the "
                f"year's first day {first_day}[/red]: time only moves forward, so give a "
                f"--today at least a year after {ahead.reads.date()}, or start a stack with a "
                "new clock file"
            )
            raise typer.Exit(2) from None
    # The stack and its welcome of these credentials before a population is written: a
    # folder without them, or no stack there, is said before anything is seeded.
    channel = answering(Session.target(target))
    records, applications, people = write_population(data_dir, households, seed, end, year_of)
    homes = [json.loads(line) for line in applications.read_text(encoding="utf-8").splitlines()]
    data = json.loads(records.read_text(encoding="utf-8"))
    # Nobody applies before being born: on a moved clock the applications are made on the
    # year's first day, which may be before the plan year begins.
    born_by = min(dt.date(year_of, 1, 1), first_day) if clock else dt.date(year_of, 1, 1)
    _born_before(born_by, homes, data["people"])
    planned, newcomers = years.plan(homes, seed, end)
    data["people"] += [{**p, "birth_date": p["birth_date"].isoformat()} for p in newcomers]
    records.write_text(json.dumps(data), encoding="utf-8")
    console.print(
        f"{households} households, {people} people, {len(newcomers)} joining during the year, "
        f"{len(planned)} events planned (seed {seed}, year ending {end})"
    )
    with console.status("writing them into the agencies' records ..."):
        seed_agencies(records, data_dir)
    nonce = uuid.uuid4().hex[:8]
    totals = Totals()
    # Households are handled side by side: the tallies are updated under one lock.
    lock = threading.Lock()
    cases: dict[int, pb.Case] = {}
    with (
        channel,
        ThreadPoolExecutor(concurrency) as pool,
        Progress(console=console) as progress,
    ):
        stub = pb_grpc.CoordinationServiceStub(channel)

        def read(case_ids: list[str]) -> dict[str, pb.Case]:
            def one(case_id: str) -> pb.Case:
                request = pb.GetCaseRequest(case_id=case_id)
                return stub.GetCase(request, timeout=60).case

            return dict(zip(case_ids, pool.map(one, case_ids), strict=True))

        def let_time_pass(at: dt.datetime) -> None:
            """Move the stack's clock to ``at`` and wait for the orchestrator to settle what
            fell due by then; the cases read while waiting replace the ones held."""
            if clock is None:
                return
            today_ = clock.move_to(at).date()
            due = {c.case_id: i for i, c in cases.items() if sim_clock.overdue(c, today_)}
            if not due:
                return
            with console.status(f"{today_}: waiting for {len(due)} cases' issues to be settled"):
                seen = sim_clock.wait_until(read, lambda c: sim_clock.overdue(c, today_) > 0, due)
            for case_id, case in seen.items():
                cases[due[case_id]] = case

        if clock is not None:
            clock.move_to(_noon(first_day))

        def apply(index: int) -> None:
            request = request_from_dict(homes[index], f"year-{nonce}-{index}")
            try:
                case = stub.SubmitApplication(request, timeout=120).case
            except grpc.RpcError as error:
                with lock:
                    totals.applications[f"refused: {_error(error)}"] += 1
                return
            with lock:
                cases[index] = case
                totals.applications["determined"] += 1
                totals.issues_opened += len(case.data_matching_issues)

        _each(pool, progress, "applying", range(len(homes)), apply)

        def replay(batch: list[years.Planned]) -> None:
            for number, item in enumerate(batch):
                case = cases.get(item.household)
                if case is None:
                    continue
                request = pb.ReportLifeEventRequest(
                    request_id=f"year-{nonce}-{item.household}-{item.month}-{number}",
                    case_id=case.case_id,
                    event=event_from_dict(item.event, item.kind),
                )
                try:
                    reply = stub.ReportLifeEvent(request, timeout=120)
                except grpc.RpcError as error:
                    with lock:
                        totals.refused[f"{item.kind}: {_error(error)}"] += 1
                    continue
                before, after = _issues(case), _issues(reply.case)
                with lock:
                    totals.events[item.kind] += 1
                    totals.issues_opened += len(after - before)
                    totals.issues_cleared += len(before - after)
                    cases[item.household] = reply.case

        for month in range(1, 13):
            # Every change of the month has happened by its last day (the year's last
            # month ends on --today).
            let_time_pass(_noon(min(years.month_end(years.month_start(end, month)), end)))
            by_home: dict[int, list[years.Planned]] = {}
            for item in planned:
                if item.month == month:
                    by_home.setdefault(item.household, []).append(item)
            _each(pool, progress, f"month {month:2d}", by_home.values(), replay)

        def renew(index: int) -> None:
            case = cases[index]
            try:
                reply = stub.RenewCase(
                    pb.RenewCaseRequest(
                        request_id=f"year-{nonce}-renew-{index}",
                        case_id=case.case_id,
                        plan_year=case.plan_year + 1,
                    ),
                    timeout=120,
                )
            except grpc.RpcError as error:
                with lock:
                    totals.renewals[f"error: {_error(error)}"] += 1
                return
            outcome = pb.RenewalOutcome.Name(reply.outcome).removeprefix("RENEWAL_OUTCOME_")
            before, after = _issues(case), _issues(reply.case)
            with lock:
                totals.issues_opened += len(after - before)
                totals.issues_cleared += len(before - after)
                totals.renewals[outcome] += 1
                totals.questions_asked += reply.questions_asked
                totals.questions_avoided += reply.questions_avoided
                cases[index] = reply.case

        _each(pool, progress, "renewing", list(cases), renew)

        if clock is not None:
            # The issues still open (opened late in the year, or at renewal) run out too.
            last_due = sim_clock.latest_due(cases.values())
            if last_due is not None:
                let_time_pass(_noon(last_due + dt.timedelta(days=1)))
            reads = clock.reads()
            totals.clock = (
                f"the stack's clock moved from {first_day} to "
                f"{reads.date() if reads else first_day} ({clock.path})"
            )
        else:
            totals.clock = (
                "no --clock-file: the stack's clock stood still, so no issue reached its "
                "90-day end and none could be settled by rule"
            )

        # The dispatcher delivers in the background: the totals wait for the agencies'
        # answers (or a minute without one).
        ids = [case.case_id for case in cases.values()]
        with console.status(f"reading {len(ids)} cases, waiting for the agencies' answers"):
            final = sim_clock.wait_until(read, _notices_pending, ids)
        for case in final.values():
            _tally(totals, case)
    _print(totals, households, time.perf_counter() - started)


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


# Notices of the orchestrator's own decisions, counted apart from reported changes'.
_OWN_KINDS = {
    le.LIFE_EVENT_KIND_APPLIED: "applications",
    le.LIFE_EVENT_KIND_ISSUE_SETTLED: "settlements",
    le.LIFE_EVENT_KIND_RECHECKED: "rechecks",
    le.LIFE_EVENT_KIND_RENEWED: "renewals",
}


def _notices_pending(case: pb.Case) -> bool:
    return any(n.state == pb.NOTIFICATION_STATE_PENDING for n in case.notifications)


def _tally(totals: Totals, case: pb.Case) -> None:
    for event in case.history:
        totals.history[pb.CaseEventKind.Name(event.kind).removeprefix("CASE_EVENT_KIND_")] += 1
    for notice in case.notifications:
        totals.notifications["written"] += 1
        state = pb.NotificationState.Name(notice.state).removeprefix("NOTIFICATION_STATE_")
        totals.notifications[state.lower()] += 1
        if notice.kind in _OWN_KINDS:
            totals.notifications[_OWN_KINDS[notice.kind]] += 1
    totals.open_issues += len(case.data_matching_issues)


def _born_before(start: dt.date, homes: list[dict[str, Any]], people: list[dict[str, Any]]) -> None:
    """The population is drawn around ``--today``; a child drawn as born on or after
    ``start`` (the plan year's first day, or the day of the applications if earlier) is made
    born the day before it (in the household and in SSA's records alike), since only people
    already born apply."""
    latest = (start - dt.timedelta(days=1)).isoformat()
    moved = set()
    for home in homes:
        for member in home["members"]:
            if member["birth_date"] >= start.isoformat():
                member["birth_date"] = latest
                moved.add(member["ssn"])
    for person in people:
        if person["ssn"] in moved:
            person["birth_date"] = latest


def _print(totals: Totals, households: int, seconds: float) -> None:
    table = Table(title=f"A simulated year · {households} households")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, object]] = [
        ("applications determined", totals.applications["determined"]),
        *[(f"applications {k}", v) for k, v in totals.applications.items() if k != "determined"],
        ("life events reported", sum(totals.events.values())),
        *[(f"  {kind}", n) for kind, n in sorted(totals.events.items())],
        *[(f"  refused {what}", n) for what, n in sorted(totals.refused.items())],
        (
            "redeterminations (life events, rechecks, settlements, renewals)",
            sum(totals.history[k] for k in ("LIFE_EVENT", "RECHECKED", "ISSUE_SETTLED", "RENEWED")),
        ),
        ("notifications written", totals.notifications["written"]),
        ("  for applications", totals.notifications["applications"]),
        ("  for settlements by rule", totals.notifications["settlements"]),
        ("  for rechecks of pending cases", totals.notifications["rechecks"]),
        ("  for renewals", totals.notifications["renewals"]),
        ("  acknowledged", totals.notifications["acknowledged"]),
        ("  still pending", totals.notifications["pending"]),
        ("  refused", totals.notifications["refused"]),
        ("pending issues opened", totals.issues_opened),
        ("pending issues cleared by a later answer", totals.issues_cleared),
        ("pending issues settled by the 90-day rule", totals.history["ISSUE_SETTLED"]),
        ("pending issues still open", totals.open_issues),
        *[
            (f"renewals {k.lower().replace('_', ' ')}", v)
            for k, v in sorted(totals.renewals.items())
        ],
        ("renewal questions asked of people", totals.questions_asked),
        ("renewal questions answered from data", totals.questions_avoided),
    ]
    for label, count in rows:
        table.add_row(label, str(count))
    console.print(table)
    console.print(totals.clock)
    console.print(f"in {seconds:.1f} s")
