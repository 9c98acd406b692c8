"""Citations and figure text for reasons: the law first, then the publications used."""

from __future__ import annotations

from fractions import Fraction

from services.usda.rules.figures import Figure, short_source


def cite(law: str, *figures: Figure | None) -> str:
    sources: list[str] = []
    for figure in figures:
        if figure is None:
            continue
        title = short_source(figure.source)
        if title and title not in sources:
            sources.append(title)
    return "; ".join([law, *sources])


def rate_text(rate: Fraction) -> str:
    """A rate as a decimal string, e.g. Fraction(3, 10) -> "0.30"."""
    return f"{float(rate):.2f}"


def dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"
