"""HHS's own records: benchmark (second-lowest-cost silver) premiums by county."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint


class BenchmarkPremium(SQLModel, table=True):
    __tablename__ = "hhs_benchmark_premium"
    __table_args__ = (UniqueConstraint("plan_year", "state_code", "county_key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_year: int = Field(index=True)
    state_code: str = Field(max_length=2)
    county: str
    # The county name folded for matching (services.hhs.benchmarks.county_key).
    county_key: str = Field(index=True)
    # For one person of age_basis, per month.
    monthly_premium_cents: int
    age_basis: int
    reference: str = Field(sa_column=Column(Text, nullable=False))


TABLES = [BenchmarkPremium]
