"""No personal data in any service's log on the paths where it is easiest to slip in: bad
input, refused calls, an agency refusing or down. The happy path is checked in
test_stack.py; here one recognisable synthetic person is sent down every other path and
then looked for, in every form it could be written, in every log of the stack."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc
from eligibility.ssa.v1 import identity_pb2, identity_pb2_grpc
from eligibility.treasury.v1 import income_verification_pb2_grpc
from services.cli.stack import Stack, running_stack
from services.harness.households import example_paths, load_request
from services.orchestrator.adapters import agency_requests
from shared.channels import open_tool_channel_sync, tool_metadata

pytestmark = pytest.mark.e2e

GIVEN, FAMILY, BABY = "Quillon", "Vexbridge", "Zarnicoop"
SSN, BABY_SSN = "587314926", "765432198"
BIRTH = date_pb2.Date(year=1979, month=4, day=17)
INCOME_CENTS = 6_543_217
STREET, CITY = "9 Wexley Rd", "Blorptown"
# Each fact as a log line could spell it.
SPELLINGS = (
    SSN,
    "587-31-4926",
    BABY_SSN,
    GIVEN,
    FAMILY,
    BABY,
    "1979-04-17",
    "19790417",
    "04/17/1979",
    str(INCOME_CENTS),
    "65432.17",
    "65,432.17",
    STREET,
    CITY,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(Stack.on_free_ports(tmp_path_factory.mktemp("privacy"))) as started:
        yield started


def _application(request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if "chen" in p.name), request_id)
    person = request.household.members[0]
    person.ssn = SSN
    person.name.given, person.name.family = GIVEN, FAMILY
    person.birth_date.CopyFrom(BIRTH)
    del person.incomes[:]
    person.incomes.add(kind=1, annual_amount_cents=INCOME_CENTS)
    request.household.address.line1, request.household.address.city = STREET, CITY
    return request


def _bent(request_id: str, change: Callable[[pb.SubmitApplicationRequest], object]):  # type: ignore[no-untyped-def]
    request = _application(request_id)
    change(request)
    return request


def _call(method, request) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    try:
        method(request, timeout=30)
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def _orchestrator(stack: Stack, caseworker: str = "cw-privacy", role: str = "caseworker"):  # type: ignore[no-untyped-def]
    return coordination_pb2_grpc.CoordinationServiceStub(
        stack.channel("orchestrator", caseworker=caseworker, role=role)
    )


def _birth(request_id: str, case_id: str, name: str = BABY) -> pb.ReportLifeEventRequest:
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_BIRTH, effective_date=date_pb2.Date(year=2026, month=11, day=1)
    )
    event.new_member.person_id, event.new_member.ssn = "baby", BABY_SSN
    event.new_member.name.given, event.new_member.name.family = name, FAMILY
    event.new_member.birth_date.CopyFrom(event.effective_date)
    event.new_member.citizenship = 1
    return pb.ReportLifeEventRequest(request_id=request_id, case_id=case_id, event=event)


def test_personal_data_on_error_paths_reaches_no_log(stack: Stack) -> None:
    INVALID, DENIED = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED
    me, stranger = _orchestrator(stack), _orchestrator(stack, "cw-stranger")
    case = me.SubmitApplication(_application("privacy-1"), timeout=30).case
    bad_input = {
        "NUL in a name": lambda r: setattr(r.household.members[0].name, "given", GIVEN + "\0"),
        "a name too long": lambda r: setattr(r.household.members[0].name, "family", FAMILY * 20),
        "a birth date to come": lambda r: setattr(r.household.members[0].birth_date, "year", 2030),
        "an SSN with dashes": lambda r: setattr(r.household.members[0], "ssn", "587-31-4926"),
        "an SSN as the person id": lambda r: setattr(r.household.members[0], "person_id", SSN),
        "a name as the person id": lambda r: setattr(r.household.members[0], "person_id", GIVEN),
        "a name as the utility region": lambda r: setattr(
            r.household.address, "snap_utility_region", FAMILY
        ),
        "a negative income": lambda r: setattr(
            r.household.members[0].incomes[0], "annual_amount_cents", -INCOME_CENTS
        ),
        "an income past the limit": lambda r: setattr(
            r.household.members[0].incomes[0], "annual_amount_cents", INCOME_CENTS * 10**6
        ),
    }
    for number, (name, change) in enumerate(bad_input.items()):
        assert _call(me.SubmitApplication, _bent(f"privacy-bad-{number}", change)) == INVALID, name
    assert (
        _call(me.ReportLifeEvent, _birth("privacy-birth-bad", case.case_id, BABY + "\0")) == INVALID
    )

    # Refused: another caseworker, a person not in the caller's cases, a role, a token.
    prefill = pb.SubmitApplicationRequest(request_id="privacy-prefill", programs=[1])
    prefill.household.members.add(person_id="p", ssn=SSN, applying=True, reuse_known_facts=True)
    refused = [
        (stranger.GetCase, pb.GetCaseRequest(case_id=case.case_id)),
        (stranger.ListConsents, pb.ListConsentsRequest(ssn=SSN)),
        (stranger.GetDisclosureReport, pb.GetDisclosureReportRequest(ssn=SSN)),
        (stranger.SubmitApplication, prefill),
        (stranger.ReportLifeEvent, _birth("privacy-birth-stranger", case.case_id)),
        (_orchestrator(stack, "au-1", "auditor").SubmitApplication, _application("privacy-au")),
    ]
    for method, request in refused:
        assert _call(method, request) == DENIED
    # A request_id belongs to its caller: the stranger's "privacy-1" is a case of their own;
    # the same caller's "privacy-1" again, for another household, is refused.
    assert _call(stranger.SubmitApplication, _application("privacy-1")) == grpc.StatusCode.OK
    reused = _bent("privacy-1", lambda r: setattr(r.household.expenses, "monthly_shelter_cents", 1))
    assert _call(me.SubmitApplication, reused) == grpc.StatusCode.ALREADY_EXISTS
    tool = stack.tool()
    for token in ("not.a.token", ""):
        channel = open_tool_channel_sync(
            stack.target("orchestrator"), tool.tls(), tool_metadata(token=token or None)
        )
        anonymous = coordination_pb2_grpc.CoordinationServiceStub(channel)
        assert _call(anonymous.SubmitApplication, _application("privacy-tok")) == (
            grpc.StatusCode.UNAUTHENTICATED
        )
        channel.close()

    # Agencies asked directly: by a caller they refuse, without consent, about no one known.
    household = _application("direct").household
    identity = agency_requests.ssa_request(list(household.members), 2027, "case", "privacy")
    ssa_as_hhs = identity_pb2_grpc.IdentityServiceStub(stack.channel("ssa", identity="hhs"))
    assert _call(ssa_as_hhs.VerifyIdentity, identity) == DENIED
    income = agency_requests.treasury_request(household, ["wei"], 2027, "case", "privacy", "")
    treasury = income_verification_pb2_grpc.IncomeVerificationServiceStub(
        stack.channel("treasury", identity="orchestrator")
    )
    assert _call(treasury.VerifyHouseholdIncome, income) == DENIED
    vital = identity_pb2_grpc.IdentityServiceStub(stack.channel("ssa", identity="vital-records"))
    death = identity_pb2.RecordDeathRequest(
        request_id="privacy-death", ssn=SSN, death_date=date_pb2.Date(year=2026, month=11, day=1)
    )
    assert _call(vital.RecordDeath, death) == grpc.StatusCode.NOT_FOUND

    # An agency down: the application is kept pending, the change waits for delivery.
    stack.stop_one("treasury")
    try:
        assert _call(me.SubmitApplication, _application("privacy-down")) == grpc.StatusCode.OK
        assert _call(me.ReportLifeEvent, _birth("privacy-birth", case.case_id)) == (
            grpc.StatusCode.OK
        )
    finally:
        stack.start_one("treasury")
        stack.wait_serving("treasury")

    logs = {p.name: p.read_text(errors="replace") for p in Path(stack.log_dir).glob("*.log")}
    assert {"orchestrator.log", "treasury.log", "ssa.log", "hhs.log", "usda.log"} <= set(logs)
    # The paths above are in the logs (so the search below reads what they wrote).
    for code in ("INVALID_ARGUMENT", "PERMISSION_DENIED", "UNAUTHENTICATED"):
        assert f'"code":"{code}"' in logs["orchestrator.log"], code
    assert '"code":"PERMISSION_DENIED"' in logs["ssa.log"]
    assert '"agency":"treasury","code":"UNAVAILABLE"' in logs["orchestrator.log"]
    for name, text in logs.items():
        for spelling in SPELLINGS:
            found = re.search(rf".*{re.escape(spelling)}.*", text)
            assert found is None, (name, spelling, found and found.group()[:300])
