"""The orchestrator's follower of SSA's death reports, built as its server builds it, for
tests that hand it reports one by one."""

from __future__ import annotations

from typing import Any

from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.domain.burden import Yardstick
from services.orchestrator.server import coordinator
from services.orchestrator.usecases.death_reports import DeathReports
from services.orchestrator.usecases.report_change import ReportChanges


def death_follower(coordination: Any, clock: Any, **waits: float) -> DeathReports:
    """``waits``: the follower's back-off settings (first_wait, longest_wait), if not its own."""
    db = coordination.orchestrator_db
    keys = coordination.keys
    applications = coordinator(db, coordination.gateway, clock, keys.signer(), keys.subject_key())
    return DeathReports(
        db,
        coordination.gateway,
        ReportChanges(db, applications, clock, Yardstick.load()),
        Subjects(keys.subject_key()),
        clock,
        budget_seconds=3.0,
        **waits,
    )
