"""Counts laid out as a plain-text table whose columns are as wide as their names.

Status codes are long (FAILED_PRECONDITION is 19 characters) and a run may meet eight of
them, so a table of every code side by side is wider than most terminals. Rather than cut
the names short, the code columns are dealt into as many tables as the width needs, each
repeating the row labels.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence

GAP = 2


def terminal_width() -> int:
    """The terminal's columns (COLUMNS first), or 120 when the output is not a terminal."""
    return shutil.get_terminal_size((120, 24)).columns


def grid(
    corner: str,
    labels: Sequence[str],
    columns: Sequence[str],
    count: Callable[[str, str], int],
    width: int,
) -> list[str]:
    """Rows ``labels`` by ``columns``, each cell ``count(label, column)``, in lines of at most
    ``width`` characters where the labels and one column fit at all."""
    label_width = max(len(corner), *(len(label) for label in labels)) if labels else len(corner)
    widths = {
        column: max(len(column), *(len(str(count(label, column))) for label in labels))
        for column in columns
    }
    lines: list[str] = []
    for part in _parts(columns, widths, width - label_width):
        if lines:
            lines.append("")
        lines.append(_line(corner, label_width, [(c, widths[c]) for c in part]))
        for label in labels:
            cells = [(str(count(label, c)), widths[c]) for c in part]
            lines.append(_line(label, label_width, cells))
    return lines


def _parts(columns: Sequence[str], widths: dict[str, int], room: int) -> list[list[str]]:
    """The columns in order, in groups that fit ``room`` (a group holds one column at least)."""
    parts: list[list[str]] = []
    used = room
    for column in columns:
        needed = GAP + widths[column]
        if parts and used + needed <= room:
            parts[-1].append(column)
            used += needed
        else:
            parts.append([column])
            used = needed
    return parts or [[]]


def _line(label: str, label_width: int, cells: list[tuple[str, int]]) -> str:
    return (label.ljust(label_width) + "".join(" " * GAP + t.rjust(w) for t, w in cells)).rstrip()
