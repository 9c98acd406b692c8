"""elig: the caseworker's command line for the eligibility-coordination stack."""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import (
    certs_cmd,
    data_cmd,
    history_cmd,
    keys_cmd,
    records_cmds,
    render,
    renew_cmd,
    report_cmd,
    sim_cmd,
    sim_run,
    sim_year,
    ssa_cmd,
    watch_cmd,
)
from services.cli.client import Session, TargetOption, call
from services.cli.stack import SERVICES, Stack, StackError, console_port, running_stack
from services.cli.stack import free_ports as free_port_list
from services.cli.targets import ENV_VAR, targets_path
from services.cli.tool_identity import DEFAULT_CASEWORKER, DEFAULT_ROLE
from services.harness.households import HouseholdFileError, example_paths, load_request
from shared.caseworker_token import CASEWORKER_ID_RULE, ROLES, is_caseworker_id
from shared.tls import MODES, MTLS

app = typer.Typer(
    no_args_is_help=True,
    help="Tell the government once: submit households, read combined eligibility.",
    # Said, not left to typer's default (which has listed every frame's local variables):
    # households, SSNs and tokens would reach a terminal whose output gets pasted into tickets.
    pretty_exceptions_show_locals=False,
)
console = Console()
# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def _who(
    context: typer.Context,
    caseworker: str = typer.Option(
        DEFAULT_CASEWORKER,
        "--caseworker",
        envvar="ELIG_CASEWORKER",
        help="your caseworker id: named in your token and the audit log",
    ),
    role: str = typer.Option(
        DEFAULT_ROLE, "--role", envvar="ELIG_ROLE", help="caseworker, supervisor or auditor"
    ),
    data_dir: Path = typer.Option(
        Path("data"),
        "--data-dir",
        envvar="ELIG_DATA_DIR",
        help="where the stack's certificates and keys are",
    ),
    tls_mode: str = typer.Option(
        MTLS, "--tls-mode", envvar="ELIG_TLS_MODE", help="mtls, or plaintext (development only)"
    ),
    target: str | None = typer.Option(
        None,
        "--target",
        envvar=ENV_VAR,
        help="the orchestrator's host:port for every command (a command's own --target wins);"
        " default: what `elig up` wrote in the data folder, else 127.0.0.1:50050",
        show_default=False,
    ),
) -> None:
    if role not in ROLES:
        err.print(f"[red]--role must be one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    if tls_mode not in MODES:
        err.print(f"[red]--tls-mode must be one of {', '.join(MODES)}[/red]")
        raise typer.Exit(2)
    if not is_caseworker_id(caseworker):
        err.print(f"[red]--caseworker: {CASEWORKER_ID_RULE}[/red]")
        raise typer.Exit(2)
    Session.caseworker, Session.role = caseworker, role
    Session.data_dir, Session.tls_mode = data_dir, tls_mode
    Session.target_option = target or None
    # By name: typer carries its own copy of click, whose enum is not click's.
    typed = getattr(context.get_parameter_source("target"), "name", "") == "COMMANDLINE"
    Session.target_source = "--target" if typed else ENV_VAR


CaseIdArgument = typer.Argument(
    ..., help="the case's id, as `elig submit` or `elig cases` print it"
)


def _submit(target: str | None, request: pb.SubmitApplicationRequest) -> pb.Case:
    return call(target, "SubmitApplication", request).case


def _get(target: str | None, case_id: str) -> pb.Case:
    return call(target, "GetCase", pb.GetCaseRequest(case_id=case_id)).case


@app.command()
def submit(
    household: Path = typer.Argument(..., exists=True, dir_okay=False, help="household YAML"),
    target: str | None = TargetOption,
    request_id: str = typer.Option("", help="idempotency key; a new UUID when empty"),
    json: bool = typer.Option(False, "--json", help="print the case as JSON"),
) -> None:
    """Submit a household once; print the combined determination."""
    try:
        request = load_request(household, request_id or str(uuid.uuid4()))
    except HouseholdFileError as error:
        err.print(f"[red]bad household file[/red]: {escape(str(error))}")
        raise typer.Exit(2) from None
    case = _submit(target, request)
    if json:
        print(render.as_json(case))
    else:
        render.print_case(console, case)


@app.command("case")
def show_case(
    case_id: str = CaseIdArgument,
    target: str | None = TargetOption,
    json: bool = typer.Option(False, "--json", help="print the case as JSON"),
) -> None:
    """Show one case."""
    case = _get(target, case_id)
    if json:
        print(render.as_json(case))
    else:
        render.print_case(console, case)


@app.command()
def explain(case_id: str = CaseIdArgument, target: str | None = TargetOption) -> None:
    """Every reason behind a case's answers, with figures and citations."""
    render.explain(console, _get(target, case_id))


@app.command("cases")
def list_cases(
    target: str | None = TargetOption,
    page_size: int = typer.Option(20, max=1000, help="cases per page"),
    page_token: str = typer.Option("", help="token printed after the previous page"),
) -> None:
    """List cases, newest first."""
    reply = call(
        target,
        "ListCases",
        pb.ListCasesRequest(page_size=page_size, page_token=page_token),
        options={"page_size": "--page-size", "page_token": "--page-token"},
    )
    console.print(render.cases_table(reply))
    if reply.next_page_token:
        console.print(f"next page: --page-token {reply.next_page_token}", soft_wrap=True)


@app.command()
def up(
    data_dir: Path = typer.Option(
        None,
        help="SQLite files, logs, certificates and targets.json go here"
        " (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
        show_default=False,
    ),
    demo: bool = typer.Option(False, help="submit an example household once the stack is up"),
    example: Path = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="household YAML for --demo (default: Rivera family)",
    ),
    exit_after: bool = typer.Option(False, "--exit", help="stop the stack after the demo"),
    free_ports: bool = typer.Option(
        False,
        "--free-ports",
        help="listen on free ports instead of 50050-50054 (or ELIG_<SERVICE>_PORT)",
    ),
    clock_file: Path = typer.Option(
        None,
        "--clock-file",
        envvar="ELIG_CLOCK_FILE",
        help="every service reads 'now' from this file once it is written, so `elig sim "
        "run` and `elig sim year` can move the stack's time",
    ),
) -> None:
    """Start the whole stack locally: every service its own process, seeded, on SQLite."""
    mode = Session.tls_mode
    # Shown as typed: a relative folder keeps machine paths out of copied output.
    data_dir = data_dir or Session.data_dir
    extra_env = _clock_env(clock_file) if clock_file else {}

    # The sample is read before the minute of starting: a bad file is said at once.
    sample = None
    if demo:
        path = example or next(p for p in example_paths() if "rivera" in p.name)
        try:
            sample = (path, load_request(path, str(uuid.uuid4())))
        except HouseholdFileError as error:
            err.print(f"[red]bad household file[/red] for --example: {escape(str(error))}")
            raise typer.Exit(2) from None

    # Seeding and starting take a while (most of a minute on a busy machine): say each step.
    def say(step: str) -> None:
        console.print(f"  {step}", highlight=False)

    try:
        stack = (
            Stack.on_free_ports(data_dir, tls_mode=mode, extra_env=extra_env, progress=say)
            if free_ports
            else Stack(data_dir, tls_mode=mode, extra_env=extra_env, progress=say)
        )
        web_port = free_port_list(1)[0] if free_ports else console_port()
        # The console's port too, before the minute of seeding and starting.
        stack.check_ports_free({"console": web_port})
    except StackError as error:
        err.print(f"[red]the stack did not start[/red]: {error}")
        raise typer.Exit(2) from None
    Session.data_dir = stack.data_dir
    console.print(f"starting {len(SERVICES)} services, data in {data_dir} ...")
    console.print(_mode_line(stack, data_dir))
    if clock_file:
        console.print(
            f"clock: read from {clock_file} once it is written (elig sim moves it forward); "
            "until then, the system's",
            highlight=False,
        )
    try:
        with running_stack(stack):
            _print_services(stack, data_dir)
            address = stack.start_console(web_port)
            console.print(f"caseworker console: [bold]{address}[/bold] (sign in with any id)")
            _print_where(stack, data_dir)
            if sample is not None:
                console.print(f"\n[bold]Sample application[/bold]: {sample[0].name}")
                render.print_case(console, _submit(stack.target("orchestrator"), sample[1]))
            if exit_after:
                return
            console.print("\nstack is up; Ctrl-C stops it. Try: elig submit <household.yaml>")
            _wait_for_signal()
    except StackError as error:
        err.print(f"[red]the stack did not start[/red]: {error}")
        raise typer.Exit(1) from None
    console.print("stack stopped")


def _clock_env(clock_file: Path) -> dict[str, str]:
    """The services read the clock file from their own working folder's point of view: the
    path is made absolute. A simulated clock jumps months at once, so the orchestrator's
    rounds (the 90-day clock) look every second unless told otherwise."""
    env = {"ELIG_CLOCK_FILE": str(clock_file.resolve())}
    if not any(
        k in os.environ
        for k in ("ELIG_FOLLOW_UP_INTERVAL_SECONDS", "ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS")
    ):
        env["ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS"] = "1"
    return env


def _mode_line(stack: Stack, data_dir: Path) -> str:
    if stack.tls_mode == MTLS:
        return f"mode: mutual TLS (certificates in {data_dir / 'certs'}, local token issuer)"
    return "[bold red]mode: PLAINTEXT[/bold red]: callers are not proven (development only)"


def _print_services(stack: Stack, data_dir: Path) -> None:
    table = Table(title="Services (all SERVING)")
    for column in ("Service", "Listens on", "Log"):
        table.add_column(column)
    for name in SERVICES:
        table.add_row(name, stack.target(name), str(data_dir / "logs" / f"{name}.log"))
    console.print(table)


def _print_where(stack: Stack, data_dir: Path) -> None:
    """How other `elig` commands find this stack: the file they read by default, and the
    line for a shell that names no data folder or another one."""
    console.print(
        f"elig commands find the orchestrator through {targets_path(data_dir)}; in another shell:",
        soft_wrap=True,
        highlight=False,
    )
    console.print(
        f"export {ENV_VAR}={stack.target('orchestrator')}", soft_wrap=True, highlight=False
    )


def _wait_for_signal() -> None:
    stop = {"now": False}

    def handler(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    while not stop["now"]:
        time.sleep(0.2)


def _description(path: Path) -> str:
    """The household file's leading comment, every line of it, as one paragraph."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(line for line in lines if line)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@app.command()
def examples() -> None:
    """List the example households shipped with the project."""
    # A table wraps each description at word boundaries to the terminal's width.
    paths = example_paths()
    folder = _shown(paths[0].parent) if paths else ""
    table = Table(title="Example households", caption=f"in {folder}", show_lines=True)
    table.add_column("File", no_wrap=True)
    table.add_column("Household")
    for path in paths:
        table.add_row(path.name, _description(path))
    console.print(table)


records_cmds.register(app)
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(certs_cmd.app, name="certs")
# Scenario runs and the simulated year use the population helpers of sim_cmd.
sim_cmd.app.command("run")(sim_run.run)
sim_cmd.app.command("year")(sim_year.year)
app.add_typer(sim_cmd.app, name="sim")
app.command()(renew_cmd.renew)
app.command()(report_cmd.report)
app.command()(watch_cmd.watch)
app.command()(history_cmd.history)
app.add_typer(data_cmd.app, name="data")
app.add_typer(ssa_cmd.app, name="ssa")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
