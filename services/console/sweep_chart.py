"""The what-if's answers as rows, a benefit-cliff chart (SVG drawn here, no script) and CSV.

A cliff is a step where one more dollar of income leaves the household with less
income plus benefits than the step before.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console import labels
from shared.csv_cells import text_cell

COVERAGE = (det.PROGRAM_MEDICAID, det.PROGRAM_CHIP)
COVERED = (det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL)


@dataclass
class Row:
    income_cents: int
    credit_cents: int = 0
    snap_cents: int = 0
    covered: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    # Why answers are pending at this step (the decisive reasons), for the warning.
    pending_reasons: list[str] = field(default_factory=list)

    @property
    def benefits_cents(self) -> int:
        return self.credit_cents + self.snap_cents

    @property
    def resources_cents(self) -> int:
        """Monthly income plus monthly benefits paid in money."""
        return self.income_cents // 12 + self.benefits_cents


def rows_of(response: pb.SimulateIncomeSweepResponse) -> list[Row]:
    rows = []
    for step in response.steps:
        row = Row(step.annual_income_cents)
        for person in step.determinations:
            for p in person.programs:
                row.statuses[f"{person.person_id} {labels.program(p.program)}"] = labels.status(
                    p.status
                )[0]
                if p.program == det.PROGRAM_MARKETPLACE and p.status in COVERED:
                    row.credit_cents += p.monthly_benefit_cents
                if p.program in COVERAGE and p.status in COVERED:
                    row.covered.append(f"{person.person_id} ({labels.program(p.program)})")
                _note_pending(row, p)
        for p in step.household_determinations:
            row.statuses[f"Household {labels.program(p.program)}"] = labels.status(p.status)[0]
            if p.program == det.PROGRAM_SNAP and p.status in COVERED:
                row.snap_cents += p.monthly_benefit_cents
            _note_pending(row, p)
        rows.append(row)
    return rows


def _note_pending(row: Row, p: det.ProgramDetermination) -> None:
    if p.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION:
        reason = labels.decisive_reason(p)
        row.pending_reasons.append(
            f"{labels.program(p.program)}: {reason.message}"
            if reason
            else labels.program(p.program)
        )


def pending_reasons(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for reason in row.pending_reasons:
            seen.setdefault(reason, None)
    return list(seen)[:5]


def cliffs(rows: list[Row]) -> list[tuple[Row, Row]]:
    """Pairs (before, after) where a raise left less in hand, or took coverage away."""
    found = []
    for before, after in zip(rows, rows[1:], strict=False):
        lost = set(before.covered) - set(after.covered)
        if after.resources_cents < before.resources_cents or lost:
            found.append((before, after))
    return found


def status_columns(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row.statuses:
            seen.setdefault(key, None)
    return list(seen)


def csv_text(rows: list[Row]) -> str:
    columns = status_columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "annual_income_dollars",
            "monthly_tax_credit_dollars",
            "monthly_snap_dollars",
            "monthly_benefits_dollars",
            "monthly_income_plus_benefits_dollars",
            "medicaid_or_chip_covered",
            *(text_cell(c) for c in columns),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                f"{row.income_cents / 100:.2f}",
                f"{row.credit_cents / 100:.2f}",
                f"{row.snap_cents / 100:.2f}",
                f"{row.benefits_cents / 100:.2f}",
                f"{row.resources_cents / 100:.2f}",
                text_cell("; ".join(row.covered)),
                *(row.statuses.get(c, "") for c in columns),
            ]
        )
    return out.getvalue()


# Drawing area, in SVG user units.
WIDTH, HEIGHT = 760, 390
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 20, 90
SERIES = (
    # (label, value of a row, dash pattern, marker): told apart by line style and marker
    # as well as colour, so the chart reads in greyscale.
    ("Income plus benefits", lambda r: r.resources_cents, "", "circle", "#1a4480"),
    ("Tax credit", lambda r: r.credit_cents, "8 4", "square", "#936f38"),
    ("SNAP", lambda r: r.snap_cents, "2 3", "triangle", "#00756a"),
)


def _ticks(top: int, count: int = 5) -> list[int]:
    if top <= 0:
        return [0]
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = max(1, int(-(-raw // magnitude)) * magnitude)
    return list(range(0, top + step, step))


def svg(rows: list[Row]) -> str:
    """A line chart of monthly dollars against annual income, with each cliff marked."""
    if not rows:
        return ""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = rows[0].income_cents, rows[-1].income_cents
    span = max(high - low, 1)
    top_value = max(max(s[1](r) for r in rows) for s in SERIES)
    y_ticks = _ticks(max(top_value // 100, 1))
    y_top = max(y_ticks[-1] * 100, 1)

    def x(cents: int) -> float:
        return LEFT + (cents - low) / span * plot_w

    def y(cents: int) -> float:
        return TOP + plot_h - cents / y_top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="chart-title chart-desc" class="cliff-chart" '
        f'font-family="Source Sans Pro, sans-serif" font-size="13">',
        '<title id="chart-title">Monthly income plus benefits by annual income</title>',
        f'<desc id="chart-desc">{len(rows)} steps from {labels.money(low)} to '
        f"{labels.money(high)} a year; {len(cliffs(rows))} cliff(s) marked. The table "
        "below the chart gives every figure.</desc>",
    ]
    for tick in y_ticks:
        ty = y(tick * 100)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            'stroke="#dfe1e2" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" fill="#1b1b1b">'
            f"${tick:,}</text>"
        )
    ticks = rows[:: max(1, len(rows) // 6)]
    if ticks[-1] is not rows[-1]:
        ticks.append(rows[-1])
    for row in ticks:
        tx = x(row.income_cents)
        parts.append(
            f'<text x="{tx:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" fill="#1b1b1b">'
            f"${row.income_cents // 100:,}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#1b1b1b"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#1b1b1b"/>'
        f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 40}" text-anchor="middle" '
        'fill="#1b1b1b">Annual income of the person swept</text>'
        f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle" '
        'fill="#1b1b1b">Dollars a month</text>'
    )
    for before, after in cliffs(rows):
        cx = (x(before.income_cents) + x(after.income_cents)) / 2
        parts.append(
            f'<g class="cliff"><line x1="{cx:.1f}" y1="{TOP}" x2="{cx:.1f}" '
            f'y2="{TOP + plot_h}" stroke="#b50909" stroke-width="2" stroke-dasharray="4 4"/>'
            f'<text x="{cx + 4:.1f}" y="{TOP + 14}" fill="#b50909" font-weight="bold">'
            "cliff</text></g>"
        )
    for index, (name, value, dash, marker, colour) in enumerate(SERIES):
        points = " ".join(f"{x(r.income_cents):.1f},{y(value(r)):.1f}" for r in rows)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<g class="series" data-series="{escape(name)}"><polyline points="{points}" '
            f'fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        )
        for r in rows:
            parts.append(_marker(marker, x(r.income_cents), y(value(r)), colour))
        parts.append("</g>")
        # Legend under the axis, one entry per series with its own line style and marker.
        lx, ly = LEFT + index * 220, HEIGHT - 12
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 30}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>{_marker(marker, lx + 15, ly - 4, colour)}'
            f'<text x="{lx + 38}" y="{ly}" fill="#1b1b1b">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _marker(kind: str, cx: float, cy: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{cx - 3.5:.1f}" y="{cy - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "triangle":
        return (
            f'<polygon points="{cx:.1f},{cy - 4.5:.1f} {cx - 4.5:.1f},{cy + 3.5:.1f} '
            f'{cx + 4.5:.1f},{cy + 3.5:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colour}"/>'
