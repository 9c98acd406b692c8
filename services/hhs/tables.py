"""HHS's own records: counties' rating areas and benchmark (second-lowest-cost silver) premiums."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint


class CountyRatingArea(SQLModel, table=True):
    __tablename__ = "hhs_county_rating_area"
    __table_args__ = (UniqueConstraint("state_code", "county_key"),)

    id: int | None = Field(default=None, primary_key=True)
    county_fips: str = Field(max_length=5)
    state_code: str = Field(max_length=2)
    county: str
    # The county name folded for matching (services.hhs.benchmarks.county_key).
    county_key: str = Field(index=True)
    rating_area: str
    # The rating area really follows 3-digit ZIP codes (AK, MA, NE, Los Angeles County).
    zip_based: bool = False


class AreaBenchmarkPremium(SQLModel, table=True):
    # A new table, not hhs_benchmark_premium: that one held county names and state averages.
    __tablename__ = "hhs_area_benchmark_premium"
    __table_args__ = (UniqueConstraint("plan_year", "state_code", "rating_area", "county_fips"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_year: int = Field(index=True)
    state_code: str = Field(max_length=2)
    rating_area: str
    # Empty for the rating area's figure; a county's FIPS code for a county-level one.
    county_fips: str = ""
    # For one person of age_basis, per month.
    monthly_premium_cents: int
    age_basis: int
    reference: str = Field(sa_column=Column(Text, nullable=False))


TABLES = [CountyRatingArea, AreaBenchmarkPremium]
