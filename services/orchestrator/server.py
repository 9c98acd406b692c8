"""Composition root of the orchestrator."""

from __future__ import annotations

from pathlib import Path

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator import schema_upgrade
from services.orchestrator.agencies import AgencyGateway
from services.orchestrator.application import Coordinator
from services.orchestrator.burden import Yardstick
from services.orchestrator.evidence import EvidenceDirectory
from services.orchestrator.records import Records
from services.orchestrator.servicer import CoordinationServicer
from services.orchestrator.subjects import Subjects
from services.orchestrator.tables import TABLES
from shared.clock import Clock
from shared.consent import ConsentSigner, LocalConsentKeys
from shared.db import Database
from shared.runner import Wiring
from shared.security import Trust
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

ACCESS_POLICY = Path(__file__).with_name("access.yaml")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CoordinationService"].full_name


def open_database(url: str) -> Database:
    db = Database(url, TABLES)
    db.create_tables()
    schema_upgrade.upgrade(db.engine)
    return db


def bindings(
    db: Database,
    agencies: AgencyGateway,
    clock: Clock,
    signer: ConsentSigner,
    subject_key: bytes,
) -> list[ServiceBinding]:
    subjects = Subjects(subject_key)
    yardstick = Yardstick.load()
    coordinator = Coordinator(
        db, agencies, clock, EvidenceDirectory.load(), subjects, signer, yardstick
    )
    records = Records(db, clock, subjects, yardstick, agencies)
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_CoordinationServiceServicer_to_server,
            CoordinationServicer(coordinator, records, agencies, clock),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    keys = LocalConsentKeys.in_data_dir(settings.data_dir)
    db = open_database(settings.resolved_database_url())
    agencies = AgencyGateway.from_settings(settings, trust.client_tls())

    async def close() -> None:
        await agencies.close()
        db.dispose()

    return Wiring(bindings(db, agencies, clock, keys.signer(), keys.subject_key()), on_stop=close)
