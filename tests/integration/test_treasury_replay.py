"""Consent proofs captured on the wire and replayed straight at Treasury, every way an
attacker might, over real gRPC on SQLite and PostgreSQL: a proof is good for the one
request it was made for, and for nothing once its consent is revoked.

Proofs are captured as an attacker on the wire would get them: by the Recorder on
Treasury's server during a real application. A used one is captured as it goes by; an
unused one is a request the network lost (the Recorder drops it unserved), which the
orchestrator then retried with a new proof.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from collections.abc import Callable

import grpc
import pytest
from sqlmodel import col, select

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as treasury_grpc
from services.treasury import server as treasury_server
from services.treasury.servicer import PRUNE_EVERY
from services.treasury.tables import AUDIT, TABLES, RevokedConsent, SeenNonce
from shared import consent
from shared.context import CALLER_HEADER
from shared.db import Database
from shared.errors import details_of
from shared.protoconv import timestamp_to_proto
from shared.signing_keys import load_private_key
from tests.integration.applications import example

VERIFY = "VerifyHouseholdIncome"
CHIDI_SSN = "256407712"
Request = treasury_pb.VerifyHouseholdIncomeRequest


def _copy(request: Request) -> Request:
    out = Request()
    out.CopyFrom(request)
    return out


async def _apply(coordination, lost: int = 0, stem: str = "okafor") -> list[Request]:  # type: ignore[no-untyped-def]
    """Submit a real application while listening at Treasury's door: what was sent there,
    the first ``lost`` of it dropped on the way and never served."""
    recorder = coordination.recorders["treasury"]
    recorder.drop_next = lost
    before = len(recorder.of(VERIFY))
    await coordination.orchestrator.SubmitApplication(example(stem, f"{stem}-app"))
    return [_copy(r) for r in recorder.of(VERIFY)[before:]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict:  # type: ignore[type-arg]
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _resigned(token: str, keys, **changes: object) -> str:  # type: ignore[no-untyped-def]
    """The proof with its claims changed and signed again with the stack's real key."""
    header = token.split(".")[0]
    claims = {**_claims(token), **changes}
    body = _b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
    signature = load_private_key(keys.private_key_path).sign(f"{header}.{body}".encode())
    return f"{header}.{body}.{_b64(signature)}"


@pytest.fixture
async def treasury(coordination):  # type: ignore[no-untyped-def]
    async with coordination.agencies["treasury"].channel() as channel:
        yield treasury_grpc.IncomeVerificationServiceStub(channel)


@pytest.fixture
def treasury_db(coordination, database_url):  # type: ignore[no-untyped-def]
    """Treasury's database, read beside the running service."""
    db = Database(database_url, TABLES)
    yield db
    db.dispose()


def _entries(db: Database) -> list:  # type: ignore[type-arg]
    with db.session() as session:
        return list(session.exec(select(AUDIT.entry).order_by(col(AUDIT.entry.seq))).all())


async def _reason(stub, request: Request) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.VerifyHouseholdIncome(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.PERMISSION_DENIED
    return details.reason or ""


async def test_a_captured_proof_is_refused_the_second_time_and_the_refusal_audited(  # type: ignore[no-untyped-def]
    coordination, treasury, treasury_db
) -> None:
    (sent,) = await _apply(coordination)
    before = _entries(treasury_db)
    assert {e.outcome for e in before} == {"DISCLOSED"}

    assert await _reason(treasury, sent) == consent.REPLAYED
    after = _entries(treasury_db)[len(before) :]
    assert [(e.outcome, e.detail) for e in after] == [("REFUSED", consent.REPLAYED)] * 2
    assert {e.case_id for e in after} == {sent.case_id}


async def test_a_retried_request_carries_a_new_proof_for_the_same_request(coordination) -> None:  # type: ignore[no-untyped-def]
    lost, served = await _apply(coordination, lost=1)
    first, second = _claims(lost.consent_proof), _claims(served.consent_proof)
    assert first["jti"] != second["jti"]
    for claims in (first, second):
        assert (claims["aud"], claims["case"], claims["years"]) == (
            "treasury",
            served.case_id,
            [served.tax_year],
        )
        assert claims["exp"] - claims["iat"] <= 60


def _another_case(request: Request, keys, clock) -> None:  # type: ignore[no-untyped-def]
    request.case_id = "case-of-someone-else"


def _another_tax_year(request: Request, keys, clock) -> None:  # type: ignore[no-untyped-def]
    request.tax_year -= 1


def _another_audience(request: Request, keys, clock) -> None:  # type: ignore[no-untyped-def]
    request.consent_proof = _resigned(request.consent_proof, keys, aud="ssa")


def _an_hour_long(request: Request, keys, clock) -> None:  # type: ignore[no-untyped-def]
    iat = _claims(request.consent_proof)["iat"]
    request.consent_proof = _resigned(request.consent_proof, keys, exp=iat + 3600)


def _a_minute_later(request: Request, keys, clock) -> None:  # type: ignore[no-untyped-def]
    clock.advance(dt.timedelta(seconds=61))


REPLAYS: dict[str, tuple[Callable[..., None], str]] = {
    "for another case": (_another_case, consent.WRONG_CASE),
    "for another tax year": (_another_tax_year, consent.WRONG_TAX_YEAR),
    "to another audience, signed with the real key": (_another_audience, consent.WRONG_AUDIENCE),
    "stretched to an hour, signed with the real key": (_an_hour_long, consent.LIFETIME_TOO_LONG),
    "after it expired": (_a_minute_later, consent.EXPIRED),
}


@pytest.mark.parametrize("replay", list(REPLAYS))
async def test_an_unused_proof_is_refused_for_anything_but_its_own_request(  # type: ignore[no-untyped-def]
    coordination, treasury, treasury_db, clock, replay
) -> None:
    change, reason = REPLAYS[replay]
    lost, _ = await _apply(coordination, lost=1)
    before = len(_entries(treasury_db))
    change(lost, coordination.keys, clock)

    assert await _reason(treasury, lost) == reason
    after = _entries(treasury_db)[before:]
    assert [(e.outcome, e.detail) for e in after] == [("REFUSED", reason)] * 2


async def test_an_unused_proof_is_refused_once_its_consent_is_revoked(  # type: ignore[no-untyped-def]
    coordination, treasury, treasury_db
) -> None:
    lost, _ = await _apply(coordination, lost=1)
    orchestrator = coordination.orchestrator
    (chidis,) = (await orchestrator.ListConsents(pb.ListConsentsRequest(ssn=CHIDI_SSN))).consents
    await orchestrator.RevokeConsent(
        pb.RevokeConsentRequest(request_id="rv-1", consent_id=chidis.consent_id, reason="asked")
    )
    (notice,) = coordination.recorders["treasury"].of("RecordConsentRevocation")
    assert notice.consent_id == chidis.consent_id
    with treasury_db.session() as session:
        assert session.get(RevokedConsent, chidis.consent_id) is not None

    assert await _reason(treasury, lost) == consent.REVOKED


async def test_of_copies_sent_at_once_to_two_replicas_exactly_one_is_answered(  # type: ignore[no-untyped-def]
    coordination, serve, database_url, clock, treasury_db
) -> None:
    lost, _ = await _apply(coordination, lost=1)
    before = len(_entries(treasury_db))
    keys = coordination.keys
    replica_db = Database(database_url, TABLES)
    replica = await serve(
        treasury_server.bindings(replica_db, clock, keys.verifier(), keys.subject_key())
    )
    try:
        async with coordination.agencies["treasury"].channel() as a, replica.channel() as b:
            stubs = [treasury_grpc.IncomeVerificationServiceStub(c) for c in (a, b, a, b)]
            results = await asyncio.gather(
                *(stub.VerifyHouseholdIncome(_copy(lost)) for stub in stubs),
                return_exceptions=True,
            )
    finally:
        replica_db.dispose()

    answered = [r for r in results if isinstance(r, treasury_pb.VerifyHouseholdIncomeResponse)]
    refused = [details_of(r) for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(answered) == 1
    assert [(d.code, d.reason) for d in refused] == [
        (grpc.StatusCode.PERMISSION_DENIED, consent.REPLAYED)
    ] * 3
    outcomes = [e.outcome for e in _entries(treasury_db)[before:]]
    assert (outcomes.count("DISCLOSED"), outcomes.count("REFUSED")) == (2, 6)


async def test_nonces_are_forgotten_once_no_replica_would_accept_their_proof(  # type: ignore[no-untyped-def]
    coordination, treasury, treasury_db, clock
) -> None:
    (okafor,) = await _apply(coordination)
    okafor_nonce = _claims(okafor.consent_proof)["jti"]
    clock.advance(dt.timedelta(seconds=60) + consent.DEFAULT_LEEWAY + PRUNE_EVERY)
    (chen,) = await _apply(coordination, stem="chen")  # a later answer prunes

    with treasury_db.session() as session:
        kept = set(session.exec(select(SeenNonce.nonce)).all())
    assert kept == {_claims(chen.consent_proof)["jti"]}
    assert okafor_nonce not in kept
    # Forgotten, the proof is refused all the same: it has long expired.
    assert await _reason(treasury, okafor) == consent.EXPIRED


def _notice(consent_id: str) -> treasury_pb.RecordConsentRevocationRequest:
    return treasury_pb.RecordConsentRevocationRequest(
        request_id=f"revoke:{consent_id}",
        consent_id=consent_id,
        revoke_time=timestamp_to_proto(dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)),
    )


async def test_a_revocation_notice_is_idempotent(treasury, treasury_db) -> None:  # type: ignore[no-untyped-def]
    first = await treasury.RecordConsentRevocation(_notice("c-1"))
    again = await treasury.RecordConsentRevocation(_notice("c-1"))
    assert first.consent_id == again.consent_id == "c-1"
    assert first.record_time == again.record_time
    with treasury_db.session() as session:
        assert len(session.exec(select(RevokedConsent)).all()) == 1


@pytest.mark.parametrize("caller", ["hhs", "ssa", "caseworker-tool"])
async def test_only_the_orchestrator_may_revoke_at_treasury(
    coordination, treasury_db, caller
) -> None:  # type: ignore[no-untyped-def]
    # The caller is whoever its certificate says; a header naming the orchestrator is ignored.
    handle = coordination.agencies["treasury"]
    async with handle.channel(as_identity=caller) as channel:
        stub = treasury_grpc.IncomeVerificationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.RecordConsentRevocation(
                _notice("c-1"), metadata=((CALLER_HEADER, "orchestrator"),)
            )
    details = details_of(caught.value)
    assert (details.code, details.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "CALLER_NOT_ALLOWED",
    )
    with treasury_db.session() as session:
        assert session.exec(select(RevokedConsent)).all() == []


async def test_a_revocation_notice_names_what_is_missing(treasury) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await treasury.RecordConsentRevocation(treasury_pb.RecordConsentRevocationRequest())
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} == {"request_id", "consent_id", "revoke_time"}


async def test_a_revocation_treasury_did_not_hear_is_said_so_and_a_retry_completes_it(  # type: ignore[no-untyped-def]
    coordination, treasury_db
) -> None:
    await _apply(coordination)
    orchestrator = coordination.orchestrator
    (chidis,) = (await orchestrator.ListConsents(pb.ListConsentsRequest(ssn=CHIDI_SSN))).consents
    revoke = pb.RevokeConsentRequest(request_id="rv", consent_id=chidis.consent_id, reason="asked")
    recorder = coordination.recorders["treasury"]
    recorder.drop_next = 1_000  # Treasury unreachable, whatever the retries

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await orchestrator.RevokeConsent(revoke)
    details = details_of(caught.value)
    assert (details.code, details.reason) == (
        grpc.StatusCode.UNAVAILABLE,
        "CONSENT_REVOCATION_NOT_DELIVERED",
    )
    (listed,) = (await orchestrator.ListConsents(pb.ListConsentsRequest(ssn=CHIDI_SSN))).consents
    assert listed.revoke_time.seconds > 0  # revoked here all the same: no proof again
    with treasury_db.session() as session:
        assert session.get(RevokedConsent, chidis.consent_id) is None

    recorder.drop_next = 0
    await orchestrator.RevokeConsent(revoke)
    with treasury_db.session() as session:
        assert session.get(RevokedConsent, chidis.consent_id) is not None


async def test_a_consent_revoked_while_an_application_is_under_way_gets_no_proof(  # type: ignore[no-untyped-def]
    coordination, clock
) -> None:
    orchestrator = coordination.orchestrator
    await _apply(coordination)  # stores the Okafors' consents
    (chidis,) = (await orchestrator.ListConsents(pb.ListConsentsRequest(ssn=CHIDI_SSN))).consents
    # A year on, the return and the identity checks are stale: both agencies are asked again.
    clock.advance(dt.timedelta(days=367))
    again = example("okafor", "okafor-next-year")
    again.plan_year = clock.now().year
    del again.consents[:]

    async def revoke_meanwhile(_: object) -> None:
        coordination.recorders["ssa"].on_call = None
        await orchestrator.RevokeConsent(
            pb.RevokeConsentRequest(request_id="rv", consent_id=chidis.consent_id, reason="asked")
        )

    coordination.recorders["ssa"].on_call = revoke_meanwhile
    case = (await orchestrator.SubmitApplication(again)).case

    assert coordination.recorders["treasury"].calls[VERIFY] == 1  # the first application only
    assert "INCOME_NO_CONSENT" in {i.reason_code for i in case.data_matching_issues}
