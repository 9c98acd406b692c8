"""`elig data`: load published reference data into an agency's database."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from services.cli.client import Session
from services.hhs.load_benchmarks import load_benchmarks
from services.hhs.tables import TABLES
from shared.db import Database
from shared.settings import load_settings

app = typer.Typer(
    no_args_is_help=True, help="Published figures: load next year's into the services' databases."
)


@app.command("load-benchmarks")
def load_benchmarks_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="QHP Landscape CSV"),
    plan_year: int = typer.Option(..., "--plan-year", help="the plan year the file is for"),
    source: str = typer.Option(
        "", help="who published the file (default: its name), cited on every figure"
    ),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="the stack's data folder (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
        show_default=False,
    ),
    database_url: str = typer.Option(
        "",
        "--database-url",
        envvar="ELIG_HHS_DATABASE_URL",
        help="HHS database (default: SQLite in --data-dir)",
    ),
) -> None:
    """Store a plan year's benchmark premiums for HHS, from a CMS QHP Landscape file.

    Each county's second-lowest-cost silver premium is derived from the file (one row per
    plan and county) and stored as HHS's benchmark for the plan year."""
    if not 2000 <= plan_year <= 2100:
        typer.echo("--plan-year must be a calendar year between 2000 and 2100", err=True)
        raise typer.Exit(2)
    settings = load_settings(
        "hhs", data_dir=data_dir or Session.data_dir, database_url=database_url
    )
    url = settings.resolved_database_url()
    _refuse_a_new_sqlite_file(url)
    db = Database(url, TABLES)
    db.create_tables()
    try:
        loaded = load_benchmarks(db, file, plan_year, source.strip() or f"plan file {file.name}")
    except UnicodeDecodeError:
        typer.echo(f"refused: {file}: not a text file (a CSV in UTF-8 expected)", err=True)
        raise typer.Exit(1) from None
    except ValueError as error:
        typer.echo(f"refused: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    typer.echo(
        f"hhs: plan year {loaded.plan_year}: benchmarks for {loaded.counties} counties "
        f"from {loaded.silver_plans} silver plan offerings; a running HHS service uses them "
        "within its benchmark poll interval (ELIG_BENCHMARK_POLL_SECONDS)"
    )


def _refuse_a_new_sqlite_file(url: str) -> None:
    """Figures stored in a database no stack reads would be reported as loaded and never
    used: a SQLite file that is not there yet means --data-dir is not the stack's folder."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return
    if not Path(parsed.database).exists():
        typer.echo(
            f"refused: no HHS database at {parsed.database}: --data-dir must name the stack's "
            "data folder (a stack started once makes it)",
            err=True,
        )
        raise typer.Exit(1)
