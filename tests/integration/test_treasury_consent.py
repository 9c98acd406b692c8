"""Treasury's consent gate and audit log over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text
from sqlmodel import col, select
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.treasury.v1 import income_verification_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as pb_grpc
from services.treasury import audit_verify
from services.treasury import seed as treasury_seed
from services.treasury.disclosure import INCOME_FACTS
from services.treasury.server import bindings
from services.treasury.tables import AUDIT, TABLES
from shared import consent, signing_keys
from shared.audit import audit_subject_ref
from shared.consent import ConsentSigner, LocalConsentKeys, ensure_local_keys
from shared.db import Database
from shared.errors import details_of

REPO = Path(__file__).resolve().parents[2]
PURPOSE = "marketplace-eligibility-2027"
MARIA, JOSE = "412558301", "412558302"
# The orchestrator (proven by its certificate) names the caseworker it asks for.
CALLER = (("x-on-behalf-of", "cw-0042"),)


@dataclass
class Treasury:
    stub: pb_grpc.IncomeVerificationServiceStub
    db: Database
    keys: LocalConsentKeys
    url: str
    now: dt.datetime

    def proof(self, signer: ConsentSigner | None = None, **overrides) -> str:  # type: ignore[no-untyped-def]
        claims = {
            "consent_ids": ["consent-rivera-1"],
            "ssns": [MARIA, JOSE],
            "purpose": PURPOSE,
            "facts": ["income"],
            "audience": "treasury",
            "case_id": "case-77",
            "tax_years": [2025],
            "issued_at": self.now - dt.timedelta(seconds=10),
            "expires_at": self.now + dt.timedelta(seconds=50),
        }
        claims.update(overrides)
        return (signer or self.keys.signer()).issue(**claims)

    def entries(self) -> list:  # type: ignore[type-arg]
        with self.db.session() as session:
            return list(session.exec(select(AUDIT.entry).order_by(col(AUDIT.entry.seq))).all())

    def ref(self, ssn: str) -> str:
        return audit_subject_ref(self.keys.subject_key(), ssn)


@pytest.fixture
async def treasury(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    keys = ensure_local_keys(tmp_path / "stack")
    db = Database(database_url, TABLES)
    db.create_tables()
    treasury_seed.seed(db)
    handle = await serve(bindings(db, clock, keys.verifier(), keys.subject_key()))
    async with handle.channel() as channel:
        yield Treasury(
            pb_grpc.IncomeVerificationServiceStub(channel), db, keys, database_url, clock.now()
        )
    db.dispose()


def _riveras(proof: str, jose_born: int = 2) -> pb.VerifyHouseholdIncomeRequest:
    def filer(pid: str, ssn: str, given: str, y: int, m: int, d: int) -> pb.TaxFiler:
        return pb.TaxFiler(
            person_id=pid,
            ssn=ssn,
            name=household_pb2.PersonName(given=given, family="Rivera"),
            birth_date=date_pb2.Date(year=y, month=m, day=d),
        )

    return pb.VerifyHouseholdIncomeRequest(
        request_id="req-1",
        tax_year=2025,
        filers=[
            filer("p1", MARIA, "Maria", 1989, 3, 14),
            filer("p2", JOSE, "Jose", 1986, 11, jose_born),
        ],
        purpose=PURPOSE,
        case_id="case-77",
        consent_proof=proof,
    )


def _with_claims_changed(token: str, **changes: object) -> str:
    """The same proof with its claims rewritten and the original signature kept."""
    header, claims_b64, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims_b64 + "=" * (-len(claims_b64) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    return f"{header}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"


def _untrusted_signer(t: Treasury) -> ConsentSigner:
    return ConsentSigner(signing_keys.generate_signing_key(), t.keys.subject_key())


BAD_PROOFS: dict[str, tuple[Callable[[Treasury], str], str]] = {
    "missing": (lambda t: "", "CONSENT_MISSING"),
    "signed by a key Treasury does not trust": (
        lambda t: t.proof(signer=_untrusted_signer(t)),
        consent.SIGNATURE_INVALID,
    ),
    "claims altered after signing": (
        lambda t: _with_claims_changed(t.proof(purpose="other"), pur=PURPOSE),
        consent.SIGNATURE_INVALID,
    ),
    "not a proof at all": (lambda t: "consent-please", consent.MALFORMED),
    "expired": (
        lambda t: t.proof(
            issued_at=t.now - dt.timedelta(seconds=61), expires_at=t.now - dt.timedelta(seconds=1)
        ),
        consent.EXPIRED,
    ),
    "for another purpose": (
        lambda t: t.proof(purpose="snap-eligibility-2027"),
        "CONSENT_WRONG_PURPOSE",
    ),
    "for other people": (lambda t: t.proof(ssns=["391772215"]), consent.WRONG_SUBJECT),
    "naming only one of the filers": (lambda t: t.proof(ssns=[MARIA]), consent.WRONG_SUBJECT),
    "made out to another agency": (lambda t: t.proof(audience="ssa"), consent.WRONG_AUDIENCE),
    "for another case": (lambda t: t.proof(case_id="case-78"), consent.WRONG_CASE),
    "for another tax year": (lambda t: t.proof(tax_years=[2024]), consent.WRONG_TAX_YEAR),
    "for other facts": (lambda t: t.proof(facts=["identity"]), consent.OUT_OF_SCOPE),
}


@pytest.mark.parametrize("case", list(BAD_PROOFS))
async def test_a_bad_proof_is_refused_with_its_reason_and_releases_nothing(treasury, case) -> None:  # type: ignore[no-untyped-def]
    make_proof, reason = BAD_PROOFS[case]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await treasury.stub.VerifyHouseholdIncome(_riveras(make_proof(treasury)), metadata=CALLER)
    details = details_of(caught.value)
    assert (details.code, details.reason) == (grpc.StatusCode.PERMISSION_DENIED, reason)
    assert details.message
    entries = treasury.entries()
    assert {(e.subject_ref, e.outcome, e.detail) for e in entries} == {
        (treasury.ref(MARIA), "REFUSED", reason),
        (treasury.ref(JOSE), "REFUSED", reason),
    }
    assert len(entries) == 2


async def test_a_missing_proof_says_so_plainly(treasury) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await treasury.stub.VerifyHouseholdIncome(_riveras(""))
    assert "no consent proof" in details_of(caught.value).message


async def test_a_valid_proof_releases_income_and_each_filer_is_audited(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.stub.VerifyHouseholdIncome(_riveras(treasury.proof()), metadata=CALLER)
    assert [r.status for r in reply.results] == [pb.VERIFICATION_STATUS_VERIFIED] * 2
    assert reply.results[0].agi_cents == 4_120_000
    entries = treasury.entries()
    assert [e.subject_ref for e in entries] == [treasury.ref(MARIA), treasury.ref(JOSE)]
    for entry in entries:
        assert entry.outcome == "DISCLOSED"
        assert entry.detail == "consent consent-rivera-1"
        assert entry.fact_names() == sorted(INCOME_FACTS)
        assert (entry.actor_service, entry.actor_caseworker) == ("orchestrator", "cw-0042")
        assert (entry.case_id, entry.purpose) == ("case-77", PURPOSE)
        assert entry.recorded_at.replace(tzinfo=dt.UTC) == treasury.now


async def test_a_filer_who_does_not_match_is_audited_as_refused(treasury) -> None:  # type: ignore[no-untyped-def]
    reply = await treasury.stub.VerifyHouseholdIncome(
        _riveras(treasury.proof(), jose_born=3), metadata=CALLER
    )
    assert [r.status for r in reply.results] == [
        pb.VERIFICATION_STATUS_VERIFIED,
        pb.VERIFICATION_STATUS_IDENTITY_MISMATCH,
    ]
    assert [(e.outcome, e.detail) for e in treasury.entries()] == [
        ("DISCLOSED", "consent consent-rivera-1"),
        ("REFUSED", "IDENTITY_MISMATCH"),
    ]


async def test_an_unknown_filer_is_audited_as_no_record(treasury) -> None:  # type: ignore[no-untyped-def]
    request = _riveras("")
    del request.filers[1]
    request.filers[0].ssn = "123450001"
    request.consent_proof = treasury.proof(ssns=["123450001"])
    reply = await treasury.stub.VerifyHouseholdIncome(request, metadata=CALLER)
    assert reply.results[0].status == pb.VERIFICATION_STATUS_NO_RECORD
    ((outcome, detail),) = [(e.outcome, e.detail) for e in treasury.entries()]
    assert (outcome, detail) == ("REFUSED", "NO_RECORD")


async def test_a_forged_caller_header_is_ignored_and_the_proven_caller_audited(treasury) -> None:  # type: ignore[no-untyped-def]
    await treasury.stub.VerifyHouseholdIncome(
        _riveras(treasury.proof()), metadata=(("x-caller-service", "hhs"),)
    )
    assert {(e.actor_service, e.actor_caseworker) for e in treasury.entries()} == {
        ("orchestrator", "")
    }


async def test_the_log_never_holds_an_ssn(treasury) -> None:  # type: ignore[no-untyped-def]
    await treasury.stub.VerifyHouseholdIncome(_riveras(treasury.proof()), metadata=CALLER)
    with pytest.raises(grpc.aio.AioRpcError):
        await treasury.stub.VerifyHouseholdIncome(_riveras("nope"), metadata=CALLER)
    dumped = json.dumps([e.model_dump(mode="json") for e in treasury.entries()])
    assert MARIA not in dumped and JOSE not in dumped


async def _history(treasury: Treasury) -> None:
    """Disclosures and refusals, interleaved, as a day at Treasury might go."""
    for proof in (treasury.proof(), "", treasury.proof(purpose="other"), treasury.proof()):
        try:
            await treasury.stub.VerifyHouseholdIncome(_riveras(proof), metadata=CALLER)
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def _run_verify(url: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(audit_verify.app, [], env={"ELIG_TREASURY_DATABASE_URL": url})


async def test_the_chain_of_releases_and_refusals_verifies(treasury) -> None:  # type: ignore[no-untyped-def]
    await _history(treasury)
    assert [e.outcome for e in treasury.entries()] == ["DISCLOSED"] * 2 + ["REFUSED"] * 4 + [
        "DISCLOSED"
    ] * 2
    result = _run_verify(treasury.url)
    assert result.exit_code == 0, result.output
    assert "ok, 8 entries" in result.output


@pytest.mark.parametrize(
    ("tamper", "seq", "problem"),
    [
        ("UPDATE treasury_audit_log SET outcome = 'REFUSED' WHERE seq = 2", 2, "ALTERED"),
        ("UPDATE treasury_audit_log SET actor_service = 'hhs' WHERE seq = 5", 5, "ALTERED"),
        ("DELETE FROM treasury_audit_log WHERE seq = 3", 3, "MISSING"),
        ("DELETE FROM treasury_audit_log WHERE seq = 8", 8, "MISSING"),
    ],
)
async def test_the_verify_command_names_the_tampered_entry(treasury, tamper, seq, problem) -> None:  # type: ignore[no-untyped-def]
    await _history(treasury)
    with treasury.db.engine.begin() as conn:
        conn.execute(text(tamper))
    result = _run_verify(treasury.url)
    assert result.exit_code == 1
    assert f"BROKEN at seq {seq} ({problem})" in result.output


async def test_the_verify_command_runs_as_a_module(treasury) -> None:  # type: ignore[no-untyped-def]
    await _history(treasury)
    command = [sys.executable, "-m", "services.treasury.audit_verify"]
    env = {"ELIG_TREASURY_DATABASE_URL": treasury.url, "PATH": "/usr/bin:/bin"}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)

    intact = await asyncio.to_thread(run)
    assert (intact.returncode, intact.stdout.strip()) == (0, "treasury audit log: ok, 8 entries")
    with treasury.db.engine.begin() as conn:
        conn.execute(text("UPDATE treasury_audit_log SET case_id = 'case-1' WHERE seq = 1"))
    broken = await asyncio.to_thread(run)
    assert broken.returncode == 1
    assert "BROKEN at seq 1 (ALTERED)" in broken.stderr
