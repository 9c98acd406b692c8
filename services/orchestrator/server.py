"""Composition root of the orchestrator."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from collections.abc import Callable
from pathlib import Path

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator.adapters import schema_upgrade
from services.orchestrator.adapters.agencies import AgencyGateway
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import TABLES
from services.orchestrator.domain.burden import Yardstick
from services.orchestrator.domain.evidence import EvidenceDirectory
from services.orchestrator.refusal_trail import bound_trail
from services.orchestrator.servicer import CoordinationServicer
from services.orchestrator.usecases.apply import Coordinator
from services.orchestrator.usecases.bell import Bell
from services.orchestrator.usecases.death_reports import DeathReports
from services.orchestrator.usecases.dispatch import Dispatcher
from services.orchestrator.usecases.follow_up import FollowUp
from services.orchestrator.usecases.look_back import LookBack
from services.orchestrator.usecases.records import Records
from services.orchestrator.usecases.renew import Renewals
from services.orchestrator.usecases.report_change import ReportChanges
from services.orchestrator.usecases.settle_issues import IssueClock
from services.orchestrator.usecases.watch import CaseWatch
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
    db: Database,
    agencies: AgencyGateway,
    clock: Clock,
    signer: ConsentSigner,
    subject_key: bytes,
    leases: Clock | None = None,
) -> Coordinator:
    return Coordinator(
        db,
        agencies,
        clock,
        EvidenceDirectory.load(),
        Subjects(subject_key),
        signer,
        Yardstick.load(),
        leases,
    )


def bindings(
    db: Database,
    agencies: AgencyGateway,
    clock: Clock,
    signer: ConsentSigner,
    subject_key: bytes,
    applications: Coordinator | None = None,
    changes: ReportChanges | None = None,
    watch: CaseWatch | None = None,
    after_change: Callable[[], None] | None = None,
) -> list[ServiceBinding]:
    applications = applications or coordinator(db, agencies, clock, signer, subject_key)
    changes = changes or ReportChanges(db, applications, clock, Yardstick.load())
    records = Records(db, clock, Subjects(subject_key), Yardstick.load(), agencies)
    watch = watch or CaseWatch(db, clock, Subjects(subject_key), Bell())
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_CoordinationServiceServicer_to_server,
            CoordinationServicer(
                applications,
                records,
                agencies,
                clock,
                Renewals(db, applications, clock),
                changes,
                watch,
                LookBack(db, clock, Subjects(subject_key), agencies),
                after_change,
            ),
            ACCESS_POLICY,
        )
    ]


def dispatcher(
    settings: ServiceSettings,
    db: Database,
    agencies: AgencyGateway,
    clock: Clock,
    subject_key: bytes,
    worker: str,
    changed: Bell,
) -> Dispatcher:
    return Dispatcher(
        db,
        agencies,
        clock,
        Subjects(subject_key),
        worker,
        budget_seconds=settings.downstream_timeout_seconds,
        lease=dt.timedelta(seconds=settings.dispatch_lease_seconds),
        max_delay=settings.dispatch_max_backoff_seconds,
        changed=changed,
    )


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    keys = LocalConsentKeys.in_data_dir(settings.data_dir)
    db = open_database(settings.resolved_database_url())
    # Refusals inside the methods are bounded as the gate's are, by the same settings.
    refusals = bound_trail(
        db,
        clock,
        per_window=settings.refusals_audited_per_window,
        window_seconds=settings.refusal_audit_window_seconds,
    )
    agencies = AgencyGateway.from_settings(settings, trust.client_tls())
    applications = coordinator(db, agencies, clock, keys.signer(), keys.subject_key())
    worker = f"{socket.gethostname()}-{os.getpid()}"[:64]
    follow_up = FollowUp(
        db,
        applications,
        clock,
        worker,
        budget_seconds=settings.downstream_timeout_seconds,
        retry_after=dt.timedelta(seconds=settings.follow_up_retry_seconds),
        # A recheck that wrote notices has them sent at once, as a reported change does.
        after_write=lambda: after_change(),
    )
    # Issues whose inconsistency period ran out are settled by rule, on the same beat.
    issue_clock = IssueClock(
        db,
        applications,
        clock,
        worker,
        budget_seconds=settings.downstream_timeout_seconds,
        # A settlement that wrote notices has them sent at once, as a reported change does.
        after_write=lambda: after_change(),
    )
    # Rung when a case gains an event in this process: its watchers look at once.
    changed = Bell()
    watch = CaseWatch(
        db,
        clock,
        Subjects(keys.subject_key()),
        changed,
        poll_seconds=settings.watch_poll_seconds,
        per_caller=settings.watches_per_caller,
    )
    changes = ReportChanges(db, applications, clock, Yardstick.load())
    # SSA's death reports, followed for as long as the server runs.
    loops = [
        asyncio.create_task(
            DeathReports(
                db,
                agencies,
                changes,
                Subjects(keys.subject_key()),
                clock,
                budget_seconds=settings.downstream_timeout_seconds,
            ).run_forever()
        )
    ]
    delivery: Dispatcher | None = None
    if settings.follow_up_interval_seconds > 0:
        loops.append(
            asyncio.create_task(follow_up.run_forever(settings.follow_up_interval_seconds))
        )
        loops.append(
            asyncio.create_task(issue_clock.run_forever(settings.follow_up_interval_seconds))
        )
    if settings.dispatch_interval_seconds > 0:
        delivery = dispatcher(settings, db, agencies, clock, keys.subject_key(), worker, changed)
        loops.append(asyncio.create_task(delivery.run_forever(settings.dispatch_interval_seconds)))

    def after_change() -> None:
        # A reported change wrote notices and an event: the dispatcher and the case's
        # watchers in this process look at once instead of at their next interval.
        changed.ring()
        if delivery is not None:
            delivery.wake()

    async def close() -> None:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await agencies.close()
        # Refusals counted and not yet written go in as summaries before the database closes.
        await refusals.close()
        db.dispose()

    return Wiring(
        bindings(
            db,
            agencies,
            clock,
            keys.signer(),
            keys.subject_key(),
            applications,
            changes,
            watch,
            after_change,
        ),
        on_stop=close,
        on_draining=watch.stop,
    )
