"""Composition root of the orchestrator."""

from __future__ import annotations

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator.agencies import AgencyGateway
from services.orchestrator.application import Coordinator
from services.orchestrator.evidence import EvidenceDirectory
from services.orchestrator.servicer import CoordinationServicer
from services.orchestrator.tables import TABLES
from shared.clock import Clock
from shared.db import Database
from shared.runner import Wiring
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CoordinationService"].full_name


def open_database(url: str) -> Database:
    db = Database(url, TABLES)
    db.create_tables()
    return db


def bindings(db: Database, agencies: AgencyGateway, clock: Clock) -> list[ServiceBinding]:
    coordinator = Coordinator(db, agencies, clock, EvidenceDirectory.load())
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_CoordinationServiceServicer_to_server,
            CoordinationServicer(coordinator, agencies.default_budget),
        )
    ]


async def build(settings: ServiceSettings, clock: Clock) -> Wiring:
    db = open_database(settings.resolved_database_url())
    agencies = AgencyGateway.from_settings(settings)

    async def close() -> None:
        await agencies.close()
        db.dispose()

    return Wiring(bindings(db, agencies, clock), on_stop=close)
