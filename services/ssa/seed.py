"""python -m services.ssa.seed [--file population.yaml]: load synthetic SSA records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from services.harness.population import as_date, load
from services.ssa.repository import upsert_people
from services.ssa.tables import TABLES, SsaPerson
from shared.db import Database
from shared.settings import load_settings

CITIZENSHIP_VALUES = frozenset({"citizen", "lawfully_present", "not_lawfully_present"})


def people_from_population(data: dict[str, Any]) -> list[SsaPerson]:
    rows: list[SsaPerson] = []
    for item in data["people"]:
        citizenship = str(item.get("citizenship", "citizen"))
        if citizenship not in CITIZENSHIP_VALUES:
            raise ValueError(f"unknown citizenship {citizenship!r} in the population file")
        rows.append(
            SsaPerson(
                ssn=str(item["ssn"]),
                given_name=item["given"],
                family_name=item["family"],
                birth_date=as_date(item["birth_date"]),  # type: ignore[arg-type]
                citizenship=citizenship,
                death_date=as_date(item.get("death_date")),
            )
        )
    return rows


def seed(db: Database, path: Path | None = None) -> int:
    rows = people_from_population(load(path))
    with db.session() as session:
        return upsert_people(session, rows)


def main(
    file: Path = typer.Option(None, help="population YAML (default: the shipped one)"),
) -> None:
    settings = load_settings("ssa")
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    count = seed(db, file)
    typer.echo(f"ssa: {count} people seeded")


if __name__ == "__main__":
    typer.run(main)
