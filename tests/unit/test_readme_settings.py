"""The README's settings table names every setting the code reads, with its default.

A new user configures the stack from that table; a setting missing from it, or shown with
another default than the code's, sends them to read the source."""

from __future__ import annotations

import re
from pathlib import Path

from shared.settings import DEFAULT_PORTS, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = (*DEFAULT_PORTS, "console")
# Between the supervisor and its workers only, never set by a person.
INTERNAL = {"ELIG_WORKER_OF", "ELIG_WORKER_READY_FD"}


def _table() -> dict[str, str]:
    """Each variable the Configuration table names, with its Default cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`ELIG_") and not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([A-Z_<>{},]+)`", cells[0]):
            for expanded in _braces(name):
                rows[expanded] = cells[1].strip("`")
    return rows


def _braces(name: str) -> list[str]:
    found = re.search(r"\{([^}]*)\}", name)
    if not found:
        return [name]
    return [
        expanded
        for option in found.group(1).split(",")
        for expanded in _braces(name[: found.start()] + option + name[found.end() :])
    ]


def _named(rows: dict[str, str], field: str) -> str | None:
    """The row for a ServiceSettings field: ELIG_<FIELD>, or per service."""
    for name in (f"ELIG_{field}", f"ELIG_<SERVICE>_{field}"):
        if name in rows:
            return name
    return next((n for n in rows for s in SERVICES if n == f"ELIG_{s.upper()}_{field}"), None)


def _covered(rows: dict[str, str], name: str) -> bool:
    """In the table itself, or a setting's per-service form (ELIG_HHS_DATABASE_URL)."""
    field = name.removeprefix("ELIG_")
    for service in SERVICES:
        field = field.removeprefix(f"{service.upper()}_")
    return name in rows or _named(rows, field) is not None


def _read_in_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("services").rglob("*.py"), *ROOT.joinpath("shared").rglob("*.py")]:
        if "gen" in path.relative_to(ROOT).parts:
            continue
        names.update(re.findall(r"[\"'](ELIG_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return names - INTERNAL


def test_every_service_setting_is_in_the_table_with_the_codes_default() -> None:
    rows = _table()
    missing, wrong = [], []
    for field, info in ServiceSettings.model_fields.items():
        if field == "service":
            continue
        name = _named(rows, field.upper())
        if name is None:
            missing.append(f"ELIG_{field.upper()}")
            continue
        default = info.get_default(call_default_factory=True)
        if isinstance(default, int | float) and not isinstance(default, bool):
            shown = rows[name].replace(",", "")
            if re.fullmatch(r"[0-9.]+", shown) and float(shown) != float(default):
                wrong.append(f"{name}: README {shown}, code {default}")
    assert not missing, f"not in README's Configuration table: {missing}"
    assert not wrong, wrong


def test_every_variable_the_code_reads_is_in_the_table() -> None:
    rows = _table()
    missing = sorted(name for name in _read_in_code() if not _covered(rows, name))
    assert not missing, f"read by the code, not in README's Configuration table: {missing}"
