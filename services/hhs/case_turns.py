"""One change notice of a case at a time, across every HHS process on one database.

Applying a notice reads what the case holds (its enrollments of record, its periods) and
writes what follows from it. Two notices of one case applied side by side would each read
the case without the other's rows: each would keep its own period open, and the one that
committed last would stand as the record whatever its revision. On PostgreSQL a
transaction-scoped advisory lock keyed on the case makes them take turns (every read
after it sees the other's commit); on SQLite the database's one writer already does.
"""

from __future__ import annotations

from sqlmodel import Session

from shared.db import take_turn


def take_case_turn(session: Session, case_id: str) -> None:
    """Wait for the case's turn; held until the caller's transaction ends."""
    take_turn(session, b"hhs-case-notices\0" + case_id.encode())
