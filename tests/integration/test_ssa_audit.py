"""SSA's audit log of identity answers over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlmodel import col, select
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa import audit_verify
from services.ssa import seed as ssa_seed
from services.ssa.disclosure import IDENTITY_FACTS
from services.ssa.server import bindings
from services.ssa.tables import AUDIT, TABLES
from shared.audit import audit_subject_ref
from shared.consent import ensure_local_keys
from shared.db import Database

PURPOSE = "marketplace-eligibility-2027"
# The orchestrator (proven by its certificate) names the caseworker it asks for.
CALLER = (("x-on-behalf-of", "cw-0042"),)
MARIA = ("p1", "412558301", "Maria", "Rivera", 1989, 3, 14)
HAROLD = ("h", "301668840", "Harold", "Price", 1941, 1, 30)
NOBODY = ("x", "123450001", "Nobody", "Known", 1990, 1, 1)


@dataclass
class Ssa:
    stub: pb_grpc.IdentityServiceStub
    db: Database
    subject_key: bytes
    url: str
    now: dt.datetime

    def entries(self) -> list:  # type: ignore[type-arg]
        with self.db.session() as session:
            return list(session.exec(select(AUDIT.entry).order_by(col(AUDIT.entry.seq))).all())

    def ref(self, ssn: str) -> str:
        return audit_subject_ref(self.subject_key, ssn)

    async def ask(self, *people: tuple, metadata=CALLER) -> pb.VerifyIdentityResponse:  # type: ignore[no-untyped-def, type-arg]
        request = pb.VerifyIdentityRequest(
            request_id="r1",
            purpose=PURPOSE,
            case_id="case-77",
            people=[_person(*p) for p in people],
        )
        return await self.stub.VerifyIdentity(request, metadata=metadata)


def _person(person_id: str, ssn: str, given: str, family: str, y: int, m: int, d: int):  # type: ignore[no-untyped-def]
    return pb.IdentityQuery(
        person_id=person_id,
        ssn=ssn,
        name=household_pb2.PersonName(given=given, family=family),
        birth_date=date_pb2.Date(year=y, month=m, day=d),
    )


@pytest.fixture
async def ssa(serve, database_url, clock, tmp_path):  # type: ignore[no-untyped-def]
    subject_key = ensure_local_keys(tmp_path / "stack").subject_key()
    db = Database(database_url, TABLES)
    db.create_tables()
    ssa_seed.seed(db)
    handle = await serve(bindings(db, clock, subject_key))
    async with handle.channel() as channel:
        yield Ssa(pb_grpc.IdentityServiceStub(channel), db, subject_key, database_url, clock.now())
    db.dispose()


async def test_a_match_is_audited_as_a_disclosure_with_who_asked(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(MARIA)
    (entry,) = ssa.entries()
    assert (entry.subject_ref, entry.outcome, entry.detail) == (
        ssa.ref(MARIA[1]),
        "DISCLOSED",
        "MATCH",
    )
    assert entry.fact_names() == sorted(IDENTITY_FACTS)
    assert (entry.actor_service, entry.actor_caseworker) == ("orchestrator", "cw-0042")
    assert (entry.case_id, entry.purpose) == ("case-77", PURPOSE)
    assert entry.recorded_at.replace(tzinfo=dt.UTC) == ssa.now


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (NOBODY, "NO_RECORD"),
        (("h", "301668840", "Harriet", "Price", 1941, 1, 30), "NAME_MISMATCH"),
        (("h", "301668840", "Harold", "Price", 1941, 1, 31), "BIRTH_DATE_MISMATCH"),
    ],
)
async def test_anything_short_of_a_match_is_audited_as_refused(ssa, query, detail) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(query)
    (entry,) = ssa.entries()
    assert (entry.subject_ref, entry.outcome, entry.detail) == (
        ssa.ref(query[1]),
        "REFUSED",
        detail,
    )


async def test_each_person_in_a_request_gets_an_entry_in_order(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(HAROLD, NOBODY, MARIA)
    assert [(e.seq, e.subject_ref, e.outcome) for e in ssa.entries()] == [
        (1, ssa.ref(HAROLD[1]), "DISCLOSED"),
        (2, ssa.ref(NOBODY[1]), "REFUSED"),
        (3, ssa.ref(MARIA[1]), "DISCLOSED"),
    ]


async def test_the_proven_caller_is_recorded_whatever_the_headers_claim(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(MARIA, metadata=(("x-caller-service", "usda"),))
    assert [(e.actor_service, e.actor_caseworker) for e in ssa.entries()] == [("orchestrator", "")]


async def test_the_log_never_holds_an_ssn(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(MARIA, HAROLD, NOBODY)
    dumped = json.dumps([e.model_dump(mode="json") for e in ssa.entries()])
    assert not any(ssn in dumped for ssn in (MARIA[1], HAROLD[1], NOBODY[1]))


def _run_verify(url: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(audit_verify.app, [], env={"ELIG_SSA_DATABASE_URL": url})


async def test_the_chain_verifies(ssa) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(MARIA, HAROLD)
    await ssa.ask(NOBODY)
    result = _run_verify(ssa.url)
    assert result.exit_code == 0, result.output
    assert "ssa audit log: ok, 3 entries" in result.output


@pytest.mark.parametrize(
    ("tamper", "seq", "problem"),
    [
        (["UPDATE ssa_audit_log SET outcome = 'REFUSED' WHERE seq = 1"], 1, "ALTERED"),
        (["UPDATE ssa_audit_log SET purpose = 'curiosity' WHERE seq = 3"], 3, "ALTERED"),
        (["DELETE FROM ssa_audit_log WHERE seq = 2"], 2, "MISSING"),
        (["UPDATE ssa_audit_log SET seq = 13 WHERE seq = 3"], 13, "INSERTED"),
        (
            [
                "UPDATE ssa_audit_log SET seq = 100 WHERE seq = 1",
                "UPDATE ssa_audit_log SET seq = 1 WHERE seq = 2",
                "UPDATE ssa_audit_log SET seq = 2 WHERE seq = 100",
            ],
            1,
            "REORDERED",
        ),
    ],
)
async def test_the_verify_command_names_the_tampered_entry(ssa, tamper, seq, problem) -> None:  # type: ignore[no-untyped-def]
    await ssa.ask(MARIA, HAROLD)
    await ssa.ask(NOBODY)
    with ssa.db.engine.begin() as conn:
        for statement in tamper:
            conn.execute(text(statement))
    result = _run_verify(ssa.url)
    assert result.exit_code == 1
    assert f"BROKEN at seq {seq} ({problem})" in result.output


def test_the_verify_command_says_when_there_is_no_log(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = _run_verify(f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.exit_code == 2
    assert "not found" in result.output
