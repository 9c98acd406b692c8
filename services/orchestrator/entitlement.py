"""Which cases and people a proven caller may see: the rule inside each method, after the
access policy (access.yaml) has said the caller may call it at all.

A caseworker sees the cases they opened and the people in them whom SSA matched there
(repository.people_in_cases_of); a supervisor or an auditor sees every case. Pure: the caller and the facts come in, a decision goes out.
"""

from __future__ import annotations

import grpc

from shared.context import Principal
from shared.errors import ServiceError
from shared.purposes import APPEAL, AUDIT

SEES_EVERY_CASE = frozenset({"supervisor", "auditor"})

CASE_NOT_ASSIGNED = "CASE_NOT_ASSIGNED"
PERSON_NOT_ASSIGNED = "PERSON_NOT_ASSIGNED"
PREFILL_NOT_ENTITLED = "PREFILL_NOT_ENTITLED"
POPULATION_REPORT_NOT_ALLOWED = "POPULATION_REPORT_NOT_ALLOWED"
PURPOSE_NOT_FOR_ROLE = "PURPOSE_NOT_FOR_ROLE"

# Looking back at a case's standing: an appeal is casework (a caseworker on their own case,
# or a supervisor); an audit is oversight (an auditor or a supervisor), and a caseworker
# auditing their own decisions would be no audit at all.
LOOK_BACK_ROLES = {
    APPEAL: frozenset({"caseworker", "supervisor"}),
    AUDIT: frozenset({"auditor", "supervisor"}),
}


def sees_every_case(who: Principal) -> bool:
    return who.role in SEES_EVERY_CASE


def owner_of_new_case(who: Principal) -> str:
    """What a new case records as its opener."""
    return who.caseworker or ""


def may_read_case(who: Principal, opened_by: str) -> bool:
    return sees_every_case(who) or (bool(who.caseworker) and who.caseworker == opened_by)


def may_see_person(who: Principal, in_callers_cases: bool) -> bool:
    return sees_every_case(who) or in_callers_cases


def may_look_back(who: Principal, purpose: str) -> bool:
    return who.role in LOOK_BACK_ROLES.get(purpose, frozenset())


def look_back_refusal(who: Principal, purpose: str) -> ServiceError:
    allowed = [p for p, roles in sorted(LOOK_BACK_ROLES.items()) if who.role in roles]
    return refusal(
        PURPOSE_NOT_FOR_ROLE,
        f"the {who.role or 'unnamed'} role may not read a case's past standing for {purpose!r};"
        + (f" declare {' or '.join(allowed)}" if allowed else " ask a supervisor"),
    )


def refusal(reason: str, message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.PERMISSION_DENIED, reason, message)


# The same words whether the case or person is someone else's or does not exist at all
# (AIP-211): a refusal that told the two apart would tell a caseworker which ids are taken.
def case_refusal() -> ServiceError:
    return refusal(
        CASE_NOT_ASSIGNED,
        "you may work only on the cases you opened, and this case id is not one of them;"
        " ask a supervisor",
    )


def person_refusal() -> ServiceError:
    return refusal(
        PERSON_NOT_ASSIGNED,
        "you may see only the people in your own cases, and this is not one of them;"
        " ask a supervisor",
    )
