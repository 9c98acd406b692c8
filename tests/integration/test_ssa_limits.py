"""SSA's limit on identity checks per caller, and its audit of runs of non-matches, over
real gRPC on SQLite and PostgreSQL: what someone guessing a birth date meets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlmodel import col, select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa import seed as ssa_seed
from services.ssa.limiter import TokenBuckets
from services.ssa.mismatch_runs import MismatchRuns
from services.ssa.server import bindings
from services.ssa.tables import AUDIT, TABLES
from shared.audit import audit_subject_ref
from shared.consent import ensure_local_keys
from shared.context import CALLER_HEADER
from shared.db import Database
from shared.errors import details_of

MARIA_SSN = "412558301"
MARIA_BORN = dt.date(1989, 3, 14)


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


# Buckets are per proven caller. Only the orchestrator may call SSA as deployed, so this
# server admits a second certificate too, the "probe", to show one caller's limit is not
# another's.
PROBE = "hhs"
TWO_CALLERS = """
service: eligibility.ssa.v1.IdentityService
methods:
  VerifyIdentity:
    callers: [orchestrator, hhs]
"""


class Ssa:
    def __init__(self, handle, db: Database, key: bytes) -> None:  # type: ignore[no-untyped-def]
        self.handle, self.db, self.key = handle, db, key

    async def ask(self, caller: str, *born: dt.date) -> list[int]:
        """Ask whether Maria was born on each date; the match statuses."""
        request = pb.VerifyIdentityRequest(
            request_id="r",
            purpose="identity-verification-2027",
            case_id="c",
            people=[
                pb.IdentityQuery(
                    person_id=f"guess-{i}",
                    ssn=MARIA_SSN,
                    name=household_pb2.PersonName(given="Maria", family="Rivera"),
                    birth_date=date_pb2.Date(year=d.year, month=d.month, day=d.day),
                )
                for i, d in enumerate(born)
            ],
        )
        identity = PROBE if caller == "probe" else caller
        async with self.handle.channel(as_identity=identity) as channel:
            # A header claiming another name changes nothing: the certificate decides.
            reply = await pb_grpc.IdentityServiceStub(channel).VerifyIdentity(
                request, metadata=((CALLER_HEADER, "someone-else"),)
            )
        return [r.match_status for r in reply.results]

    def entries(self) -> list:  # type: ignore[type-arg]
        with self.db.session() as session:
            return list(session.exec(select(AUDIT.entry).order_by(col(AUDIT.entry.seq))).all())


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
async def ssa(serve, database_url, clock, tmp_path, ticks):  # type: ignore[no-untyped-def]
    db = Database(database_url, TABLES)
    db.create_tables()
    ssa_seed.seed(db)
    key = ensure_local_keys(tmp_path).subject_key()
    limiter = TokenBuckets(rate=1.0, burst=3, clock=ticks)
    policy = tmp_path / "ssa-two-callers.yaml"
    policy.write_text(TWO_CALLERS)
    served = [
        dataclasses.replace(b, access_policy=policy)
        for b in bindings(db, clock, key, limiter, MismatchRuns(threshold=5))
    ]
    yield Ssa(await serve(served), db, key)
    db.dispose()


def _guesses(count: int, start: int = 1) -> list[dt.date]:
    """Birth dates that are not Maria's."""
    return [MARIA_BORN + dt.timedelta(days=start + i) for i in range(count)]


def _retry_delay(error: grpc.aio.AioRpcError) -> dt.timedelta:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    (packed,) = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    info = error_details_pb2.RetryInfo()
    packed.Unpack(info)
    return info.retry_delay.ToTimedelta()


async def test_a_caller_over_its_limit_is_told_to_wait_and_others_are_not(ssa, ticks) -> None:  # type: ignore[no-untyped-def]
    for guess in _guesses(3):
        await ssa.ask("probe", guess)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ssa.ask("probe", *_guesses(1, start=10))
    details = details_of(caught.value)
    assert (details.code, details.reason) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "IDENTITY_CHECK_RATE_LIMITED",
    )
    assert _retry_delay(caught.value) == dt.timedelta(seconds=1)

    assert await ssa.ask("orchestrator", MARIA_BORN) == [pb.MATCH_STATUS_MATCH]
    ticks.at += 1.0
    assert await ssa.ask("probe", *_guesses(1, start=10)) == [pb.MATCH_STATUS_BIRTH_DATE_MISMATCH]


async def test_a_request_costs_one_check_per_person_in_it(ssa, ticks) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask("probe", *_guesses(2))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ssa.ask("probe", *_guesses(2, start=5))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    ticks.at += 1.0
    await ssa.ask("probe", *_guesses(2, start=5))


async def test_a_throttled_request_reaches_no_record_and_leaves_no_entry(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask("probe", *_guesses(3))
    before = len(ssa.entries())
    with pytest.raises(grpc.aio.AioRpcError):
        await ssa.ask("probe", MARIA_BORN)
    assert len(ssa.entries()) == before


async def test_a_run_of_non_matches_is_audited_as_such_without_the_ssn(ssa, ticks) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):  # one guess at a time, as the limit allows
        ticks.at += 1.0
        await ssa.ask("probe", *_guesses(1, start=i + 1))

    entries = ssa.entries()
    assert [e.detail for e in entries] == ["BIRTH_DATE_MISMATCH"] * 5 + [
        "MISMATCH_RUN: 5 non-matches in a row from hhs"
    ]
    run = entries[-1]
    assert (run.outcome, run.actor_service) == ("REFUSED", "hhs")
    assert run.subject_ref == audit_subject_ref(ssa.key, MARIA_SSN)
    dumped = json.dumps([e.model_dump(mode="json") for e in entries])
    assert MARIA_SSN not in dumped


async def test_a_match_ends_the_run_and_a_new_one_counts_from_nothing(ssa, ticks) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask("probe", *_guesses(3))
    ticks.at += 3.0
    await ssa.ask("probe", *_guesses(1, start=4), MARIA_BORN, *_guesses(1, start=5))
    ticks.at += 3.0
    await ssa.ask("probe", *_guesses(3, start=6))
    assert not [e for e in ssa.entries() if e.detail.startswith("MISMATCH_RUN")]
    ticks.at += 3.0
    await ssa.ask("probe", *_guesses(1, start=9))
    (run,) = [e.detail for e in ssa.entries() if e.detail.startswith("MISMATCH_RUN")]
    assert run == "MISMATCH_RUN: 5 non-matches in a row from hhs"
