"""SSA's matching rules, without a server or a database."""

from __future__ import annotations

import datetime as dt

from services.ssa.domain import IdentityQuery, MatchStatus, PersonRecord, match

TODAY = dt.date(2026, 11, 25)
RECORD = PersonRecord(
    ssn="412558302",
    given_name="José",
    family_name="Rivera",
    birth_date=dt.date(1986, 11, 2),
    citizenship="citizen",
)


def _query(given: str = "Jose", family: str = "Rivera", born: dt.date | None = None):  # type: ignore[no-untyped-def]
    return IdentityQuery("p2", "412558302", given, family, born or dt.date(1986, 11, 2))


def test_full_agreement_is_a_match_with_citizenship() -> None:
    answer = match(_query(), RECORD, TODAY)
    assert answer.status is MatchStatus.MATCH
    assert answer.citizenship_verified
    assert not answer.deceased


def test_case_accents_and_punctuation_do_not_matter() -> None:
    assert match(_query("JOSE", " rivera."), RECORD, TODAY).status is MatchStatus.MATCH


def test_an_initial_matches_the_given_name_it_starts() -> None:
    assert match(_query("J."), RECORD, TODAY).status is MatchStatus.MATCH
    assert match(_query("M"), RECORD, TODAY).status is MatchStatus.NAME_MISMATCH


def test_a_different_full_given_name_is_a_name_mismatch() -> None:
    # Same first letter, different name: a tax return might accept it, SSA does not.
    assert match(_query("Joaquin"), RECORD, TODAY).status is MatchStatus.NAME_MISMATCH


def test_a_different_family_name_is_a_name_mismatch() -> None:
    assert match(_query(family="Rivas"), RECORD, TODAY).status is MatchStatus.NAME_MISMATCH


def test_wrong_birth_date_releases_nothing_else() -> None:
    answer = match(_query(born=dt.date(1986, 11, 3)), RECORD, TODAY)
    assert answer.status is MatchStatus.BIRTH_DATE_MISMATCH
    assert not answer.citizenship_verified and answer.death_date is None


def test_name_is_reported_before_birth_date_when_both_are_wrong() -> None:
    answer = match(_query(given="Pedro", born=dt.date(1990, 1, 1)), RECORD, TODAY)
    assert answer.status is MatchStatus.NAME_MISMATCH


def test_no_record_for_an_unknown_ssn() -> None:
    assert match(_query(), None, TODAY).status is MatchStatus.NO_RECORD


def test_lawful_presence_is_not_citizenship() -> None:
    record = PersonRecord("256407712", "Chidi", "Okafor", dt.date(1977, 12, 19), "lawfully_present")
    query = IdentityQuery("c", "256407712", "Chidi", "Okafor", dt.date(1977, 12, 19))
    answer = match(query, record, TODAY)
    assert answer.status is MatchStatus.MATCH and not answer.citizenship_verified


def test_a_death_is_reported_once_its_date_has_passed() -> None:
    record = PersonRecord(
        "301668840", "Harold", "Price", dt.date(1941, 1, 30), "citizen", dt.date(2026, 9, 12)
    )
    query = IdentityQuery("h", "301668840", "Harold", "Price", dt.date(1941, 1, 30))
    assert match(query, record, TODAY).death_date == dt.date(2026, 9, 12)
    assert match(query, record, dt.date(2026, 9, 11)).death_date is None
