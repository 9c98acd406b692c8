"""A database error names the statement but not the values bound to it: those are personal
data (an SSN in a duplicate key). PostgreSQL's own detail line may still quote a key
("Key (ssn)=(...) already exists"), which is why no log line carries an exception's
message (shared.logging.withhold_exception_messages)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from shared.db import make_engine

_SSN = "123-45-6789"  # synthetic


def test_an_integrity_error_does_not_carry_the_row_values(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE people (ssn VARCHAR(11) PRIMARY KEY)"))
            connection.execute(text("INSERT INTO people VALUES (:ssn)"), {"ssn": _SSN})
        with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
            connection.execute(text("INSERT INTO people VALUES (:ssn)"), {"ssn": _SSN})
        message = str(caught.value)
        assert "INSERT INTO people" in message
        assert "parameters hidden" in message
        bound = message.split("[SQL:", 1)[1]  # after the driver's own message
        assert _SSN not in bound
    finally:
        engine.dispose()
