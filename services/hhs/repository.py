"""Reads and writes of HHS's benchmark premiums."""

from __future__ import annotations

from sqlmodel import Session, delete, func, select

from services.hhs.benchmarks import Benchmark, county_key
from services.hhs.tables import BenchmarkPremium


def _to_domain(row: BenchmarkPremium) -> Benchmark:
    return Benchmark(
        plan_year=row.plan_year,
        state_code=row.state_code,
        county=row.county,
        monthly_premium_cents=row.monthly_premium_cents,
        age_basis=row.age_basis,
        reference=row.reference,
    )


def find_benchmark(
    session: Session, plan_year: int, state_code: str, county: str
) -> Benchmark | None:
    row = session.exec(
        select(BenchmarkPremium)
        .where(BenchmarkPremium.plan_year == plan_year)
        .where(BenchmarkPremium.state_code == state_code)
        .where(BenchmarkPremium.county_key == county_key(county))
    ).first()
    return _to_domain(row) if row is not None else None


def count_benchmarks(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(BenchmarkPremium)).one())


def replace_benchmarks(session: Session, rows: list[Benchmark]) -> int:
    """Make the table hold exactly ``rows`` (the data file is the source of truth)."""
    session.exec(delete(BenchmarkPremium))  # type: ignore[call-overload]
    for b in rows:
        session.add(
            BenchmarkPremium(
                plan_year=b.plan_year,
                state_code=b.state_code,
                county=b.county,
                county_key=county_key(b.county),
                monthly_premium_cents=b.monthly_premium_cents,
                age_basis=b.age_basis,
                reference=b.reference,
            )
        )
    return len(rows)
