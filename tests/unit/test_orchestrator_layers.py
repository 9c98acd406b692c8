"""The orchestrator's floors: domain below adapters below use cases below the gRPC face.

Each floor may import only the floors beneath it. The imports are read from the source
(every ``import`` and ``from ... import``, wherever it stands in a module), so a rule
broken anywhere, even inside a function, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "services.orchestrator"
ROOT = Path(__file__).resolve().parents[2] / "services" / "orchestrator"

# What each floor must not import: a module is refused when its dotted name is one of
# these or lies inside one of them.
FORBIDDEN = {
    "domain": (
        "grpc",
        "sqlmodel",
        "sqlalchemy",
        f"{PACKAGE}.adapters",
        f"{PACKAGE}.usecases",
        f"{PACKAGE}.audit_trail",
        f"{PACKAGE}.entitlement",
        f"{PACKAGE}.servicer",
        f"{PACKAGE}.server",
    ),
    "adapters": (f"{PACKAGE}.usecases", f"{PACKAGE}.servicer", f"{PACKAGE}.server"),
    "usecases": (f"{PACKAGE}.servicer", f"{PACKAGE}.server"),
}


def _modules(floor: str) -> list[Path]:
    return sorted((ROOT / floor).rglob("*.py"))


def imported(source: str) -> set[str]:
    """Every module a source imports; ``from a import b`` counts as both ``a`` and ``a.b``,
    since ``b`` may be a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def breaches(source: str, floor: str) -> list[str]:
    out = []
    for name in sorted(imported(source)):
        for banned in FORBIDDEN[floor]:
            # Generated gRPC stubs (``*_pb2_grpc``) are the gRPC library by another name.
            stub = banned == "grpc" and name.endswith("_grpc")
            if name == banned or name.startswith(banned + ".") or stub:
                out.append(name)
                break
    return out


CASES = [(floor, path) for floor in FORBIDDEN for path in _modules(floor)]


def test_every_floor_has_modules() -> None:
    for floor in FORBIDDEN:
        assert _modules(floor), f"services/orchestrator/{floor}/ holds no modules"


@pytest.mark.parametrize(
    ("floor", "path"), CASES, ids=[f"{f}/{p.relative_to(ROOT / f)}" for f, p in CASES]
)
def test_imports_stay_on_lower_floors(floor: str, path: Path) -> None:
    assert breaches(path.read_text(), floor) == []


def test_no_relative_imports_hide_a_floor() -> None:
    # The rule above reads absolute names only; relative imports would slip past it.
    for _, path in CASES:
        tree = ast.parse(path.read_text())
        relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
        assert not relative, f"{path}: relative import"


@pytest.mark.parametrize(
    ("floor", "source"),
    [
        ("domain", "import grpc"),
        ("domain", "from sqlmodel import Session"),
        ("domain", "from eligibility.ssa.v1 import identity_pb2_grpc"),
        ("domain", "from services.orchestrator import adapters"),
        ("domain", "def f():\n    from services.orchestrator.adapters.tables import X\n"),
        ("adapters", "from services.orchestrator.usecases.apply import Coordinator"),
        ("usecases", "from services.orchestrator import servicer"),
        ("usecases", "import services.orchestrator.server"),
    ],
)
def test_a_broken_rule_is_caught(floor: str, source: str) -> None:
    assert breaches(source, floor)
