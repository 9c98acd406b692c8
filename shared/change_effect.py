"""What an agency did with a change notice, in plain values its pure rules can return."""

from __future__ import annotations

from dataclasses import dataclass

# ChangeAction names, without the enum's prefix.
RECORDED = "RECORDED"
BENEFIT_UPDATED = "BENEFIT_UPDATED"
NO_ACTION = "NO_ACTION"


@dataclass(frozen=True)
class Effect:
    """An action and one sentence for people saying what was done and why."""

    action: str
    detail: str


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"
