"""Composition root of the HHS subsidy eligibility service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.hhs.benchmarks import PREMIUMS_FILE
from services.hhs.held_benchmarks import HeldBenchmarks
from services.hhs.periods import backfill
from services.hhs.rules import PARAMETERS_DIR, load_parameters
from services.hhs.seed import seed_if_empty
from services.hhs.servicer import SubsidyEligibilityServicer
from services.hhs.tables import ADDED_COLUMNS, TABLES
from shared.clock import Clock
from shared.consent import LocalConsentKeys
from shared.db import Database
from shared.parameters import ParameterSet
from shared.runner import Wiring
from shared.security import Trust
from shared.server import ServiceBinding
from shared.settings import ServiceSettings
from shared.subject_key import required_subject_key

ACCESS_POLICY = Path(__file__).with_name("access.yaml")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["SubsidyEligibilityService"].full_name
log = structlog.get_logger("hhs")


def open_database(settings: ServiceSettings, data_file: Path = PREMIUMS_FILE) -> Database:
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables(ADDED_COLUMNS)
    given = _backfill_periods(db)
    if given:
        log.info("enrollment periods made for enrollments kept before periods", enrollments=given)
    seeded = seed_if_empty(db, data_file)
    if seeded:
        log.info("benchmark premiums loaded into an empty database", rows=seeded)
    return db


def _backfill_periods(db: Database) -> int:
    try:
        with db.session() as session:
            return backfill(session)
    except IntegrityError:
        # A replica opening the same database at once made them first.
        with db.session() as session:
            return backfill(session)


def bindings(
    db: Database,
    params: ParameterSet,
    clock: Clock,
    subject_key: bytes,
    benchmarks: HeldBenchmarks | None = None,
) -> list[ServiceBinding]:
    """Without ``benchmarks`` the figures in the database now are held, and never read
    again: whoever wants loads to take effect passes one whose ``run_forever`` runs."""
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_SubsidyEligibilityServiceServicer_to_server,
            SubsidyEligibilityServicer(
                db, params, clock, subject_key, benchmarks or HeldBenchmarks(db)
            ),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    params = load_parameters(PARAMETERS_DIR)
    # Names the people of a change notice in HHS's audit log without their SSN.
    subject_key = required_subject_key(LocalConsentKeys.in_data_dir(settings.data_dir), "hhs")
    db = open_database(settings)
    benchmarks = HeldBenchmarks(db)
    loops = []
    if settings.benchmark_poll_seconds > 0:
        loops.append(asyncio.create_task(benchmarks.run_forever(settings.benchmark_poll_seconds)))

    async def close() -> None:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        db.dispose()

    return Wiring(bindings(db, params, clock, subject_key, benchmarks), on_stop=close)
