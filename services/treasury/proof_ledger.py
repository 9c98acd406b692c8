"""What Treasury remembers of consent proofs, so each is good for one request only.

A proof's signature says who issued it; only Treasury's own store can say whether it
was used before or whether its consent was withdrawn since. Both live in Treasury's
database, not in the process, so replicas on one PostgreSQL agree: the nonce's primary
key makes the insert itself the check, and of two requests racing with copies of one
proof the second waits for the first to commit and then inserts nothing. The insert also
reads the revocations, inserting nothing when one names the proof's consents, so a valid
proof costs one statement; only a refusal reads again, to say which check refused it.

A nonce is kept until its proof has expired for every replica (expiry plus the clock
leeway the verifier allows), then pruned: after that the verifier refuses the proof
as expired on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, delete, exists
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, col, select

from services.treasury.tables import RevokedConsent, SeenNonce
from shared.consent import DEFAULT_LEEWAY, REPLAYED, REVOKED, ConsentClaims, ConsentError
from shared.padded_in import PaddedIn


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# Built once, the values bound at each call: this runs on every income request.
_REVOKED = RevokedConsent.__table__  # type: ignore[attr-defined]
_NONCES = SeenNonce.__table__  # type: ignore[attr-defined]
_ANY_REVOKED = PaddedIn(
    "consent", lambda ids: select(_REVOKED.c.consent_id).where(_REVOKED.c.consent_id.in_(ids))
)


def _note_nonce_unless_revoked(ids: list[BindParameter[Any]]) -> dict[str, Executable]:
    """The nonce inserted only when none of the proof's consents is revoked and the nonce
    is new: one statement on the path every valid proof takes, a row back when admitted."""
    row = select(cast(bindparam("nonce"), String), cast(bindparam("expires"), Integer)).where(
        ~exists().where(_REVOKED.c.consent_id.in_(ids))
    )
    return {
        name: dialect_insert(_NONCES)
        .from_select(["nonce", "expires_at"], row)
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(_NONCES.c.nonce)
        for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
    }


_NOTE_NONCE = PaddedIn("consent", _note_nonce_unless_revoked)


def admit(session: Session, claims: ConsentClaims) -> None:
    """Accept a verified proof once, inside the unit of work that answers it: refused
    when any of its consents was revoked, or when its nonce was seen before."""
    connection = session.connection()
    ids = sorted(claims.consent_ids)
    expires = int(claims.expires_at.timestamp())
    by_dialect, params = _NOTE_NONCE.bind(ids, nonce=claims.nonce, expires=expires)
    if connection.execute(by_dialect[connection.dialect.name], params).first() is not None:
        return
    # Refused: say why. A revocation outranks a replay, as it did when checked first.
    revoked, params = _ANY_REVOKED.bind(ids)
    if connection.execute(revoked, params).first() is not None:
        raise ConsentError(REVOKED, "the person has withdrawn this consent", claims.consent_id)
    raise ConsentError(
        REPLAYED,
        "this consent proof was already used; each is good for one request",
        claims.consent_id,
    )


def prune(session: Session, now: dt.datetime) -> int:
    """Forget nonces of proofs that no replica would accept any more; how many."""
    cutoff = int((now - DEFAULT_LEEWAY).timestamp())
    result = session.execute(delete(SeenNonce).where(col(SeenNonce.expires_at) < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


def record_revocation(
    session: Session, consent_id: str, revoked_at: dt.datetime, request_id: str, now: dt.datetime
) -> RevokedConsent:
    """Idempotent: the first notice of a revocation is kept, later ones change nothing."""
    session.execute(
        _insert(session)(RevokedConsent)
        .values(
            consent_id=consent_id,
            revoked_at=revoked_at.astimezone(dt.UTC),
            recorded_at=now.astimezone(dt.UTC),
            request_id=request_id,
        )
        .on_conflict_do_nothing(index_elements=["consent_id"])
    )
    row = session.get(RevokedConsent, consent_id)
    assert row is not None  # inserted just now, or by an earlier notice
    return row
