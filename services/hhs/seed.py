"""python -m services.hhs.seed [--file benchmark_premiums.yaml]: load benchmark premiums."""

from __future__ import annotations

from pathlib import Path

import typer

from services.hhs.benchmarks import DATA_FILE, load_file
from services.hhs.repository import count_benchmarks, replace_benchmarks
from services.hhs.tables import TABLES
from shared.db import Database
from shared.settings import load_settings


def seed(db: Database, path: Path = DATA_FILE) -> int:
    rows = load_file(path)
    with db.session() as session:
        return replace_benchmarks(session, rows)


def seed_if_empty(db: Database, path: Path = DATA_FILE) -> int:
    """Seed a fresh database so a new deployment answers at once; never overwrite."""
    with db.session() as session:
        if count_benchmarks(session) > 0:
            return 0
    return seed(db, path)


def main(file: Path = typer.Option(DATA_FILE, help="benchmark premiums YAML")) -> None:
    settings = load_settings("hhs")
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    count = seed(db, file)
    db.dispose()
    typer.echo(f"hhs: {count} benchmark premiums seeded")


if __name__ == "__main__":
    typer.run(main)
