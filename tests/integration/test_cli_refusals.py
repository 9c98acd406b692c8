"""`elig` names a refused request field by the option the user typed, against a real
orchestrator (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from services.cli.main import app as elig


async def test_elig_cases_names_a_bad_page_token_by_its_option(coordination) -> None:  # type: ignore[no-untyped-def]
    handle = coordination.handle
    args = ["--data-dir", str(handle.credentials), "cases", "--target", handle.target]
    result = await asyncio.to_thread(
        CliRunner().invoke, elig, [*args, "--page-token", "garbage"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert "• --page-token:" in result.output and "page_token" not in result.output
