"""Composition root of the USDA SNAP eligibility service. The rules' state is the
parameters folder, read once at start; the database holds the change notices USDA was
told of and the allotments they left."""

from __future__ import annotations

from pathlib import Path

from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as pb_grpc
from services.usda.rules import load_parameters
from services.usda.servicer import SnapEligibilityServicer
from services.usda.tables import ADDED_COLUMNS, TABLES
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
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["SnapEligibilityService"].full_name


def open_database(settings: ServiceSettings) -> Database:
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables(ADDED_COLUMNS)
    return db


def bindings(
    params: ParameterSet, clock: Clock, db: Database, subject_key: bytes
) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_SnapEligibilityServiceServicer_to_server,
            SnapEligibilityServicer(params, clock, db, subject_key),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    params = load_parameters()
    # Names the people of a change notice in USDA's audit log without their SSN.
    subject_key = required_subject_key(LocalConsentKeys.in_data_dir(settings.data_dir), "usda")
    db = open_database(settings)

    async def close() -> None:
        db.dispose()

    return Wiring(bindings(params, clock, db, subject_key), on_stop=close)
