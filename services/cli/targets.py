"""Where the running local stack listens, so `elig` finds it after `elig up` moved it.

`elig up` writes every service's address to ``<data_dir>/targets.json`` once all are
serving; the other commands read the orchestrator's from there when neither ``--target``
nor ``ELIG_ORCHESTRATOR_TARGET`` says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.settings import DEFAULT_PORTS

TARGETS_FILE = "targets.json"
ENV_VAR = "ELIG_ORCHESTRATOR_TARGET"
DEFAULT_TARGET = f"127.0.0.1:{DEFAULT_PORTS['orchestrator']}"


@dataclass(frozen=True)
class Target:
    address: str
    # Where the address came from, so an unreachable one can be traced to its source.
    source: str


def targets_path(data_dir: Path) -> Path:
    return Path(data_dir) / TARGETS_FILE


def write_targets(data_dir: Path, targets: dict[str, str]) -> Path:
    path = targets_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole and renamed so a command reading it never sees half a file.
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(targets, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def remove_targets(data_dir: Path) -> None:
    targets_path(data_dir).unlink(missing_ok=True)


def env_var(service: str) -> str:
    return f"ELIG_{service.upper()}_TARGET"


def orchestrator_target(explicit: str | None, data_dir: Path) -> Target:
    """The address the user gave (--target or ELIG_ORCHESTRATOR_TARGET), else what the
    stack in ``data_dir`` wrote, else the default port."""
    return service_target("orchestrator", explicit, data_dir)


def service_target(service: str, explicit: str | None, data_dir: Path) -> Target:
    """The same search for any service of the stack (SSA, for vital records' reports):
    a stack on free ports is found where `elig up` wrote it, not at the default port."""
    if explicit:
        return Target(explicit, f"--target or {env_var(service)}")
    path = targets_path(data_dir)
    try:
        written = json.loads(path.read_text(encoding="utf-8")).get(service)
    except (OSError, ValueError, AttributeError):
        written = None
    if isinstance(written, str) and written:
        return Target(written, str(path))
    return Target(f"127.0.0.1:{DEFAULT_PORTS[service]}", "the default")
