"""The signed session cookie: who signed in, in which role, when, the sign-in's id (so
signing out can end it) and the form token that every POST must echo back (CSRF).

The cookie is signed, not encrypted: it holds nothing secret (an id, a role, a random
form token). Expiry is checked here from the sign-in time inside the signed payload, so
a cookie kept past its Max-Age by a browser is still refused.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from services.console.ended_sessions import EndedSessions
from shared.files import create_once

COOKIE = "elig_console_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    csrf: str
    caseworker: str | None = None
    role: str | None = None
    signed_in_at: float = 0.0
    # Names one sign-in, so signing out can end it (ended_sessions.py).
    session_id: str = ""

    @property
    def signed_in(self) -> bool:
        return self.caseworker is not None

    @classmethod
    def anonymous(cls) -> Session:
        return cls(csrf=secrets.token_urlsafe(24))

    @classmethod
    def for_caseworker(cls, caseworker: str, role: str, now: float | None = None) -> Session:
        # A fresh form token at sign-in, so one picked up before it is worth nothing after.
        return cls(
            secrets.token_urlsafe(24),
            caseworker,
            role,
            time.time() if now is None else now,
            secrets.token_urlsafe(16),
        )


@dataclass(frozen=True)
class Decoded:
    session: Session | None
    expired: bool = False


class SessionCodec:
    def __init__(
        self, secret: bytes, lifetime_seconds: float, ended: EndedSessions | None = None
    ) -> None:
        self._serializer = URLSafeSerializer(secret, salt="elig-console-session")
        self.lifetime_seconds = lifetime_seconds
        self.ended = ended or EndedSessions()

    def end(self, session: Session) -> None:
        """Sign ``session`` out: its cookie, wherever a copy is, is refused from now on."""
        if session.signed_in:
            self.ended.end(session.session_id, session.signed_in_at + self.lifetime_seconds)

    def encode(self, session: Session) -> str:
        return self._serializer.dumps(
            {
                "c": session.csrf,
                "w": session.caseworker,
                "r": session.role,
                "t": session.signed_in_at,
                "s": session.session_id,
            }
        )

    def decode(self, raw: str | None, now: float | None = None) -> Decoded:
        if not raw:
            return Decoded(None)
        try:
            data = self._serializer.loads(raw)
            session = Session(
                str(data["c"]), data["w"], data["r"], float(data["t"]), str(data.get("s") or "")
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return Decoded(None)
        stamp = time.time() if now is None else now
        if session.signed_in and self.seconds_left(session, stamp) < 0:
            return Decoded(None, expired=True)
        if session.signed_in and not self.in_force(session, stamp):
            return Decoded(None)
        return Decoded(session)

    def seconds_left(self, session: Session, now: float | None = None) -> float:
        """How long a sign-in has before it expires (negative once it has)."""
        stamp = time.time() if now is None else now
        return session.signed_in_at + self.lifetime_seconds - stamp

    def in_force(self, session: Session, now: float | None = None) -> bool:
        """Whether a sign-in still counts: not expired and not signed out. A page that
        goes on answering after its request was admitted (a live stream) asks again."""
        stamp = time.time() if now is None else now
        # A sign-in that cannot be signed out (a cookie from before sign-ins had ids) or
        # that was signed out is no sign-in.
        return (
            session.signed_in
            and self.seconds_left(session, stamp) >= 0
            and bool(session.session_id)
            and not self.ended.ended(session.session_id, stamp)
        )


def session_secret(data_dir: Path) -> bytes:
    """The key that signs cookies, made once per data folder so a restart keeps sign-ins."""
    path = Path(data_dir) / "keys" / "console-session.key"
    if not path.exists():
        create_once(path, secrets.token_bytes(32), 0o600)
    return path.read_bytes()
