"""SSA identity verification over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import func, select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa import seed as ssa_seed
from services.ssa.server import SERVICE_NAME, bindings
from services.ssa.tables import TABLES, SsaPerson
from shared.consent import ensure_local_keys
from shared.db import Database
from shared.errors import details_of


@pytest.fixture
async def ssa_handle(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    db = Database(database_url, TABLES)
    db.create_tables()
    ssa_seed.seed(db)
    handle = await serve(bindings(db, clock, ensure_local_keys(tmp_path).subject_key()))
    yield handle
    db.dispose()


@pytest.fixture
async def ssa(ssa_handle):  # type: ignore[no-untyped-def]
    async with ssa_handle.channel() as channel:
        yield pb_grpc.IdentityServiceStub(channel)


def _person(person_id: str, ssn: str, given: str, family: str, y: int, m: int, d: int):  # type: ignore[no-untyped-def]
    return pb.IdentityQuery(
        person_id=person_id,
        ssn=ssn,
        name=household_pb2.PersonName(given=given, family=family),
        birth_date=date_pb2.Date(year=y, month=m, day=d),
    )


def _request(*people: pb.IdentityQuery) -> pb.VerifyIdentityRequest:
    return pb.VerifyIdentityRequest(
        request_id="r1", people=list(people), purpose="marketplace-eligibility", case_id="c1"
    )


async def test_household_members_match_in_the_order_asked(ssa) -> None:  # type: ignore[no-untyped-def]
    reply = await ssa.VerifyIdentity(
        _request(
            _person("p4", "412558304", "Mateo", "Rivera", 2019, 1, 9),
            _person("p1", "412558301", "Maria", "Rivera", 1989, 3, 14),
        )
    )
    assert [r.person_id for r in reply.results] == ["p4", "p1"]
    for result in reply.results:
        assert result.match_status == pb.MATCH_STATUS_MATCH
        assert result.citizenship_verified
        assert not result.death_indicator


async def test_lawfully_present_person_matches_without_citizenship(ssa) -> None:  # type: ignore[no-untyped-def]
    reply = await ssa.VerifyIdentity(
        _request(_person("c", "256407712", "Chidi", "Okafor", 1977, 12, 19))
    )
    (result,) = reply.results
    assert result.match_status == pb.MATCH_STATUS_MATCH
    assert not result.citizenship_verified


async def test_deceased_person_carries_the_death_date(ssa) -> None:  # type: ignore[no-untyped-def]
    reply = await ssa.VerifyIdentity(
        _request(_person("h", "301668840", "Harold", "Price", 1941, 1, 30))
    )
    (result,) = reply.results
    assert result.death_indicator
    assert (result.death_date.year, result.death_date.month, result.death_date.day) == (2026, 9, 12)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (("x", "123450001", "Nobody", "Known", 1990, 1, 1), pb.MATCH_STATUS_NO_RECORD),
        (("h", "301668840", "Harriet", "Price", 1941, 1, 30), pb.MATCH_STATUS_NAME_MISMATCH),
        (("h", "301668840", "Harold", "Price", 1941, 1, 31), pb.MATCH_STATUS_BIRTH_DATE_MISMATCH),
    ],
)
async def test_anything_short_of_a_match_releases_only_the_status(ssa, query, status) -> None:  # type: ignore[no-untyped-def]
    # Harold Price is deceased and a citizen: none of that may leak on a mismatch.
    reply = await ssa.VerifyIdentity(_request(_person(*query)))
    (result,) = reply.results
    assert result.match_status == status
    assert result == pb.IdentityResult(person_id=query[0], match_status=status)


async def test_one_mismatch_does_not_fail_the_others(ssa) -> None:  # type: ignore[no-untyped-def]
    reply = await ssa.VerifyIdentity(
        _request(
            _person("a", "256407711", "Adaeze", "Okafor", 1979, 5, 5),
            _person("b", "256407712", "Chidi", "Okafor", 1977, 12, 20),
        )
    )
    assert [r.match_status for r in reply.results] == [
        pb.MATCH_STATUS_MATCH,
        pb.MATCH_STATUS_BIRTH_DATE_MISMATCH,
    ]


async def test_bad_request_lists_every_violation(ssa) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ssa.VerifyIdentity(
            pb.VerifyIdentityRequest(
                people=[
                    _person("x", "12-34", "", "Known", 1990, 2, 30),
                    _person("x", "666123456", "A", "B", 2030, 1, 1),
                ]
            )
        )
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.reason == "INVALID_ARGUMENT"
    assert {v.field for v in details.violations} == {
        "purpose",
        "people[0].ssn",
        "people[0].name.given",
        "people[0].birth_date",
        "people[1].person_id",
        "people[1].ssn",
        "people[1].birth_date",
    }


async def test_empty_request_is_refused(ssa) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ssa.VerifyIdentity(pb.VerifyIdentityRequest(purpose="marketplace-eligibility"))
    assert [v.field for v in details_of(caught.value).violations] == ["people"]


async def test_health_reports_serving(ssa_handle) -> None:  # type: ignore[no-untyped-def]
    async with ssa_handle.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_seeding_twice_keeps_one_record_per_ssn(database_url) -> None:  # type: ignore[no-untyped-def]
    db = Database(database_url, TABLES)
    db.create_tables()
    first = ssa_seed.seed(db)
    ssa_seed.seed(db)
    with db.session() as session:
        count = session.exec(select(func.count()).select_from(SsaPerson)).one()
    db.dispose()
    assert count == first > 0
