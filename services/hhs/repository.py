"""Reads and writes of HHS's rating areas and benchmark premiums."""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlmodel import Session, delete, func, select

from services.hhs.benchmarks import (
    AreaPremium,
    AreaTable,
    Benchmark,
    CountyArea,
    county_key,
)
from services.hhs.tables import AreaBenchmarkPremium, BenchmarkVersion, CountyRatingArea


def find_benchmark(
    session: Session, plan_year: int, state_code: str, county: str
) -> Benchmark | None:
    """The county's stored benchmark for ``plan_year``, as the server finds it (its table)."""
    return area_table(session).find(plan_year, state_code, county)


def count_benchmarks(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AreaBenchmarkPremium)).one())


def _premium_row(p: AreaPremium) -> dict[str, object]:
    return {
        "plan_year": p.plan_year,
        "state_code": p.state_code,
        "rating_area": p.rating_area,
        "county_fips": p.county_fips,
        "monthly_premium_cents": p.monthly_premium_cents,
        "age_basis": p.age_basis,
        "reference": p.reference,
    }


def replace_reference_data(
    session: Session, counties: list[CountyArea], premiums: list[AreaPremium]
) -> int:
    """Make the tables hold exactly the shipped files (they are the source of truth)."""
    session.exec(delete(CountyRatingArea))  # type: ignore[call-overload]
    session.exec(delete(AreaBenchmarkPremium))  # type: ignore[call-overload]
    # Bulk inserts: a fresh service seeds a few thousand rows on start.
    session.execute(
        insert(CountyRatingArea),
        [
            {
                "county_fips": c.county_fips,
                "state_code": c.state_code,
                "county": c.county,
                "county_key": county_key(c.county),
                "rating_area": c.rating_area,
                "zip_based": c.zip_based,
            }
            for c in counties
        ],
    )
    if premiums:
        session.execute(insert(AreaBenchmarkPremium), [_premium_row(p) for p in premiums])
    bump_benchmark_version(session)
    return len(premiums)


def replace_county_premiums(session: Session, plan_year: int, premiums: list[AreaPremium]) -> int:
    """Store one plan year's county-level figures in place of any loaded before."""
    session.exec(
        delete(AreaBenchmarkPremium)  # type: ignore[call-overload]
        .where(AreaBenchmarkPremium.plan_year == plan_year)
        .where(AreaBenchmarkPremium.county_fips != "")
    )
    if premiums:
        session.execute(insert(AreaBenchmarkPremium), [_premium_row(p) for p in premiums])
    bump_benchmark_version(session)
    return len(premiums)


def bump_benchmark_version(session: Session) -> None:
    """In the writer's transaction: services holding the figures read them again."""
    # One UPDATE adds one atomically, so two loads at once never count as one.
    bumped = session.execute(
        update(BenchmarkVersion)
        .where(BenchmarkVersion.id == 1)  # type: ignore[arg-type]
        .values(generation=BenchmarkVersion.generation + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.add(BenchmarkVersion(id=1, generation=1))
        session.flush()


def benchmark_version(session: Session) -> int:
    row = session.get(BenchmarkVersion, 1)
    return row.generation if row is not None else 0


def area_table(session: Session) -> AreaTable:
    """Every county's rating area and every benchmark premium, as one in-memory table."""
    premiums = [
        AreaPremium(
            r.plan_year,
            r.state_code,
            r.rating_area,
            r.monthly_premium_cents,
            r.age_basis,
            r.reference,
            r.county_fips,
        )
        for r in session.exec(select(AreaBenchmarkPremium).order_by(AreaBenchmarkPremium.id))
    ]
    return AreaTable(county_places(session), premiums)


def county_places(session: Session) -> list[CountyArea]:
    return [
        CountyArea(r.county_fips, r.state_code, r.county, r.rating_area, r.zip_based)
        for r in session.exec(select(CountyRatingArea)).all()
    ]
