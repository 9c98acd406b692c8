"""Composition root of the SSA identity service."""

from __future__ import annotations

from pathlib import Path

from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa.limiter import TokenBuckets
from services.ssa.mismatch_runs import MismatchRuns
from services.ssa.servicer import MAX_PEOPLE, IdentityServicer
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


def guards(settings: ServiceSettings) -> tuple[TokenBuckets, MismatchRuns]:
    """The per-caller limit on identity checks and the mismatch-run watch, as configured."""
    if settings.identity_check_burst < MAX_PEOPLE:
        raise SystemExit(
            f"ssa: identity_check_burst must be at least {MAX_PEOPLE}, the most people "
            "one request may ask about, or such a request could never be answered"
        )
    limiter = TokenBuckets(settings.identity_checks_per_second, settings.identity_check_burst)
    return limiter, MismatchRuns(settings.identity_mismatch_run)


def bindings(
    db: Database,
    clock: Clock,
    subject_key: bytes,
    limiter: TokenBuckets | None = None,
    runs: MismatchRuns | None = None,
) -> list[ServiceBinding]:
    servicer = IdentityServicer(
        db, clock, subject_key, limiter or TokenBuckets(), runs or MismatchRuns()
    )
    return [
        ServiceBinding(
            SERVICE_NAME, pb_grpc.add_IdentityServiceServicer_to_server, servicer, ACCESS_POLICY
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    subject_key = load_subject_key(settings)
    limiter, runs = guards(settings)
    db = open_database(settings)

    async def close() -> None:
        db.dispose()

    return Wiring(bindings(db, clock, subject_key, limiter, runs), on_stop=close)
