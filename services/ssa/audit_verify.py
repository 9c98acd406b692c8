"""python -m services.ssa.audit_verify: check SSA's audit chain from end to end.

Exit status 0 when the chain holds, 1 when an entry was altered, deleted, reordered or
inserted (the message names the first broken seq), 2 when there is no log to check.
"""

from __future__ import annotations

import typer
from sqlalchemy import inspect

from services.ssa.tables import AUDIT, TABLES
from shared.audit import VerifyResult
from shared.db import Database
from shared.settings import load_settings


def verify_chain(db: Database) -> VerifyResult:
    with db.session() as session:
        return AUDIT.verify(session)


app = typer.Typer(add_completion=False, help="Check SSA's hash-chained audit log.")


@app.command()
def main() -> None:
    settings = load_settings("ssa")
    db = Database(settings.resolved_database_url(), TABLES)
    try:
        if not inspect(db.engine).has_table(AUDIT.entry.__tablename__):
            typer.echo("ssa audit log: not found in the configured database", err=True)
            raise typer.Exit(2)
        result = verify_chain(db)
    finally:
        db.dispose()
    if not result.ok:
        typer.echo(
            f"ssa audit log: BROKEN at seq {result.bad_seq} ({result.problem}): "
            f"{result.message}; entries 1-{result.entries} hold",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"ssa audit log: ok, {result.entries} entries")


if __name__ == "__main__":
    app()
