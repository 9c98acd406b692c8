"""One change notice of a case at a time, across every HHS process on one database.

Applying a notice reads what the case holds (its enrollments of record, its periods) and
writes what follows from it. Two notices of one case applied side by side would each read
the case without the other's rows: each would keep its own period open, and the one that
committed last would stand as the record whatever its revision. On PostgreSQL a
transaction-scoped advisory lock keyed on the case makes them take turns (every read
after it sees the other's commit); on SQLite the database's one writer already does.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import Session

_SCOPE = b"hhs-case-notices\0"


def take_case_turn(session: Session, case_id: str) -> None:
    """Wait for the case's turn; held until the caller's transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(_SCOPE + case_id.encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
