"""Hostile requests for every method of every service, generated from the descriptors.

Methods are found by reading every generated ``*_pb2`` module, so a method added to a
proto is fuzzed without touching this file. Each request is one of four kinds:

- ``generated``: a message built field by field from its descriptor, every field
  optional, with values chosen to hurt (huge and negative integers, enum numbers the
  schema does not know, long strings, NUL, non-ASCII), and repeated fields copied out
  to past any cap;
- ``mutated``: a valid request (built from the example households) with a few fields
  replaced by such values, so the fuzzing reaches past intake into agency calls;
- ``raw``: bytes that are rarely a message: random, or a valid request cut short or
  with bytes flipped;
- ``hostile``: the hand-picked cases an attacker's fuzzer found.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

import eligibility
from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from services.harness.households import example_paths, load_request
from services.orchestrator.adapters import agency_requests
from shared.access import AccessPolicy
from shared.purposes import DETERMINATION

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Copying out a repeated field stops here, under the server's 4 MiB receive limit, so
# the copies reach our code; a request generated larger than that still happens now and
# then, and gRPC refuses it (RESOURCE_EXHAUSTED) before any of our code runs.
MAX_GENERATED_BYTES = 3 * 1024 * 1024


# Methods only one caller may pass the gate of: fuzzed as that caller, so the generated
# messages reach their validation. Every other agency method is fuzzed as the orchestrator.
CALLERS = {"RecordDeath": "vital-records"}
# Where each service keeps its access policy (services/<name>/access.yaml).
SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


@cache
def admitted_purposes() -> dict[str, frozenset[str]]:
    """Method path -> the purposes its service's access policy admits a call for, for the
    methods whose policy names any."""
    policy = AccessPolicy.load(*sorted(SERVICES_DIR.glob("*/access.yaml")))
    return {path: rule.purposes for path, rule in policy.rules.items() if rule.purposes}


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    input: Descriptor
    # The server answers with a stream (read until it ends or a short deadline passes).
    server_streaming: bool = False

    @property
    def caller(self) -> str | None:
        """The identity the method is fuzzed as, where it is not the default one."""
        return CALLERS.get(self.name)

    @property
    def purpose(self) -> str | None:
        """The purpose the method is fuzzed under, so the gate lets the request reach its
        validation: the determination where the policy admits it, else the first purpose
        the policy names; None where it names none (the caller's default then)."""
        admitted = admitted_purposes().get(self.path)
        if not admitted:
            return None
        return DETERMINATION if DETERMINATION in admitted else sorted(admitted)[0]

    @property
    def channel_key(self) -> tuple[str, str | None, str | None]:
        """Which of the fuzzer's channels the method is sent on: its server, and the
        identity and purpose it is called with where they are not the default ones."""
        return (self.home, self.caller, self.purpose)

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"

    @property
    def home(self) -> str:
        """The service's package, which names the server it runs on: "eligibility.ssa.v1" -> "ssa"."""
        return self.service.split(".")[1]

    def message_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.input)


@cache
def methods() -> tuple[Method, ...]:
    """Every RPC of every service in the generated code, in a stable order."""
    found: dict[str, Method] = {}
    for root in map(Path, eligibility.__path__):
        for source in sorted(root.rglob("*_pb2.py")):
            name = ".".join(("eligibility", *source.relative_to(root).with_suffix("").parts))
            module = importlib.import_module(name)
            for service in module.DESCRIPTOR.services_by_name.values():
                for method in service.methods:
                    found[f"{service.full_name}/{method.name}"] = Method(
                        service.full_name,
                        method.name,
                        method.input_type,
                        method.server_streaming,
                    )
    return tuple(found[key] for key in sorted(found))


# --- values --------------------------------------------------------------------------

_TEXTS = st.one_of(
    st.sampled_from(["", "TX", "p1", "523110042", "treasury", "income", "2027", " ", "ZZ"]),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.builds(
        lambda piece, times: piece * times,
        st.sampled_from(["a", "\x00", "é", "🙂", "ab\x00"]),
        st.integers(60, 70_000),
    ),
)


def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    edges = [0, 1, -1, 13, 2013, 2027, 2028, 10_000, low, high, low + 1, high - 1]
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def _enum_numbers(field: FieldDescriptor) -> st.SearchStrategy[int]:
    known = sorted(field.enum_type.values_by_number)
    return st.one_of(st.sampled_from(known), _ints(*INT32))


def scalar(field: FieldDescriptor) -> st.SearchStrategy[object]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return _TEXTS
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=300)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_ENUM:
        return _enum_numbers(field)
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=32)
    if kind in (
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SFIXED64,
    ):
        return _ints(*INT64)
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return _ints(0, 2**64 - 1)
    if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return _ints(0, 2**32 - 1)
    return _ints(*INT32)


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _assign(message: Message, field: FieldDescriptor, value: object) -> None:
    if _is_repeated(field):
        target = getattr(message, field.name)
        if field.message_type is not None:
            target.add().CopyFrom(value)  # type: ignore[arg-type]
        else:
            target.append(value)
    elif field.message_type is not None:
        getattr(message, field.name).CopyFrom(value)
    else:
        setattr(message, field.name, value)


@st.composite
def message_of(draw: st.DrawFn, descriptor: Descriptor, depth: int = 0) -> Message:
    """Any message of this type: each field left unset or given hostile values."""
    message = message_factory.GetMessageClass(descriptor)()
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            continue  # no request has a map; responses do
        if not draw(st.booleans()):
            continue
        count = draw(st.integers(1, 4)) if _is_repeated(field) else 1
        for _ in range(count):
            if field.message_type is not None:
                if depth >= 6:
                    break
                value = draw(message_of(field.message_type, depth + 1))
            else:
                value = draw(scalar(field))
            _assign(message, field, value)
    return message


def _slots(message: Message) -> list[tuple[Message, FieldDescriptor]]:
    """Every (message, field) of a request that could be set, nested ones included."""
    out: list[tuple[Message, FieldDescriptor]] = []
    pending = [message]
    while pending:
        current = pending.pop()
        for field in current.DESCRIPTOR.fields:
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                continue
            out.append((current, field))
            if field.message_type is None:
                continue
            if _is_repeated(field):
                pending.extend(getattr(current, field.name))
            elif current.HasField(field.name):
                pending.append(getattr(current, field.name))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: Message) -> Message:
    """A copy of a valid request with one to four fields replaced or appended to."""
    message = type(base)()
    message.CopyFrom(base)
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(message)
        if not slots:
            break  # a request with no fields (VerifyAuditLog)
        owner, field = draw(st.sampled_from(slots))
        if field.message_type is not None:
            value = draw(message_of(field.message_type, 4))
        else:
            value = draw(scalar(field))
        if _is_repeated(field) and draw(st.booleans()):
            del getattr(owner, field.name)[:]
        elif not _is_repeated(field) and field.message_type is not None:
            owner.ClearField(field.name)
        _assign(owner, field, value)
    return message


@st.composite
def amplified(draw: st.DrawFn, inner: st.SearchStrategy[Message]) -> Message:
    """Sometimes copy one repeated field's first item out to many (100,000 members is one
    line in a real attack): caps must hold before anything walks the items."""
    message = draw(inner)
    if draw(st.integers(0, 3)) != 0:
        return message
    filled = [
        (owner, field)
        for owner, field in _slots(message)
        if _is_repeated(field) and len(getattr(owner, field.name))
    ]
    if not filled:
        return message
    owner, field = draw(st.sampled_from(filled))
    items = getattr(owner, field.name)
    first = items[0]
    # Each copy costs its own bytes plus a tag and a length; stop short of the limit.
    size = first.ByteSize() if field.message_type is not None else len(str(first).encode())
    each = size + 8
    room = max(0, (MAX_GENERATED_BYTES - message.ByteSize()) // each)
    times = min(draw(st.sampled_from([51, 101, 2_451, 20_000])), room)
    items.extend([first] * times)
    return message


# --- valid requests to start from ----------------------------------------------------


@cache
def _examples() -> tuple[pb.SubmitApplicationRequest, ...]:
    return tuple(load_request(path, f"fuzz-{path.stem}") for path in example_paths())


@cache
def valid_bases() -> dict[str, tuple[Message, ...]]:
    """Requests each method would answer, by method path; methods absent here start from
    an empty message."""
    apps = _examples()
    households = [a.household for a in apps]
    month = dt.date(2026, 11, 1)
    sweep = [
        pb.SimulateIncomeSweepRequest(
            household=h,
            programs=a.programs,
            plan_year=a.plan_year,
            person_id=h.members[0].person_id,
            from_annual_cents=0,
            to_annual_cents=4_000_000,
            step_cents=1_000_000,
        )
        for a, h in zip(apps, households, strict=True)
    ]
    ssns = [m.ssn for h in households for m in h.members]
    return {
        **_change_bases(households),
        "/eligibility.orchestrator.v1.CoordinationService/SubmitApplication": apps,
        "/eligibility.orchestrator.v1.CoordinationService/SimulateIncomeSweep": tuple(sweep),
        "/eligibility.orchestrator.v1.CoordinationService/ListConsents": tuple(
            pb.ListConsentsRequest(ssn=s) for s in ssns
        ),
        "/eligibility.orchestrator.v1.CoordinationService/GetDisclosureReport": tuple(
            pb.GetDisclosureReportRequest(ssn=s) for s in ssns
        ),
        "/eligibility.orchestrator.v1.CoordinationService/ListCases": (
            pb.ListCasesRequest(page_size=2),
        ),
        "/eligibility.ssa.v1.IdentityService/VerifyIdentity": tuple(
            agency_requests.ssa_request(list(h.members), 2027, "case", "fuzz") for h in households
        ),
        "/eligibility.treasury.v1.IncomeVerificationService/VerifyHouseholdIncome": tuple(
            agency_requests.treasury_request(
                h, list(h.tax_units[0].filer_person_ids), 2027, "case", "fuzz", ""
            )
            for h in households
            if h.tax_units
        ),
        "/eligibility.hhs.v1.SubsidyEligibilityService/DetermineEligibility": tuple(
            agency_requests.hhs_request(h, 2027) for h in households
        ),
        "/eligibility.usda.v1.SnapEligibilityService/DetermineSnapEligibility": tuple(
            agency_requests.snap_request(h, month) for h in households
        ),
    }


def _change_bases(households: list[hh.Household]) -> dict[str, tuple[Message, ...]]:
    """A change notice every agency would take (one per example household, a move with
    every program's answers on it), and deaths SSA would record."""
    notices = []
    for i, household in enumerate(households):
        notice = le.ChangeNotice(
            idempotency_key=f"fuzz-notice-{i}",
            case_id=f"fuzz-case-{i}",
            kind=le.LIFE_EVENT_KIND_MOVE,
            effective_date=date_pb2.Date(year=2026, month=11, day=1),
            subjects=[
                le.NoticeSubject(person_id=m.person_id, ssn=m.ssn) for m in household.members
            ],
            new_address=household.address,
        )
        for member in household.members:
            notice.determinations.add(
                person_id=member.person_id,
                programs=[
                    det.ProgramDetermination(
                        program=det.PROGRAM_MEDICAID, status=det.DETERMINATION_STATUS_ELIGIBLE
                    )
                ],
            )
        notice.household_determinations.add(
            program=det.PROGRAM_SNAP,
            status=det.DETERMINATION_STATUS_ELIGIBLE,
            monthly_benefit_cents=29_100,
        )
        notices.append(notice)
    bases: dict[str, tuple[Message, ...]] = {}
    for module, service in (
        (treasury_pb, "eligibility.treasury.v1.IncomeVerificationService"),
        (ssa_pb, "eligibility.ssa.v1.IdentityService"),
        (hhs_pb, "eligibility.hhs.v1.SubsidyEligibilityService"),
        (usda_pb, "eligibility.usda.v1.SnapEligibilityService"),
    ):
        bases[f"/{service}/ReceiveChange"] = tuple(
            module.ReceiveChangeRequest(request_id=n.idempotency_key, notice=n) for n in notices
        )
    members = [m for h in households for m in h.members]
    bases["/eligibility.ssa.v1.IdentityService/RecordDeath"] = tuple(
        ssa_pb.RecordDeathRequest(
            request_id=f"fuzz-death-{i}",
            ssn=m.ssn,
            death_date=date_pb2.Date(year=2026, month=11, day=1),
            reported_by="fuzz",
        )
        for i, m in enumerate(members)
    )
    bases["/eligibility.ssa.v1.IdentityService/WatchDeathReports"] = (
        ssa_pb.WatchDeathReportsRequest(after_sequence=0),
    )
    return bases


def _fresh_request_id(message: Message) -> Message:
    """A new request_id on a valid application, so it is decided rather than replayed."""
    if isinstance(message, pb.SubmitApplicationRequest) and message.request_id.startswith("fuzz"):
        message.request_id = f"fuzz-{uuid.uuid4().hex}"
    return message


# --- the hand-picked cases -----------------------------------------------------------


def _application(change) -> bytes:  # type: ignore[no-untyped-def]
    request = pb.SubmitApplicationRequest()
    request.CopyFrom(_examples()[0])
    request.request_id = "fuzz-hostile"
    change(request)
    return request.SerializeToString()


def _crowd(request: pb.SubmitApplicationRequest) -> None:
    for i in range(100_000):
        request.household.members.add(person_id=f"p{i}")


def _many_problems(request: pb.SubmitApplicationRequest) -> None:
    for i in range(49):
        request.household.members.add(person_id=f"x{i}", ssn="000000000")


def _hhs(change) -> bytes:  # type: ignore[no-untyped-def]
    request = hhs_pb.DetermineEligibilityRequest()
    request.CopyFrom(valid_bases()[_HHS][0])
    change(request)
    return request.SerializeToString()


_SUBMIT = "/eligibility.orchestrator.v1.CoordinationService/SubmitApplication"
_HHS = "/eligibility.hhs.v1.SubsidyEligibilityService/DetermineEligibility"
_USDA = "/eligibility.usda.v1.SnapEligibilityService/DetermineSnapEligibility"
_LIST = "/eligibility.orchestrator.v1.CoordinationService/ListCases"
_WATCH = "/eligibility.orchestrator.v1.CoordinationService/WatchCase"


@cache
def hostile() -> tuple[tuple[str, str, bytes], ...]:
    """(name, method path, request bytes): what the attacker's fuzzer found."""
    cases: list[tuple[str, str, bytes]] = [
        ("plan year 10000", _SUBMIT, _application(lambda r: setattr(r, "plan_year", 10_000))),
        ("plan year -1", _SUBMIT, _application(lambda r: setattr(r, "plan_year", -1))),
        ("plan year 2^31-1", _SUBMIT, _application(lambda r: setattr(r, "plan_year", 2**31 - 1))),
        (
            "citizenship 4",
            _SUBMIT,
            _application(lambda r: setattr(r.household.members[0], "citizenship", 4)),
        ),
        (
            "citizenship 42",
            _SUBMIT,
            _application(lambda r: setattr(r.household.members[0], "citizenship", 42)),
        ),
        (
            "income kind 99",
            _SUBMIT,
            _application(
                lambda r: r.household.members[0].incomes.add(kind=99, annual_amount_cents=1)
            ),
        ),
        (
            "filing status 9",
            _SUBMIT,
            _application(lambda r: setattr(r.household.tax_units[0], "filing_status", 9)),
        ),
        (
            "incomes summing past 2^63",
            _SUBMIT,
            _application(
                lambda r: r.household.members[0].incomes.extend(
                    [hh.Income(kind=1, annual_amount_cents=INT64[1])] * 2
                )
            ),
        ),
        (
            "income beyond HHS's range",
            _SUBMIT,
            _application(
                lambda r: r.household.members[0].incomes.extend(
                    [hh.Income(kind=1, annual_amount_cents=90_000_000_000)] * 3
                )
            ),
        ),
        (
            "NUL in person_id",
            _SUBMIT,
            _application(lambda r: setattr(r.household.members[0], "person_id", "p\x00")),
        ),
        (
            "person_id of 65 characters",
            _SUBMIT,
            _application(lambda r: setattr(r.household.members[0], "person_id", "p" * 65)),
        ),
        (
            "1 MB name",
            _SUBMIT,
            _application(lambda r: setattr(r.household.members[0].name, "given", "G" * 1_000_000)),
        ),
        (
            "2.6 MB address",
            _SUBMIT,
            _application(lambda r: setattr(r.household.address, "line1", "A" * 2_600_000)),
        ),
        ("100,000 members", _SUBMIT, _application(_crowd)),
        ("250 violations", _SUBMIT, _application(_many_problems)),
        (
            "page token without a zone",
            _LIST,
            pb.ListCasesRequest(
                page_token="WyIyMDI2LTExLTI1VDE1OjAwOjAwIiwgImZmZmYiXQ=="
            ).SerializeToString(),
        ),
        ("HHS plan year 2013", _HHS, _hhs(lambda r: setattr(r, "plan_year", 2013))),
        ("HHS plan year 2^31-1", _HHS, _hhs(lambda r: setattr(r, "plan_year", 2**31 - 1))),
        (
            "USDA earnings 2^63-1",
            _USDA,
            usda_pb.DetermineSnapEligibilityRequest(
                state_code="TX",
                members=[usda_pb.SnapMember(person_id="a", monthly_earned_income_cents=INT64[1])],
            ).SerializeToString(),
        ),
    ]
    cases += [
        (f"watch {name}", _WATCH, pb.WatchCaseRequest(**fields).SerializeToString())
        for name, fields in (
            ("from before the first event", {"case_id": "0" * 32, "after_sequence": -1}),
            ("after int64 min", {"case_id": "0" * 32, "after_sequence": INT64[0]}),
            ("after int64 max", {"case_id": "0" * 32, "after_sequence": INT64[1]}),
            ("a case id with NUL", {"case_id": "ab\x00cd"}),
            ("a case id of 10,000 characters", {"case_id": "c" * 10_000}),
        )
    ]
    for method in methods():
        cases.append((f"not a message: {method.name}", method.path, b"\x0a\xff\xff\xff\xff\x0f"))
    return tuple(cases)


# --- one request of any kind ---------------------------------------------------------

KINDS = ("generated", "mutated", "raw", "hostile")


@st.composite
def any_request(draw: st.DrawFn, method: Method) -> tuple[str, bytes]:
    """(kind, bytes) of one request for ``method``."""
    kind = draw(st.sampled_from(KINDS))
    bases = valid_bases().get(method.path, (method.message_class()(),))
    if kind == "generated":
        message = draw(amplified(message_of(method.input)))
    elif kind == "mutated":
        message = draw(amplified(mutated(draw(st.sampled_from(bases)))))
    elif kind == "raw":
        base = draw(st.sampled_from(bases)).SerializeToString()
        raw = draw(
            st.one_of(
                st.binary(max_size=400),
                st.integers(0, max(len(base) - 1, 0)).map(lambda n: base[:n]),
                st.tuples(st.integers(0, max(len(base) - 1, 0)), st.integers(1, 255)).map(
                    lambda at: (
                        base[: at[0]] + bytes([base[at[0]] ^ at[1]]) + base[at[0] + 1 :]
                        if base
                        else b"\xff"
                    )
                ),
            )
        )
        return kind, raw
    else:
        mine = [c for c in hostile() if c[1] == method.path]
        if not mine:
            return kind, b"\x0a\xff\xff\xff\xff\x0f"
        return kind, draw(st.sampled_from(mine))[2]
    return kind, _fresh_request_id(message).SerializeToString()
