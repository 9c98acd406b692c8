"""Statements with an IN list of a few fixed shapes, so their compiled form is reused.

An expanding IN (``bindparam(..., expanding=True)``) has SQLAlchemy render new SQL text
at every execution for the list's length; on the agencies' per-call reads that showed in
profiles. Here a statement is built once per list length, each value bound on its own,
so it compiles once and then comes from SQLAlchemy's cache. Lengths are rounded up to a
power of two, the list padded by repeating its last value (a repeat changes nothing an
IN means), so a handful of shapes serve every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.sql.elements import BindParameter

T = TypeVar("T")


def padded_length(count: int) -> int:
    """The shape a list of ``count`` values is bound in: the next power of two."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return 1 << (count - 1).bit_length()


class PaddedIn(Generic[T]):
    """``build`` receives the bind parameters of one list length and returns the statement
    (or anything holding statements); ``bind`` gives it and the parameters for a list."""

    def __init__(self, name: str, build: Callable[[list[BindParameter[Any]]], T]) -> None:
        self._name = name
        self._build = build
        self._shapes: dict[int, T] = {}
        # Calls come from the database's worker threads.
        self._lock = threading.Lock()

    def bind(self, values: Sequence[Any], **params: Any) -> tuple[T, dict[str, Any]]:
        length = padded_length(len(values))
        statement = self._shapes.get(length)
        if statement is None:
            with self._lock:
                statement = self._shapes.get(length)
                if statement is None:
                    names = [f"{self._name}_{i}" for i in range(length)]
                    statement = self._build([bindparam(n) for n in names])
                    self._shapes[length] = statement
        last = values[-1]
        for i in range(length):
            params[f"{self._name}_{i}"] = values[i] if i < len(values) else last
        return statement, params
