"""Fuzzing every method of every service over gRPC, on SQLite and PostgreSQL.

Whatever a request holds, the answer is never INTERNAL or UNKNOWN, a refused request
writes nothing (the audit log excepted, where the design asks for a refusal to be
recorded), and the service still answers health checks as SERVING. Methods come from
the generated descriptors (tests/fuzz/generators.py), so a new one is fuzzed as is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from shared.errors import ErrorDetails, details_of
from shared.purposes import DETERMINATION
from tests.fuzz.generators import Method, any_request, hostile, methods

NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
# Refusals the audit log records by design: an application an agency refused after others
# had been told about its people, and a release of tax data refused for want of consent.
AUDITED_REFUSALS = {"AGENCY_REFUSED"}
AUDITED_CODES = {grpc.StatusCode.PERMISSION_DENIED}


# How long a stream is listened to: one that is still open then is answering as meant.
STREAM_WINDOW = 0.5


class Services:
    """One channel per service of the coordination stack (and per special caller), and a
    way to count its rows."""

    def __init__(self, coordination: Any) -> None:
        handles = {"orchestrator": coordination.handle, **coordination.agencies}
        self.channels = {(name, None, None): handle.channel() for name, handle in handles.items()}
        for method in methods():
            if method.channel_key not in self.channels:
                handle = handles[method.home]
                self.channels[method.channel_key] = handle.channel(
                    method.caller, purpose=method.purpose
                )
        self._engine = coordination.orchestrator_db.engine  # every service shares it here

    async def call(self, method: Method, raw: bytes) -> grpc.StatusCode | ErrorDetails:
        channel = self.channels[method.channel_key]
        try:
            if method.server_streaming:
                await self._listen(channel.unary_stream(method.path)(raw, timeout=STREAM_WINDOW))
            else:
                await channel.unary_unary(method.path)(raw, timeout=30)
        except grpc.aio.AioRpcError as error:
            if method.server_streaming and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return grpc.StatusCode.OK
            return details_of(error)
        return grpc.StatusCode.OK

    @staticmethod
    async def _listen(stream: Any) -> None:
        async for _ in stream:
            pass

    async def serving(self, name: str) -> bool:
        stub = health_pb2_grpc.HealthStub(self.channels[(name, None, None)])
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        return reply.status == health_pb2.HealthCheckResponse.SERVING

    def row_counts(self) -> dict[str, int]:
        with self._engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            counts = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
            row = connection.execute(text(f"SELECT {counts}")).one()
        return dict(zip(tables, row, strict=True))

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


@pytest.fixture
async def services(coordination) -> AsyncIterator[Services]:  # type: ignore[no-untyped-def]
    opened = Services(coordination)
    yield opened
    await opened.close()


async def _check(services: Services, method: Method, raw: bytes) -> None:
    before = services.row_counts()
    outcome = await services.call(method, raw)
    assert await services.serving(method.home), f"{method.home} stopped serving"
    if outcome == grpc.StatusCode.OK:
        return
    assert isinstance(outcome, ErrorDetails)
    assert outcome.code not in NEVER, f"{method.path}: {outcome.code.name} {outcome.message}"
    grown = {t for t, n in services.row_counts().items() if n != before.get(t)}
    if outcome.reason in AUDITED_REFUSALS or outcome.code in AUDITED_CODES:
        grown = {t for t in grown if "audit" not in t}
    if outcome.reason in AUDITED_REFUSALS:
        # Treasury answered before another agency refused: the proof it honoured is spent.
        grown.discard("treasury_seen_nonce")
    assert not grown, f"{method.path} refused ({outcome.code.name}) but wrote to {grown}"


async def test_every_hand_picked_hostile_request_is_refused_cleanly(services) -> None:  # type: ignore[no-untyped-def]
    by_path = {m.path: m for m in methods()}
    for _name, path, raw in hostile():
        await _check(services, by_path[path], raw)


async def test_every_method_is_fuzzed_under_a_purpose_it_accepts(services) -> None:  # type: ignore[no-untyped-def]
    """A method open for some purposes only (HHS's enrollment periods: appeal, payment,
    audit) is sent its hostile input declaring one of them, or the gate would refuse it
    before its validation was ever reached."""
    assert any(m.purpose and m.purpose != DETERMINATION for m in methods())
    for method in methods():
        outcome = await services.call(method, method.message_class()().SerializeToString())
        if isinstance(outcome, ErrorDetails):
            assert outcome.reason != "PURPOSE_NOT_ALLOWED", method.path
    periods = next(m for m in methods() if m.name == "ListEnrollmentPeriods")
    raw = hhs_pb.ListEnrollmentPeriodsRequest(page_size=-1, page_token="%%").SerializeToString()
    refused = await services.call(periods, raw)
    assert isinstance(refused, ErrorDetails)
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in refused.violations} == {"case_id", "page_size"}


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_any_request_to_any_method_is_answered_cleanly(services, data) -> None:  # type: ignore[no-untyped-def]
    method = data.draw(st.sampled_from(methods()), label="method")
    _kind, raw = data.draw(any_request(method), label="request")
    await _check(services, method, raw)


def _life_events() -> tuple[Any, ...]:
    """Valid changes to the Rivera case, for mutation."""
    from eligibility.common.v1 import date_pb2, household_pb2
    from eligibility.common.v1 import life_event_pb2 as le

    day = date_pb2.Date(year=2026, month=11, day=20)
    baby = household_pb2.Person(
        person_id="baby",
        ssn="412558305",
        name=household_pb2.PersonName(given="Lucia", family="Rivera"),
        birth_date=day,
        citizenship=household_pb2.CITIZENSHIP_STATUS_CITIZEN,
    )
    return (
        le.LifeEvent(kind=le.LIFE_EVENT_KIND_BIRTH, effective_date=day, new_member=baby),
        le.LifeEvent(kind=le.LIFE_EVENT_KIND_DEATH, effective_date=day, person_id="jose"),
        le.LifeEvent(
            kind=le.LIFE_EVENT_KIND_DIVORCE,
            effective_date=day,
            person_id="maria",
            departing_person_ids=["jose"],
        ),
        le.LifeEvent(
            kind=le.LIFE_EVENT_KIND_MOVE,
            effective_date=day,
            new_address=household_pb2.Address(line1="1 Main", state_code="TX", county="Travis"),
        ),
        le.LifeEvent(kind=le.LIFE_EVENT_KIND_INCOME_CHANGE, effective_date=day, person_id="jose"),
    )


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_any_life_event_on_a_real_case_is_answered_cleanly(
    services, coordination, data
) -> None:  # type: ignore[no-untyped-def]
    """ReportLifeEvent against a case that exists, so the change is read past the lookup:
    generated events, and valid ones with fields replaced."""
    import uuid

    from eligibility.common.v1 import life_event_pb2 as le
    from eligibility.orchestrator.v1 import coordination_pb2 as pb
    from services.harness.households import example_paths, load_request
    from tests.fuzz.generators import message_of, mutated

    case_id = getattr(services, "rivera_case", "")
    if not case_id:
        rivera = next(p for p in example_paths() if "rivera" in p.name)
        reply = await coordination.orchestrator.SubmitApplication(load_request(rivera, "fz-r"))
        case_id = services.rivera_case = reply.case.case_id
    if data.draw(st.booleans(), label="generated"):
        event = data.draw(message_of(le.LifeEvent.DESCRIPTOR), label="event")
    else:
        event = data.draw(mutated(data.draw(st.sampled_from(_life_events()))), label="event")
    request = pb.ReportLifeEventRequest(
        request_id=f"fz-{uuid.uuid4().hex}", case_id=case_id, event=event
    )
    method = next(m for m in methods() if m.name == "ReportLifeEvent")
    await _check(services, method, request.SerializeToString())
