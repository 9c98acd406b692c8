"""Read the synthetic population file every agency seeds from."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

DEFAULT_POPULATION = Path(__file__).with_name("population.yaml")


def load(path: Path | None = None) -> dict[str, Any]:
    """The population file: YAML as people write it, or JSON as a generator writes it
    (elig sim population: parsing JSON is far quicker for hundreds of thousands of people)."""
    path = Path(path or DEFAULT_POPULATION)
    with open(path, encoding="utf-8") as handle:
        data = (json.load(handle) if path.suffix == ".json" else yaml.safe_load(handle)) or {}
    data.setdefault("people", [])
    data.setdefault("tax_returns", [])
    return data


def dollars_to_cents(value: str | int | float | None) -> int:
    """'41200.00' -> 4120000. Decimal keeps the cents exact."""
    if value is None:
        return 0
    return int((Decimal(str(value)) * 100).to_integral_value())


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
