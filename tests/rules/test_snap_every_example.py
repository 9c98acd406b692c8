"""Every example household is answered for SNAP in FY2025-FY2027, where it lives and as if
it lived in Alaska (each allotment area) or Hawaii: no refusal for missing figures. The
requests are built by the orchestrator's own request builder."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.common.v1 import household_pb2
from services.harness.households import example_paths, load_request
from services.orchestrator.adapters.agency_requests import snap_request
from services.usda.mapping import facts_from_request
from services.usda.rules import determine, load_parameters

PARAMS = load_parameters()
MONTHS = [dt.date(2024, 11, 1), dt.date(2025, 11, 1), dt.date(2026, 11, 1)]
PLACES = [
    ("", "", 0),
    ("AK", "Bethel", household_pb2.ALASKA_ALLOTMENT_AREA_UNSPECIFIED),
    ("AK", "Bethel", household_pb2.ALASKA_ALLOTMENT_AREA_RURAL_1),
    ("AK", "Bethel", household_pb2.ALASKA_ALLOTMENT_AREA_RURAL_2),
    ("HI", "Honolulu", 0),
]


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
@pytest.mark.parametrize("month", MONTHS, ids=lambda m: f"FY{m.year + 1}")
@pytest.mark.parametrize("place", PLACES, ids=lambda p: f"{p[0] or 'home'}-{p[2]}")
def test_every_example_household_is_answered(path, month, place) -> None:  # type: ignore[no-untyped-def]
    request = load_request(path, "every-example")
    state, county, area = place
    if state:
        request.household.address.state_code = state
        request.household.address.county = county
        request.household.address.alaska_allotment_area = area
    usda_request = snap_request(request.household, month)
    result = determine(facts_from_request(usda_request, month), PARAMS)
    assert result.fiscal_year == month.year + 1
    assert result.eligible == (result.allotment_cents > 0)
    assert all(r.citation for r in result.reasons)
