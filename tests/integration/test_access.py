"""Every caller proven, every method guarded: the access matrix as deployed, forged
identities, stolen or bent tokens, and one caseworker reaching for another's cases.

The expected matrix is written out here by hand, from the rules the services must
follow, so a change to an access policy file that loosens it fails this test.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import grpc
import pytest
from google.protobuf import message_factory
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlmodel import select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.ssa.v1 import identity_pb2
from eligibility.treasury.v1 import income_verification_pb2
from eligibility.usda.v1 import snap_eligibility_pb2
from services.cli.tool_identity import LocalTool
from shared.access_audit import refused_calls_in
from shared.caseworker_token import LocalTokenKeys, TokenIssuer
from shared.channels import open_tool_channel, tool_metadata
from shared.errors import details_of
from shared.purposes import DETERMINATION
from shared.refusal_windows import DEFAULT_PER_WINDOW
from shared.signing_keys import generate_signing_key
from shared.tls import (
    CASEWORKER_CONSOLE,
    CASEWORKER_TOOL,
    MTLS,
    PLAINTEXT,
    VITAL_RECORDS,
    DevCertificates,
)
from tests.integration.applications import by_ssn_alone, example

SERVICES = {
    "treasury": income_verification_pb2.DESCRIPTOR.services_by_name["IncomeVerificationService"],
    "ssa": identity_pb2.DESCRIPTOR.services_by_name["IdentityService"],
    "hhs": subsidy_eligibility_pb2.DESCRIPTOR.services_by_name["SubsidyEligibilityService"],
    "usda": snap_eligibility_pb2.DESCRIPTOR.services_by_name["SnapEligibilityService"],
    "orchestrator": pb.DESCRIPTOR.services_by_name["CoordinationService"],
}

# Callers: (certificate, role in the caseworker's token or None for no token).
CALLERS = [
    ("orchestrator", None),
    ("treasury", None),
    ("ssa", None),
    ("hhs", None),
    ("usda", None),
    (CASEWORKER_TOOL, None),
    (CASEWORKER_TOOL, "caseworker"),
    (CASEWORKER_TOOL, "supervisor"),
    (CASEWORKER_TOOL, "auditor"),
    (CASEWORKER_CONSOLE, None),
    (CASEWORKER_CONSOLE, "caseworker"),
    (CASEWORKER_CONSOLE, "supervisor"),
    (CASEWORKER_CONSOLE, "auditor"),
    (VITAL_RECORDS, None),
]
# The tools a caseworker sits at: the command line and the browser console.
CASEWORKER_TOOLS = {CASEWORKER_TOOL, CASEWORKER_CONSOLE}

ALLOWED, DENIED, NO_TOKEN = "allowed", "PERMISSION_DENIED", "UNAUTHENTICATED"
GATE_REASONS = {
    "CALLER_NOT_ALLOWED",
    "ROLE_NOT_ALLOWED",
    "TOKEN_MISSING",
    "PURPOSE_NOT_ALLOWED",
    "METHOD_NOT_LISTED",
    # A token that does not hold (shared/caseworker_token.py).
    "TOKEN_INVALID",
    "TOKEN_EXPIRED",
    "TOKEN_NOT_YET_VALID",
    "TOKEN_WRONG_TOOL",
    "TOKEN_WRONG_AUDIENCE",
    "TOKEN_NOT_BOUND",
    "TOKEN_LIFETIME_TOO_LONG",
}
READERS = {"caseworker", "supervisor", "auditor"}
WRITERS = {"caseworker", "supervisor"}
ORCHESTRATOR_ROLES = {
    "SubmitApplication": WRITERS,
    "GetCase": READERS,
    "ListCases": READERS,
    "RevokeConsent": WRITERS,
    "ListConsents": READERS,
    "GetDisclosureReport": READERS,
    "VerifyAuditLog": {"auditor"},
    "GetBurdenReport": READERS,
    "SimulateIncomeSweep": WRITERS,
    "RenewCase": WRITERS,
    "ReportLifeEvent": WRITERS,
    "WatchCase": READERS,
    "ListCaseEnrollmentPeriods": READERS,
}


def expected(service: str, method: str, identity: str, role: str | None) -> str:
    """The rule, stated apart from the policy files: only the orchestrator calls agencies;
    only a caseworker's tool (the command line or the console), with a person's token in a
    fitting role, calls the orchestrator."""
    if (service, method) == ("ssa", "RecordDeath"):
        # Deaths come from vital records (their own certificate) and from no one else.
        return ALLOWED if identity == VITAL_RECORDS else DENIED
    if (service, method) == ("hhs", "ListEnrollmentPeriods"):
        # History is for looking back (an appeal, a payment, an audit), never for the
        # determination every caller here declares; who may read it for those purposes
        # is tested in test_hhs_periods.py.
        return DENIED
    if service != "orchestrator":
        return ALLOWED if identity == "orchestrator" else DENIED
    if identity not in CASEWORKER_TOOLS:
        return DENIED
    if role is None:
        return NO_TOKEN
    return ALLOWED if role in ORCHESTRATOR_ROLES[method] else DENIED


def _label(identity: str, role: str | None) -> str:
    return f"{identity}+{role}" if role else identity


async def _outcome(channel: grpc.aio.Channel, service, method) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    kind = channel.unary_stream if method.server_streaming else channel.unary_unary
    call = kind(
        f"/{service.full_name}/{method.name}",
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    try:
        if method.server_streaming:
            # A stream let in may go on for ever: the first message (or the end) shows the
            # gate was passed.
            stream = call(request_class(), timeout=10)
            async for _ in stream:
                stream.cancel()
                break
        else:
            await call(request_class(), timeout=10)
    except grpc.aio.AioRpcError as error:
        info = details_of(error)
        # Past the gate, a method may still refuse for its own reason (a caseworker asking
        # for the report over every case): that call was let in, which is what this measures.
        if info.reason in GATE_REASONS:
            return error.code().name, info.reason
        assert error.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), error
    return ALLOWED, None


def _handle(coordination, name):  # type: ignore[no-untyped-def]
    return coordination.handle if name == "orchestrator" else coordination.agencies[name]


async def test_the_access_matrix_holds_for_every_caller_and_method(coordination) -> None:  # type: ignore[no-untyped-def]
    seen: dict[tuple[str, str], str] = {}
    for name, service in SERVICES.items():
        handle = _handle(coordination, name)
        for identity, role in CALLERS:
            tool = LocalTool(handle.credentials, MTLS, identity)
            caseworker = f"cw-{role}" if role else None
            purpose = None if name == "orchestrator" else DETERMINATION
            async with tool.channel(handle.target, caseworker, role, purpose) as channel:
                for method in service.methods:
                    got, reason = await _outcome(channel, service, method)
                    want = expected(name, method.name, identity, role)
                    seen[(f"{name}.{method.name}", _label(identity, role))] = got
                    assert got == want, (name, method.name, identity, role, reason)
    # The matrix as tested, for the record (pytest -s shows it).
    columns = [_label(i, r) for i, r in CALLERS]
    print("\naccess matrix (method x caller):")
    print("method | " + " | ".join(columns))
    for name, service in SERVICES.items():
        for method in service.methods:
            row = [seen[(f"{name}.{method.name}", c)][:7] for c in columns]
            print(f"{name}.{method.name} | " + " | ".join(row))


async def test_every_refusal_is_in_the_services_access_audit_with_the_proven_caller(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    treasury = coordination.agencies["treasury"]
    service = SERVICES["treasury"]
    tool = LocalTool(treasury.credentials, MTLS, "hhs")
    # A forged caller header changes nothing: the certificate says hhs.
    forged = tool_metadata(purpose=DETERMINATION, declare_as="orchestrator")
    async with open_tool_channel(treasury.target, tool.tls(), forged) as channel:
        got, reason = await _outcome(channel, service, service.methods[0])
    assert (got, reason) == (DENIED, "CALLER_NOT_ALLOWED")
    (entry,) = treasury.refusals()
    assert (entry.actor_service, entry.outcome, entry.detail) == (
        "hhs",
        "REFUSED",
        "CALLER_NOT_ALLOWED",
    )
    assert entry.fact_names() == [f"/{service.full_name}/VerifyHouseholdIncome"]


async def test_an_agency_refuses_the_orchestrator_without_a_purpose_it_serves(coordination) -> None:  # type: ignore[no-untyped-def]
    treasury = coordination.agencies["treasury"]
    service = SERVICES["treasury"]
    orchestrator = LocalTool(treasury.credentials, MTLS, "orchestrator")
    for purpose in (None, "benefit-estimate", "marketing"):
        async with orchestrator.channel(treasury.target, purpose=purpose) as channel:
            got, reason = await _outcome(channel, service, service.methods[0])
        assert (got, reason) == (DENIED, "PURPOSE_NOT_ALLOWED"), purpose
    assert [e.detail for e in treasury.refusals()] == ["PURPOSE_NOT_ALLOWED"] * 3


async def test_a_client_without_a_certificate_from_the_stacks_ca_cannot_connect(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    target = coordination.handle.target
    async with grpc.aio.insecure_channel(target) as plain:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await plain.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    with tempfile.TemporaryDirectory() as other:
        stranger = DevCertificates(Path(other)).ensure().files(CASEWORKER_TOOL)
        async with open_tool_channel(target, stranger) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def _token_cases(credentials: Path) -> dict[str, tuple[str, str]]:
    """name -> (token, the reason it must be refused with)."""
    now = dt.datetime.now(dt.UTC)
    files = DevCertificates.in_data_dir(credentials)
    issuer = LocalTokenKeys.in_data_dir(credentials).issuer()
    tool_cert = files.files(CASEWORKER_TOOL).cert.read_bytes()
    other_cert = files.files("hhs").cert.read_bytes()

    def mint(**changes):  # type: ignore[no-untyped-def]
        args = {"tool": CASEWORKER_TOOL, "tool_cert_pem": tool_cert, "now": now}
        args.update(changes)
        return issuer.issue("cw-9", "caseworker", **args)

    return {
        "garbage": ("not.a.token", "TOKEN_INVALID"),
        "expired": (
            mint(now=now - dt.timedelta(hours=1), lifetime=dt.timedelta(minutes=5)),
            "TOKEN_EXPIRED",
        ),
        "from the future": (mint(now=now + dt.timedelta(hours=1)), "TOKEN_NOT_YET_VALID"),
        "issued by a stranger's key": (
            TokenIssuer(generate_signing_key()).issue(
                "cw-9", "supervisor", tool=CASEWORKER_TOOL, tool_cert_pem=tool_cert, now=now
            ),
            "TOKEN_INVALID",
        ),
        "issued to another tool": (mint(tool="hhs"), "TOKEN_WRONG_TOOL"),
        "bound to another certificate": (mint(tool_cert_pem=other_cert), "TOKEN_NOT_BOUND"),
    }


async def test_bent_stolen_or_stale_caseworker_tokens_are_refused_and_audited(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    handle = coordination.handle
    tool = LocalTool(handle.credentials, MTLS, CASEWORKER_TOOL)
    cases = _token_cases(handle.credentials)
    for name, (token, reason) in cases.items():
        metadata = tool_metadata(token=token)
        async with open_tool_channel(handle.target, tool.tls(), metadata) as channel:
            stub = pb_stub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ListCases(pb.ListCasesRequest())
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, name
        assert details_of(caught.value).reason == reason, name
    audited = [(e.actor_service, e.outcome, e.detail) for e in handle.refusals()]
    assert audited == [(CASEWORKER_TOOL, "REFUSED", r) for _, r in cases.values()]


async def test_a_token_lifted_from_the_caseworker_tool_is_useless_on_another_certificate(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    handle = coordination.handle
    stolen = LocalTool(handle.credentials, MTLS, CASEWORKER_TOOL).token("cw-1", "supervisor")
    thief = LocalTool(handle.credentials, MTLS, "usda")
    async with open_tool_channel(handle.target, thief.tls(), tool_metadata(stolen)) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await pb_stub(channel).ListCases(pb.ListCasesRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert details_of(caught.value).reason == "TOKEN_WRONG_TOOL"


def pb_stub(channel: grpc.aio.Channel):  # type: ignore[no-untyped-def]
    from eligibility.orchestrator.v1 import coordination_pb2_grpc

    return coordination_pb2_grpc.CoordinationServiceStub(channel)


async def _refused(call, request) -> str | None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(request)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    return details_of(caught.value).reason


def _income_change(person_id: str) -> le.LifeEvent:
    return le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=11, day=1),
        person_id=person_id,
    )


# Methods that read or change no one's records by case or person: a what-if is
# hypothetical, and the audit log's check is the auditor's alone (the matrix above).
HOLDS_NO_ONES_RECORDS = {"SimulateIncomeSweep", "VerifyAuditLog"}


async def _refused_anyhow(stub, method: str, request) -> str | None:  # type: ignore[no-untyped-def]
    """The refusal's reason, for a unary call or a stream's first read."""
    call = getattr(stub, method)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        if method == "WatchCase":
            stream = call(request, timeout=10)
            async for _ in stream:
                break
        else:
            await call(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, (method, caught.value)
    return details_of(caught.value).reason


async def test_a_caseworker_cannot_reach_into_another_caseworkers_cases(coordination) -> None:  # type: ignore[no-untyped-def]
    """Every method that names a case or a person, asked by another caseworker about
    Alice's: refused with its reason, audited, and nothing changed. A method added to the
    service without a row here (or a reason to be left out) fails this test."""
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")
    supervisor = coordination.stub_as("sv-1", "supervisor")
    application = example("okafor", "okafor-alice")
    case = (await alice.SubmitApplication(application)).case
    ssn = application.household.members[0].ssn
    consent = (await alice.ListConsents(pb.ListConsentsRequest(ssn=ssn))).consents[0]
    prefill = pb.SubmitApplicationRequest(request_id="by-ssn-bob", programs=application.programs)
    prefill.household.CopyFrom(application.household)
    for member in prefill.household.members:
        member.reuse_known_facts = True
        member.ClearField("name")
        member.ClearField("birth_date")
    case_id = case.case_id
    attempts = {
        "GetCase": [(pb.GetCaseRequest(case_id=case_id), "CASE_NOT_ASSIGNED")],
        "GetBurdenReport": [
            (pb.GetBurdenReportRequest(case_id=case_id), "CASE_NOT_ASSIGNED"),
            (pb.GetBurdenReportRequest(), "POPULATION_REPORT_NOT_ALLOWED"),
        ],
        "ListConsents": [(pb.ListConsentsRequest(ssn=ssn), "PERSON_NOT_ASSIGNED")],
        "GetDisclosureReport": [(pb.GetDisclosureReportRequest(ssn=ssn), "PERSON_NOT_ASSIGNED")],
        "RevokeConsent": [
            (
                pb.RevokeConsentRequest(request_id="r", consent_id=consent.consent_id),
                "PERSON_NOT_ASSIGNED",
            )
        ],
        # Her people's facts are not filled in for him from their SSNs. (Her request_id
        # sent by him is an application of his own: test_request_ids_per_caller.py.)
        "SubmitApplication": [(prefill, "PREFILL_NOT_ENTITLED")],
        "RenewCase": [(pb.RenewCaseRequest(request_id="rn", case_id=case_id), "CASE_NOT_ASSIGNED")],
        "ReportLifeEvent": [
            (
                pb.ReportLifeEventRequest(
                    request_id="ev", case_id=case_id, event=_income_change("adaeze")
                ),
                "CASE_NOT_ASSIGNED",
            )
        ],
        "WatchCase": [(pb.WatchCaseRequest(case_id=case_id), "CASE_NOT_ASSIGNED")],
        "ListCaseEnrollmentPeriods": [
            (
                pb.ListCaseEnrollmentPeriodsRequest(
                    case_id=case_id, purpose=pb.LOOK_BACK_PURPOSE_APPEAL
                ),
                "CASE_NOT_ASSIGNED",
            )
        ],
    }
    methods = {m.name for m in SERVICES["orchestrator"].methods}
    assert set(attempts) | HOLDS_NO_ONES_RECORDS | {"ListCases"} == methods
    for method, tries in attempts.items():
        for request, reason in tries:
            assert await _refused_anyhow(bob, method, request) == reason, method
    listed = (await bob.ListCases(pb.ListCasesRequest())).cases
    assert case_id not in [c.case_id for c in listed]

    # The owner and a supervisor still can, and nothing Bob tried changed the case.
    shown = (await alice.GetCase(pb.GetCaseRequest(case_id=case_id))).case
    assert [e.kind for e in shown.history] == [e.kind for e in case.history]
    assert (await supervisor.GetCase(pb.GetCaseRequest(case_id=case_id))).case.case_id
    listed = (await supervisor.ListCases(pb.ListCasesRequest())).cases
    assert case_id in [c.case_id for c in listed]
    again = (await alice.ListConsents(pb.ListConsentsRequest(ssn=ssn))).consents[0]
    assert not again.HasField("revoke_time")

    report = (await alice.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=ssn))).disclosures
    refused = {(d.actor_caseworker, d.detail) for d in report if d.outcome == "REFUSED"}
    # Each refusal names the method it was refused in.
    assert {
        ("cw-bob", "CASE_NOT_ASSIGNED: GetCase"),
        ("cw-bob", "CASE_NOT_ASSIGNED: ReportLifeEvent"),
        ("cw-bob", "PERSON_NOT_ASSIGNED: ListConsents"),
        ("cw-bob", "PERSON_NOT_ASSIGNED: RevokeConsent"),
        ("cw-bob", "PREFILL_NOT_ENTITLED: SubmitApplication"),
    } <= refused


def _error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert any(d.Unpack(info) for d in status.details)
    return info


async def test_a_reused_life_event_request_id_names_only_a_case_the_caller_may_read(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """A request_id is its reporter's own: Alice, reusing hers on another case of hers, is
    told which case it was used on; Bob and a supervisor sending the same one are not
    refused at all (each change is their own), so they learn nothing of hers."""
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")
    supervisor = coordination.stub_as("sv-1", "supervisor")
    hers = (await alice.SubmitApplication(example("okafor", "okafor-reuse"))).case
    her_other = (await alice.SubmitApplication(example("johnson", "johnson-reuse"))).case
    his = (await bob.SubmitApplication(example("chen", "chen-reuse"))).case
    first = pb.ReportLifeEventRequest(
        request_id="change-1", case_id=hers.case_id, event=_income_change("adaeze")
    )
    await alice.ReportLifeEvent(first)

    def reused(case_id: str, person_id: str) -> pb.ReportLifeEventRequest:
        return pb.ReportLifeEventRequest(
            request_id="change-1", case_id=case_id, event=_income_change(person_id)
        )

    her_member = her_other.household.members[0].person_id
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await alice.ReportLifeEvent(reused(her_other.case_id, her_member))
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    info = _error_info(caught.value)
    assert (info.reason, dict(info.metadata)) == ("REQUEST_ID_REUSED", {"case_id": hers.case_id})

    bob_member = his.household.members[0].person_id
    assert (await bob.ReportLifeEvent(reused(his.case_id, bob_member))).case.case_id == his.case_id
    # The supervisor's change-1 on Bob's case is the supervisor's own, not Bob's replayed.
    told = await supervisor.ReportLifeEvent(reused(his.case_id, bob_member))
    shown = (await bob.GetCase(pb.GetCaseRequest(case_id=his.case_id))).case
    assert told.case.case_id == his.case_id
    assert [e.kind for e in shown.history].count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 2


async def test_facts_are_prefilled_from_an_ssn_only_for_people_in_the_callers_cases(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    alice = coordination.stub_as("cw-alice")
    mallory = coordination.stub_as("cw-mallory")
    first = example("chen", "chen-first")
    await alice.SubmitApplication(first)
    member = first.household.members[0]

    bare = by_ssn_alone(first, "by-ssn")

    count_before = _case_count(coordination)
    assert await _refused(mallory.SubmitApplication, bare) == "PREFILL_NOT_ENTITLED"
    assert _case_count(coordination) == count_before

    bare.request_id = "by-ssn-alice"
    case = (await alice.SubmitApplication(bare)).case
    assert case.household.members[0].name.given == member.name.given

    supervisor = coordination.stub_as("sv-1", "supervisor")
    report = (
        await supervisor.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=member.ssn))
    ).disclosures
    assert any(
        d.actor_caseworker == "cw-mallory" and d.detail == "PREFILL_NOT_ENTITLED: SubmitApplication"
        for d in report
    )


def _case_count(coordination) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import func, select

    from services.orchestrator.adapters.tables import CaseRow

    with coordination.orchestrator_db.session() as session:
        return session.exec(select(func.count()).select_from(CaseRow)).one()


async def test_headers_naming_someone_else_are_ignored(coordination) -> None:  # type: ignore[no-untyped-def]
    """x-on-behalf-of is believed only from the orchestrator; a tool cannot borrow a name."""
    handle = coordination.handle
    tool = LocalTool(handle.credentials, MTLS, CASEWORKER_TOOL)
    metadata = [*tool.metadata("cw-eve", "caseworker"), ("x-on-behalf-of", "sv-1")]
    async with open_tool_channel(handle.target, tool.tls(), metadata) as channel:
        stub = pb_stub(channel)
        case = (await stub.SubmitApplication(example("johnson", "johnson-eve"))).case
    supervisor = coordination.stub_as("sv-1", "supervisor")
    report = (
        await supervisor.GetDisclosureReport(
            pb.GetDisclosureReportRequest(ssn=example("johnson", "x").household.members[0].ssn)
        )
    ).disclosures
    assert {d.actor_caseworker for d in report if d.case_id == case.case_id} <= {"cw-eve", ""}


def test_the_plaintext_mode_is_a_setting_not_a_default() -> None:
    from shared.settings import load_settings

    assert load_settings("orchestrator").tls_mode == MTLS
    assert load_settings("orchestrator", tls_mode=PLAINTEXT).tls_files() is None
    with pytest.raises(ValueError, match="ELIG_TLS_MODE"):
        load_settings("orchestrator", tls_mode="off").tls_files()


async def test_agencies_record_the_proven_orchestrator_and_the_caseworker_it_acted_for(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    from services.ssa.tables import AUDIT as SSA_AUDIT
    from services.treasury.tables import AUDIT as TREASURY_AUDIT

    alice = coordination.stub_as("cw-alice")
    await alice.SubmitApplication(example("okafor", "okafor-on-behalf"))
    for name, log in (("ssa", SSA_AUDIT), ("treasury", TREASURY_AUDIT)):
        with coordination.databases[name].session() as session:
            entries = list(session.exec(select(log.entry)))
        assert entries, name
        assert {(e.actor_service, e.actor_caseworker) for e in entries} == {
            ("orchestrator", "cw-alice")
        }, name


def _bent_tokens(credentials: Path) -> dict[str, tuple[str, str]]:
    """Tokens signed with the issuer's own key whose claims are wrong, or whose signed
    parts were changed after signing: name -> (token, the reason it must be refused with)."""
    from shared import jws
    from shared.caseworker_token import TOKEN_TYPE
    from shared.signing_keys import load_private_key

    key = load_private_key(LocalTokenKeys.in_data_dir(credentials).private_key_path)
    tool = LocalTool(credentials, MTLS, CASEWORKER_TOOL)
    genuine = tool.token("cw-9", "caseworker")
    header, claims_part, signature = genuine.split(".")
    claims = jws.json_object(claims_part)

    def signed(**changes):  # type: ignore[no-untyped-def]
        return jws.sign(key, TOKEN_TYPE, {**claims, **changes})

    promoted = jws.b64json({**claims, "role": "supervisor"})
    unsigned = jws.b64json({"alg": "none", "typ": TOKEN_TYPE})
    return {
        "role raised after signing": (f"{header}.{promoted}.{signature}", "TOKEN_INVALID"),
        "signature dropped": (f"{header}.{claims_part}.", "TOKEN_INVALID"),
        "alg none": (f"{unsigned}.{promoted}.", "TOKEN_INVALID"),
        "another kind of credential": (
            jws.sign(key, "elig-consent+jws", claims),
            "TOKEN_INVALID",
        ),
        "another audience": (signed(aud="treasury"), "TOKEN_WRONG_AUDIENCE"),
        "longer than a shift": (
            signed(exp=claims["iat"] + 13 * 3600),
            "TOKEN_LIFETIME_TOO_LONG",
        ),
        "version true": (signed(ver=True), "TOKEN_INVALID"),
        "unknown role": (signed(role="admin"), "TOKEN_INVALID"),
        "no binding": (
            jws.sign(key, TOKEN_TYPE, {k: v for k, v in claims.items() if k != "cnf"}),
            "TOKEN_NOT_BOUND",
        ),
    }


async def test_every_orchestrator_method_refuses_every_bad_token_before_anything_else(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """The token is checked at the door, whatever the method: each bad token, on each
    method, is UNAUTHENTICATED with its reason (an empty request would otherwise be
    INVALID_ARGUMENT, so a method that skipped the check would show)."""
    handle = coordination.handle
    service = SERVICES["orchestrator"]
    tool = LocalTool(handle.credentials, MTLS, CASEWORKER_TOOL)
    tokens = {**_token_cases(handle.credentials), **_bent_tokens(handle.credentials)}
    for name, (token, reason) in tokens.items():
        async with open_tool_channel(handle.target, tool.tls(), tool_metadata(token=token)) as ch:
            for method in service.methods:
                got = await _outcome(ch, service, method)
                assert got == (NO_TOKEN, reason), (name, method.name, got)
    # One caller (the tool's certificate, no token holding): the first refusals of the
    # window one by one, the rest in the summary written when the window closes.
    await handle.refusal_windows.close()
    refused = handle.refusals()
    assert len(refused) == DEFAULT_PER_WINDOW + 1
    assert refused_calls_in(refused) == len(tokens) * len(service.methods)
    assert {e.outcome for e in refused} == {"REFUSED"}


async def test_an_ssn_typed_into_an_application_does_not_make_its_person_yours(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """Bob files a case carrying Alice's applicant's SSN under a made-up name and birth
    date. SSA does not match it, so the person is not his: not their consents, not who
    saw their data, not their facts from the SSN alone, not revoking their consent."""
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")
    application = example("okafor", "okafor-claimed")
    await alice.SubmitApplication(application)
    victim = application.household.members[0]
    consent = (await alice.ListConsents(pb.ListConsentsRequest(ssn=victim.ssn))).consents[0]

    decoy = example("chen", "chen-decoy")
    member = decoy.household.members[0]
    member.ssn = victim.ssn
    member.name.given, member.name.family = "Nobody", "Atall"
    member.birth_date.year = 1990
    assert (await bob.SubmitApplication(decoy)).case.case_id  # stored, its identity unmatched

    prefill = pb.SubmitApplicationRequest(request_id="claimed-prefill", programs=[1])
    prefill.household.members.add(
        person_id=victim.person_id, ssn=victim.ssn, applying=True, reuse_known_facts=True
    )
    revoke = pb.RevokeConsentRequest(request_id="claimed-r", consent_id=consent.consent_id)
    for method, request, reason in (
        (bob.ListConsents, pb.ListConsentsRequest(ssn=victim.ssn), "PERSON_NOT_ASSIGNED"),
        (
            bob.GetDisclosureReport,
            pb.GetDisclosureReportRequest(ssn=victim.ssn),
            "PERSON_NOT_ASSIGNED",
        ),
        (bob.SubmitApplication, prefill, "PREFILL_NOT_ENTITLED"),
        (bob.RevokeConsent, revoke, "PERSON_NOT_ASSIGNED"),
    ):
        assert await _refused(method, request) == reason, reason
    # A person SSA matched in Bob's own case is his to work with.
    chen = example("chen", "chen-own")
    await bob.SubmitApplication(chen)
    mine = chen.household.members[0].ssn
    assert (await bob.ListConsents(pb.ListConsentsRequest(ssn=mine))).consents
    assert (await alice.ListConsents(pb.ListConsentsRequest(ssn=victim.ssn))).consents == [consent]
