"""`make fuzz`'s report: every status code and method named in full, in lines that fit."""

from __future__ import annotations

from tests.fuzz.__main__ import Tally
from tests.fuzz.grid import grid

CODES = (
    "OK",
    "INVALID_ARGUMENT",
    "PERMISSION_DENIED",
    "NOT_FOUND",
    "FAILED_PRECONDITION",
    "ALREADY_EXISTS",
    "RESOURCE_EXHAUSTED",
    "DEADLINE_EXCEEDED",
)


def _tally() -> Tally:
    tally = Tally()
    for i, code in enumerate(CODES):
        for method in ("orchestrator.SubmitApplication", "usda.DetermineSnapEligibility"):
            for _ in range(i + 1):
                tally.add(method, "generated", code, "")
    return tally


def test_every_code_is_named_in_full_within_the_width() -> None:
    report = _tally().render(12.0, {"orchestrator": True}, width=100)
    lines = report.splitlines()
    assert max(map(len, lines)) <= 100
    for code in CODES:
        # In the totals and once per table (by method, by kind) at least.
        assert sum(line.split().count(code) for line in lines) >= 3, code
    assert any(line.startswith("usda.DetermineSnapEligibility") for line in lines)


def test_a_narrow_table_repeats_its_labels_and_keeps_every_count() -> None:
    counts = {("a", c): n for n, c in enumerate(CODES)}
    lines = grid("method", ["a"], CODES, lambda m, c: counts[(m, c)], width=50)
    assert max(map(len, lines)) <= 50
    headers = [line.split() for line in lines if line.startswith("method")]
    assert len(headers) > 1
    assert [c for header in headers for c in header[1:]] == list(CODES)
    values = [int(v) for line in lines if line.startswith("a ") for v in line.split()[1:]]
    assert values == list(range(len(CODES)))


def test_a_wide_terminal_gets_one_table() -> None:
    lines = grid("kind", ["generated", "raw"], CODES, lambda k, c: 7, width=200)
    assert len(lines) == 3
    assert lines[0].split() == ["kind", *CODES]
