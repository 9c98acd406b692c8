"""Treasury over real gRPC, on SQLite and PostgreSQL, with a valid consent proof."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.treasury.v1 import income_verification_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as pb_grpc
from services.treasury import seed as treasury_seed
from services.treasury.server import bindings
from services.treasury.tables import TABLES
from shared.consent import ensure_local_keys
from shared.db import Database
from shared.errors import details_of

PURPOSE = "marketplace-eligibility-2027"


class ConsentingTreasury:
    """A Treasury stub whose requests carry a valid proof for exactly their filers."""

    def __init__(self, stub, signer, clock) -> None:  # type: ignore[no-untyped-def]
        self._stub, self._signer, self._clock = stub, signer, clock

    async def VerifyHouseholdIncome(self, request: pb.VerifyHouseholdIncomeRequest):  # type: ignore[no-untyped-def]
        request.purpose = request.purpose or PURPOSE
        request.case_id = request.case_id or "case-test"
        now = self._clock.now()
        ssns = [f.ssn for f in request.filers] or ["000000000"]
        request.consent_proof = self._signer.issue(
            consent_ids=["consent-test"],
            ssns=ssns,
            purpose=request.purpose,
            facts=["income"],
            audience="treasury",
            case_id=request.case_id,
            tax_years=[request.tax_year],
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=60),
        )
        return await self._stub.VerifyHouseholdIncome(request)


@pytest.fixture
async def treasury(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    keys = ensure_local_keys(tmp_path)
    db = Database(database_url, TABLES)
    db.create_tables()
    treasury_seed.seed(db)
    handle = await serve(bindings(db, clock, keys.verifier(), keys.subject_key()))
    async with handle.channel() as channel:
        yield ConsentingTreasury(
            pb_grpc.IncomeVerificationServiceStub(channel), keys.signer(), clock
        )
    db.dispose()


def _filer(person_id: str, ssn: str, given: str, family: str, y: int, m: int, d: int):  # type: ignore[no-untyped-def]
    return pb.TaxFiler(
        person_id=person_id,
        ssn=ssn,
        name=household_pb2.PersonName(given=given, family=family),
        birth_date=date_pb2.Date(year=y, month=m, day=d),
    )


async def test_joint_filers_are_verified_from_the_seeded_return(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.VerifyHouseholdIncome(
        pb.VerifyHouseholdIncomeRequest(
            request_id="r1",
            tax_year=2025,
            filers=[
                _filer("p1", "412558301", "Maria", "Rivera", 1989, 3, 14),
                _filer("p2", "412558302", "Jose", "Rivera", 1986, 11, 2),
            ],
        )
    )
    by_id = {r.person_id: r for r in reply.results}
    for pid in ("p1", "p2"):
        assert by_id[pid].status == pb.VERIFICATION_STATUS_VERIFIED
        assert by_id[pid].agi_cents == 4_120_000
        assert by_id[pid].family_size == 4
        assert by_id[pid].tax_year == 2025
        assert by_id[pid].filing_status == household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY


async def test_magi_adds_back_untaxed_income(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.VerifyHouseholdIncome(
        pb.VerifyHouseholdIncomeRequest(
            tax_year=2025, filers=[_filer("a", "391772215", "Dorothy", "Johnson", 1964, 7, 15)]
        )
    )
    (result,) = reply.results
    assert (result.agi_cents, result.magi_cents) == (2_730_000, 2_730_000 + 410_000)


async def test_falls_back_to_latest_earlier_year(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.VerifyHouseholdIncome(
        pb.VerifyHouseholdIncomeRequest(
            tax_year=2026, filers=[_filer("w", "523110042", "Wei", "Chen", 1996, 8, 30)]
        )
    )
    assert reply.results[0].tax_year == 2025
    assert reply.results[0].agi_cents == 1_740_000


async def test_wrong_birth_date_is_an_identity_mismatch_and_releases_nothing(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.VerifyHouseholdIncome(
        pb.VerifyHouseholdIncomeRequest(
            tax_year=2025, filers=[_filer("w", "523110042", "Wei", "Chen", 1996, 8, 31)]
        )
    )
    (result,) = reply.results
    assert result.status == pb.VERIFICATION_STATUS_IDENTITY_MISMATCH
    assert result.agi_cents == 0 and result.magi_cents == 0


async def test_unknown_ssn_is_no_record(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.VerifyHouseholdIncome(
        pb.VerifyHouseholdIncomeRequest(
            tax_year=2025, filers=[_filer("x", "123450001", "Nobody", "Known", 1990, 1, 1)]
        )
    )
    assert reply.results[0].status == pb.VERIFICATION_STATUS_NO_RECORD


async def test_bad_request_lists_every_violation(treasury) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await treasury.VerifyHouseholdIncome(
            pb.VerifyHouseholdIncomeRequest(
                tax_year=1999,
                filers=[_filer("x", "12-34", "", "Known", 1990, 2, 30)],
                purpose=" ",
            )
        )
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.reason == "INVALID_ARGUMENT"
    fields = {v.field for v in details.violations}
    assert fields == {
        "purpose",
        "tax_year",
        "filers[0].ssn",
        "filers[0].name.given",
        "filers[0].birth_date",
    }
