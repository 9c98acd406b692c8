"""Composition root of the SSA identity service."""

from __future__ import annotations

from pathlib import Path

from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa.servicer import IdentityServicer
from services.ssa.tables import TABLES
from shared.clock import Clock
from shared.consent import LocalConsentKeys
from shared.db import Database
from shared.runner import Wiring
from shared.security import Trust
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

ACCESS_POLICY = Path(__file__).with_name("access.yaml")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["IdentityService"].full_name


def open_database(settings: ServiceSettings) -> Database:
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    return db


def load_subject_key(settings: ServiceSettings) -> bytes:
    """The stack's subject key, which names people in the audit log without their SSN.

    SSA never creates it: every service must name a person the same way, so the stack
    launcher creates it once, before the services start.
    """
    keys = LocalConsentKeys.in_data_dir(settings.data_dir)
    path = keys.subject_key_path
    if not path.is_file():
        raise SystemExit(
            f"ssa: cannot start without the subject key; missing {path}. The stack "
            "launcher creates it (shared.consent.ensure_local_keys) before the services start."
        )
    return keys.subject_key()


def bindings(db: Database, clock: Clock, subject_key: bytes) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_IdentityServiceServicer_to_server,
            IdentityServicer(db, clock, subject_key),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    subject_key = load_subject_key(settings)
    db = open_database(settings)

    async def close() -> None:
        db.dispose()

    return Wiring(bindings(db, clock, subject_key), on_stop=close)
