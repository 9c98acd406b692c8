"""IN lists bound in a few fixed shapes: the same statement for lists of one shape, the
padding only repeating a value the list already holds."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select

from shared.padded_in import PaddedIn, padded_length

_PEOPLE = Table(
    "people", MetaData(), Column("id", Integer, primary_key=True), Column("ssn", String)
)


def _by_ssn() -> PaddedIn:  # type: ignore[type-arg]
    return PaddedIn("ssn", lambda ssns: select(_PEOPLE.c.id).where(_PEOPLE.c.ssn.in_(ssns)))


def test_lengths_round_up_to_a_power_of_two() -> None:
    assert [padded_length(n) for n in (1, 2, 3, 4, 5, 8, 9, 50)] == [1, 2, 4, 4, 8, 8, 16, 64]
    with pytest.raises(ValueError):
        padded_length(0)


def test_lists_of_one_shape_share_a_statement_and_pad_with_their_last_value() -> None:
    padded = _by_ssn()
    three, params = padded.bind(["a", "b", "c"])
    four, _ = padded.bind(["w", "x", "y", "z"])
    five, _ = padded.bind(["a", "b", "c", "d", "e"])
    assert three is four and five is not four
    assert params == {"ssn_0": "a", "ssn_1": "b", "ssn_2": "c", "ssn_3": "c"}


def test_a_padded_list_finds_exactly_what_the_list_names() -> None:
    engine = create_engine("sqlite://")
    _PEOPLE.metadata.create_all(engine)
    padded = _by_ssn()
    with engine.begin() as connection:
        connection.execute(_PEOPLE.insert(), [{"id": i, "ssn": s} for i, s in enumerate("abcdef")])
        statement, params = padded.bind(["b", "e", "z"])
        assert sorted(connection.execute(statement, params).scalars()) == [1, 4]
        statement, params = padded.bind(["f"])
        assert list(connection.execute(statement, params).scalars()) == [5]
