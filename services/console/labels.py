"""Words for the contract's values: program names, statuses, money, dates."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from eligibility.common.v1 import date_pb2, life_event_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb

PROGRAMS = {
    det.PROGRAM_MEDICAID: "Medicaid",
    det.PROGRAM_CHIP: "CHIP",
    det.PROGRAM_MARKETPLACE: "Marketplace",
    det.PROGRAM_SNAP: "SNAP",
}
PROGRAM_KEYS = {
    "medicaid": det.PROGRAM_MEDICAID,
    "chip": det.PROGRAM_CHIP,
    "marketplace": det.PROGRAM_MARKETPLACE,
    "snap": det.PROGRAM_SNAP,
}
PERSON_PROGRAMS = (det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE)

# Every status is a word and a symbol as well as a colour (WCAG 1.4.1).
STATUSES = {
    det.DETERMINATION_STATUS_ELIGIBLE: ("Eligible", "✓", "eligible"),
    det.DETERMINATION_STATUS_INELIGIBLE: ("Not eligible", "✗", "ineligible"),
    det.DETERMINATION_STATUS_CONDITIONAL: ("Conditionally eligible", "!", "conditional"),
    det.DETERMINATION_STATUS_PENDING_VERIFICATION: ("Pending verification", "…", "pending"),
    det.DETERMINATION_STATUS_REFERRED: ("Referred", "→", "referred"),
}


def program(value: int) -> str:
    return PROGRAMS.get(value, "Unknown program")


def status(value: int) -> tuple[str, str, str]:
    return STATUSES.get(value, ("Unknown", "?", "unknown"))


def case_status(value: int) -> str:
    return {
        pb.CASE_STATUS_DETERMINED: "Determined",
        pb.CASE_STATUS_PENDING_VERIFICATION: "Pending verification",
        pb.CASE_STATUS_CLOSED: "Closed",
    }.get(value, "Unknown")


def enum_words(enum: object, value: int, prefix: str) -> str:
    name = enum.Name(value) if value in enum.values() else str(value)  # type: ignore[attr-defined]
    return name.removeprefix(prefix).replace("_", " ").capitalize()


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def date(value: date_pb2.Date) -> str:
    if not value.year:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def when(stamp: Timestamp) -> str:
    if not (stamp.seconds or stamp.nanos):
        return ""
    return stamp.ToDatetime(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def benefit(p: det.ProgramDetermination) -> str:
    """The money a program pays, or why no figure is shown; empty where it pays none."""
    pending = p.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
    if p.status == det.DETERMINATION_STATUS_INELIGIBLE:
        return ""
    if p.program == det.PROGRAM_MARKETPLACE:
        if pending and not p.monthly_benefit_cents:
            return "Tax credit not yet known"
        estimate = any(r.code == "BENCHMARK_ESTIMATED" for r in p.reasons)
        text = f"Tax credit {money(p.monthly_benefit_cents)} a month" + (
            " (estimate)" if estimate else ""
        )
        if p.csr_level not in (det.CSR_LEVEL_UNSPECIFIED, det.CSR_LEVEL_NONE):
            text += f", cost-sharing {det.CsrLevel.Name(p.csr_level).removeprefix('CSR_LEVEL_')}%"
        return text
    if p.program == det.PROGRAM_SNAP:
        if pending and not p.monthly_benefit_cents:
            return "Allotment not yet known"
        return f"{money(p.monthly_benefit_cents)} a month"
    return ""


_DECISIVE_ORDER = (
    det.DETERMINATION_STATUS_ELIGIBLE,
    det.DETERMINATION_STATUS_CONDITIONAL,
    det.DETERMINATION_STATUS_PENDING_VERIFICATION,
    det.DETERMINATION_STATUS_REFERRED,
    det.DETERMINATION_STATUS_INELIGIBLE,
)


def decisive_reason(p: det.ProgramDetermination) -> det.Reason | None:
    """The reason that settled the answer: SNAP lists its tests in order and ends on the
    one that decided; the other programs lead with it."""
    if not p.reasons:
        return None
    return p.reasons[-1] if p.program == det.PROGRAM_SNAP else p.reasons[0]


def figure_value(name: str, value: str) -> str:
    """A figure as a person reads it: cents as dollars, a decimal rate as a percentage."""
    try:
        if name.endswith("_cents"):
            return money(int(value))
        if name.endswith(("_rate", "_percent", "_percentage", "_fraction")):
            return f"{float(value) * 100:.2f}%"
    except ValueError:
        pass
    return value


def figure_name(name: str) -> str:
    return name.removesuffix("_cents").replace("_", " ").capitalize()


def life_event_kind(value: int) -> str:
    return enum_words(life_event_pb2.LifeEventKind, value, "LIFE_EVENT_KIND_")


def case_event_kind(value: int) -> str:
    return enum_words(pb.CaseEventKind, value, "CASE_EVENT_KIND_")


def notification_state(value: int) -> str:
    return enum_words(pb.NotificationState, value, "NOTIFICATION_STATE_")
