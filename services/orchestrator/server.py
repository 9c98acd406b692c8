"""Composition root of the orchestrator."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from pathlib import Path

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator.adapters import schema_upgrade
from services.orchestrator.adapters.agencies import AgencyGateway
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import TABLES
from services.orchestrator.domain.burden import Yardstick
from services.orchestrator.domain.evidence import EvidenceDirectory
from services.orchestrator.servicer import CoordinationServicer
from services.orchestrator.usecases.apply import Coordinator
from services.orchestrator.usecases.follow_up import FollowUp
from services.orchestrator.usecases.records import Records
from services.orchestrator.usecases.renew import Renewals
from services.orchestrator.usecases.settle_issues import IssueClock
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


def coordinator(
    db: Database, agencies: AgencyGateway, clock: Clock, signer: ConsentSigner, subject_key: bytes
) -> Coordinator:
    return Coordinator(
        db,
        agencies,
        clock,
        EvidenceDirectory.load(),
        Subjects(subject_key),
        signer,
        Yardstick.load(),
    )


def bindings(
    db: Database,
    agencies: AgencyGateway,
    clock: Clock,
    signer: ConsentSigner,
    subject_key: bytes,
    applications: Coordinator | None = None,
) -> list[ServiceBinding]:
    applications = applications or coordinator(db, agencies, clock, signer, subject_key)
    records = Records(db, clock, Subjects(subject_key), Yardstick.load(), agencies)
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_CoordinationServiceServicer_to_server,
            CoordinationServicer(
                applications, records, agencies, clock, Renewals(db, applications, clock)
            ),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    keys = LocalConsentKeys.in_data_dir(settings.data_dir)
    db = open_database(settings.resolved_database_url())
    agencies = AgencyGateway.from_settings(settings, trust.client_tls())
    applications = coordinator(db, agencies, clock, keys.signer(), keys.subject_key())
    follow_up = FollowUp(
        db,
        applications,
        clock,
        f"{socket.gethostname()}-{os.getpid()}"[:64],
        budget_seconds=settings.downstream_timeout_seconds,
        retry_after=dt.timedelta(seconds=settings.follow_up_retry_seconds),
    )
    # Issues whose inconsistency period ran out are settled by rule, on the same beat.
    issue_clock = IssueClock(
        db,
        applications,
        clock,
        f"{socket.gethostname()}-{os.getpid()}"[:64],
        budget_seconds=settings.downstream_timeout_seconds,
    )
    interval = settings.follow_up_interval_seconds
    rounds = (
        [
            asyncio.create_task(follow_up.run_forever(interval)),
            asyncio.create_task(issue_clock.run_forever(interval)),
        ]
        if interval > 0
        else []
    )

    async def close() -> None:
        for task in rounds:
            task.cancel()
        await agencies.close()
        db.dispose()

    return Wiring(
        bindings(db, agencies, clock, keys.signer(), keys.subject_key(), applications),
        on_stop=close,
    )
