"""python -m services.treasury.seed [--file population.yaml]: load synthetic returns."""

from __future__ import annotations

from pathlib import Path

import typer

from services.harness.population import as_date, dollars_to_cents, load
from services.treasury.repository import upsert_returns
from services.treasury.tables import TABLES, TaxReturn
from shared.db import Database
from shared.settings import load_settings


def returns_from_population(data: dict) -> list[TaxReturn]:  # type: ignore[type-arg]
    people = {p["ssn"]: p for p in data["people"]}
    rows: list[TaxReturn] = []
    for item in data["tax_returns"]:
        primary = people[item["primary_ssn"]]
        spouse = people.get(item.get("spouse_ssn") or "")
        rows.append(
            TaxReturn(
                tax_year=int(item["tax_year"]),
                filing_status=item["filing_status"],
                primary_ssn=primary["ssn"],
                primary_given_name=primary["given"],
                primary_family_name=primary["family"],
                primary_birth_date=as_date(primary["birth_date"]),
                spouse_ssn=spouse["ssn"] if spouse else None,
                spouse_given_name=spouse["given"] if spouse else None,
                spouse_family_name=spouse["family"] if spouse else None,
                spouse_birth_date=as_date(spouse["birth_date"]) if spouse else None,
                dependents=int(item.get("dependents", 0)),
                agi_cents=dollars_to_cents(item["agi"]),
                magi_add_backs_cents=dollars_to_cents(item.get("magi_add_backs")),
            )
        )
    return rows


def seed(db: Database, path: Path | None = None) -> int:
    rows = returns_from_population(load(path))
    with db.session() as session:
        return upsert_returns(session, rows)


def main(
    file: Path = typer.Option(None, help="population YAML (default: the shipped one)"),
) -> None:
    settings = load_settings("treasury")
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    count = seed(db, file)
    typer.echo(f"treasury: {count} tax returns seeded")


if __name__ == "__main__":
    typer.run(main)
