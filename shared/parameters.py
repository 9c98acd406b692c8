"""Rules as data: dated parameter values, each with the law or notice it comes from.

A parameter file is YAML mapping dotted names to definitions::

    hhs.fpg.contiguous:
      description: HHS poverty guideline, 48 contiguous states and DC
      unit: cents
      values:
        - effective_from: 2025-01-15
          value: {first_person: 1565000, each_additional: 550000}
          reference: "90 FR 5917 (January 17, 2025)"

A value holds from its ``effective_from`` until the next value's (or its own
``effective_to``). Every value must carry a ``reference``: the loader refuses a
file without one, so no figure enters the rules uncited. Values may be scalars,
mappings or lists; rules read them through ``ParameterSet.get``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.yaml_data import read_yaml


class ParameterError(LookupError):
    """A parameter is missing, malformed, or has no value on the date asked."""


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: Any
    effective_from: dt.date
    effective_to: dt.date | None
    reference: str
    unit: str | None = None

    def covers(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _as_date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as error:
        raise ParameterError(f"{where}: {raw!r} is not an ISO date") from error


class ParameterSet:
    """Every parameter a service's rules read, loaded once at start-up."""

    def __init__(self, values: dict[str, list[ParameterValue]]) -> None:
        self._values = values
        # Rules ask for the same few (name, date) pairs for every household, and a loaded
        # set never changes, so each is looked up once.
        self._in_force: dict[tuple[str, dt.date], ParameterValue] = {}

    @classmethod
    def load(cls, *sources: Path) -> ParameterSet:
        """Load YAML files, or every *.yaml in the folders, given."""
        files: list[Path] = []
        for source in sources:
            files.extend(sorted(source.glob("*.yaml")) if source.is_dir() else [source])
        values: dict[str, list[ParameterValue]] = {}
        for path in files:
            document = read_yaml(path) or {}
            for name, definition in document.items():
                if name in values:
                    raise ParameterError(f"{path}: parameter {name!r} is defined twice")
                values[name] = list(_parse(name, definition, str(path)))
        return cls(values)

    def names(self) -> list[str]:
        return sorted(self._values)

    def history(self, name: str) -> list[ParameterValue]:
        try:
            return list(self._values[name])
        except KeyError:
            raise ParameterError(f"no parameter named {name!r}") from None

    def entry(self, name: str, on: dt.date) -> ParameterValue:
        """The value in force on a date, with its dates and citation."""
        key = (name, on)
        found = self._in_force.get(key)
        if found is not None:
            return found
        for candidate in reversed(self.history(name)):
            if candidate.covers(on):
                self._in_force[key] = candidate
                return candidate
        raise ParameterError(f"parameter {name!r} has no value in force on {on.isoformat()}")

    def get(self, name: str, on: dt.date) -> Any:
        return self.entry(name, on).value


def _parse(name: str, definition: Any, where: str) -> Iterable[ParameterValue]:
    if not isinstance(definition, dict) or not isinstance(definition.get("values"), list):
        raise ParameterError(f"{where}: {name!r} needs a 'values' list")
    unit = definition.get("unit")
    parsed: list[ParameterValue] = []
    for i, item in enumerate(definition["values"]):
        at = f"{where}: {name}.values[{i}]"
        if not isinstance(item, dict) or "value" not in item or "effective_from" not in item:
            raise ParameterError(f"{at}: needs 'effective_from' and 'value'")
        reference = str(item.get("reference") or "").strip()
        if not reference:
            raise ParameterError(f"{at}: every value needs a 'reference' (its citation)")
        start = _as_date(item["effective_from"], at)
        end = _as_date(item["effective_to"], at) if item.get("effective_to") else None
        if end is not None and end < start:
            raise ParameterError(f"{at}: effective_to is before effective_from")
        parsed.append(ParameterValue(name, item["value"], start, end, reference, unit))
    parsed.sort(key=lambda v: v.effective_from)
    # Open-ended values end the day before the next one starts.
    for i, current in enumerate(parsed[:-1]):
        if current.effective_to is None:
            following = parsed[i + 1].effective_from
            parsed[i] = ParameterValue(
                name,
                current.value,
                current.effective_from,
                following - dt.timedelta(days=1),
                current.reference,
                unit,
            )
    return parsed
