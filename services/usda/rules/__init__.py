"""SNAP eligibility and allotment rules, free of gRPC and databases.

``determine(facts, params)`` decides one household with the figures in force in its
benefit month; ``load_parameters()`` reads the dated, cited figures shipped with the
service. See services/usda/README.md for what is simplified and which figures are missing.
"""

from __future__ import annotations

from pathlib import Path

from services.usda.rules.determine import determine
from services.usda.rules.facts import Determination, Expenses, Member, Reason, SnapFacts
from services.usda.rules.figures import (
    FiguresUnavailable,
    fiscal_year,
    loaded_fiscal_years,
    utility_regions,
)
from shared.parameters import ParameterSet

PARAMETERS_DIR = Path(__file__).resolve().parent.parent / "parameters"


def load_parameters(directory: Path = PARAMETERS_DIR) -> ParameterSet:
    return ParameterSet.load(directory)


__all__ = [
    "PARAMETERS_DIR",
    "Determination",
    "Expenses",
    "FiguresUnavailable",
    "Member",
    "Reason",
    "SnapFacts",
    "determine",
    "fiscal_year",
    "loaded_fiscal_years",
    "load_parameters",
    "utility_regions",
]
