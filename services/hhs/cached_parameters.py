"""A memo in front of a ParameterSet: rules read the same few values for every household,
and a loaded ParameterSet never changes, so each (name, date) is looked up once."""

from __future__ import annotations

import datetime as dt
from typing import Any
from weakref import WeakKeyDictionary

from shared.parameters import ParameterSet, ParameterValue


class CachedParameters(ParameterSet):
    def __init__(self, inner: ParameterSet) -> None:
        self._inner = inner
        self._entries: dict[tuple[str, dt.date], ParameterValue] = {}

    def names(self) -> list[str]:
        return self._inner.names()

    def history(self, name: str) -> list[ParameterValue]:
        return self._inner.history(name)

    def entry(self, name: str, on: dt.date) -> ParameterValue:
        key = (name, on)
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = self._inner.entry(name, on)
        return found

    def get(self, name: str, on: dt.date) -> Any:
        return self.entry(name, on).value


_MEMOS: WeakKeyDictionary[ParameterSet, CachedParameters] = WeakKeyDictionary()


def cached(params: ParameterSet) -> ParameterSet:
    if isinstance(params, CachedParameters):
        return params
    memo = _MEMOS.get(params)
    if memo is None:
        memo = _MEMOS[params] = CachedParameters(params)
    return memo
