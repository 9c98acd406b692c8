"""python -m services.hhs.seed: load the shipped rating areas and benchmark premiums."""

from __future__ import annotations

from pathlib import Path

import typer

from services.hhs.benchmarks import COUNTIES_FILE, PREMIUMS_FILE, load_counties, load_premiums
from services.hhs.repository import count_benchmarks, replace_reference_data
from services.hhs.tables import TABLES
from shared.db import Database
from shared.settings import load_settings


def seed(db: Database, premiums: Path = PREMIUMS_FILE, counties: Path = COUNTIES_FILE) -> int:
    rows, places = load_premiums(premiums), load_counties(counties)
    with db.session() as session:
        return replace_reference_data(session, places, rows)


def seed_if_empty(
    db: Database, premiums: Path = PREMIUMS_FILE, counties: Path = COUNTIES_FILE
) -> int:
    """Seed a fresh database so a new deployment answers at once; never overwrite."""
    with db.session() as session:
        if count_benchmarks(session) > 0:
            return 0
    return seed(db, premiums, counties)


def main(
    file: Path = typer.Option(PREMIUMS_FILE, help="benchmark premiums by rating area (CSV)"),
    counties: Path = typer.Option(COUNTIES_FILE, help="county to rating area map (CSV)"),
) -> None:
    settings = load_settings("hhs")
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    count = seed(db, file, counties)
    db.dispose()
    typer.echo(f"hhs: {count} benchmark premiums seeded")


if __name__ == "__main__":
    typer.run(main)
