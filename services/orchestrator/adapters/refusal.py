"""An agency that answers "no" is not an agency that cannot be reached.

INVALID_ARGUMENT and OUT_OF_RANGE mean the agency read the request and found it wrong:
asking again gives the same answer, so the source is not "unavailable" (a pending case
would only repeat it). The orchestrator refuses the application to its own caller with
AGENCY_REFUSED, naming the agency, its code and reason and the fields it objected to,
and stores no case.

FAILED_PRECONDITION, PERMISSION_DENIED and UNAUTHENTICATED mean the agency declined for
now (no figures for that year yet, no consent in force): the case carries on with that
source pending, as for an outage, but says the agency refused, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from shared.errors import ErrorDetails, FieldViolation, ServiceError

REASON = "AGENCY_REFUSED"
REFUSAL_CODES = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE})
DECLINING_CODES = frozenset({"FAILED_PRECONDITION", "PERMISSION_DENIED", "UNAUTHENTICATED"})


@dataclass
class AgencyRefused(ServiceError):
    @property
    def audit_detail(self) -> str:
        return f"{REASON}: {self.metadata.get('agency_code', '')}"


def is_refusal(details: ErrorDetails) -> bool:
    return details.code in REFUSAL_CODES


def agency_refused(agency: str, details: ErrorDetails) -> AgencyRefused:
    """The agency's code is passed on: its INVALID_ARGUMENT is about what the caller sent."""
    why = details.reason or details.code.name
    return AgencyRefused(
        details.code,
        REASON,
        f"{agency} refused the request ({why}): {details.message}",
        [FieldViolation(f"{agency}:{v.field}", v.description) for v in details.violations],
        {"agency": agency, "agency_code": details.code.name, "agency_reason": why},
    )


def declined_text(agency: str, reason: str, code: str) -> str:
    """How a case tells that an agency declined: who, and its own reason."""
    return f"{agency} refused the request ({reason or code})"
