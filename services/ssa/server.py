"""Composition root of the SSA identity service."""

from __future__ import annotations

from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa.servicer import IdentityServicer
from services.ssa.tables import TABLES
from shared.clock import Clock
from shared.db import Database
from shared.runner import Wiring
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["IdentityService"].full_name


def open_database(settings: ServiceSettings) -> Database:
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    return db


def bindings(db: Database, clock: Clock) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_IdentityServiceServicer_to_server,
            IdentityServicer(db, clock),
        )
    ]


async def build(settings: ServiceSettings, clock: Clock) -> Wiring:
    db = open_database(settings)

    async def close() -> None:
        db.dispose()

    return Wiring(bindings(db, clock), on_stop=close)
