"""The audit-verify command each agency ships: check its audit chain from end to end.

Exit status 0 when the chain holds, 1 when an entry was altered, deleted, reordered or
inserted (the message names the first broken seq), 2 when there is no log to check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import typer
from sqlalchemy import inspect
from sqlmodel import SQLModel

from shared.audit import AuditLog, VerifyResult
from shared.db import Database
from shared.settings import load_settings


def chain_verifier(audit_log: AuditLog) -> Callable[[Database], VerifyResult]:
    """``verify_chain(db)`` for one log: the whole check, in a session of its own."""

    def verify_chain(db: Database) -> VerifyResult:
        with db.session() as session:
            return audit_log.verify(session)

    return verify_chain


def audit_verify_app(
    service: str, audit_log: AuditLog, tables: Sequence[type[SQLModel]]
) -> typer.Typer:
    """The command for ``service``, whose settings name the database to check."""
    verify_chain = chain_verifier(audit_log)
    app = typer.Typer(add_completion=False, help=f"Check {service}'s hash-chained audit log.")

    @app.command()
    def main() -> None:
        settings = load_settings(service)
        db = Database(settings.resolved_database_url(), tables)
        try:
            if not inspect(db.engine).has_table(audit_log.entry.__tablename__):
                typer.echo(f"{service} audit log: not found in the configured database", err=True)
                raise typer.Exit(2)
            result = verify_chain(db)
        finally:
            db.dispose()
        if not result.ok:
            typer.echo(
                f"{service} audit log: BROKEN at seq {result.bad_seq} ({result.problem}): "
                f"{result.message}; entries 1-{result.entries} hold",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"{service} audit log: ok, {result.entries} entries")

    return app
