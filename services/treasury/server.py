"""Composition root of the Treasury service."""

from __future__ import annotations

from pathlib import Path

from eligibility.treasury.v1 import income_verification_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as pb_grpc
from services.treasury.servicer import IncomeVerificationServicer
from services.treasury.tables import TABLES
from shared.clock import Clock
from shared.consent import ConsentVerifier, LocalConsentKeys
from shared.db import Database
from shared.runner import Wiring
from shared.security import Trust
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

ACCESS_POLICY = Path(__file__).with_name("access.yaml")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["IncomeVerificationService"].full_name


def open_database(settings: ServiceSettings) -> Database:
    db = Database(settings.resolved_database_url(), TABLES)
    db.create_tables()
    return db


def load_consent_keys(settings: ServiceSettings) -> tuple[ConsentVerifier, bytes]:
    """The verifier and subject key, from keys the stack launcher put in the data folder.

    Treasury only ever reads the public key: the signing key belongs to the
    orchestrator, so Treasury never creates one, and refuses to start without keys.
    """
    keys = LocalConsentKeys.in_data_dir(settings.data_dir)
    missing = [p for p in (keys.public_key_path, keys.subject_key_path) if not p.is_file()]
    if missing:
        raise SystemExit(
            "treasury: cannot start without consent keys; missing "
            + ", ".join(str(p) for p in missing)
            + ". The stack launcher creates them (shared.consent.ensure_local_keys) "
            "before the services start."
        )
    return keys.verifier(), keys.subject_key()


def bindings(
    db: Database, clock: Clock, verifier: ConsentVerifier, subject_key: bytes
) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_IncomeVerificationServiceServicer_to_server,
            IncomeVerificationServicer(db, clock, verifier, subject_key),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    verifier, subject_key = load_consent_keys(settings)
    db = open_database(settings)

    async def close() -> None:
        db.dispose()

    return Wiring(bindings(db, clock, verifier, subject_key), on_stop=close)
