"""Life events as pure functions: what is refused, and the household each leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from services.cli.main import app
from services.harness.households import HouseholdFileError, example_paths, load_request
from services.harness.life_events import event_from_dict
from services.orchestrator.domain import events

TODAY = dt.date(2026, 11, 25)


def _rivera() -> household_pb2.Household:
    return load_request(next(p for p in example_paths() if "rivera" in p.name)).household


def _day(text: str) -> date_pb2.Date:
    value = dt.date.fromisoformat(text)
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def _fields(event: le.LifeEvent) -> dict[str, str]:
    found = events.validate(event, _rivera(), "c1", TODAY)
    return {v.field: v.description for v in found}


def test_each_kind_has_its_limits_on_the_date() -> None:
    death = le.LifeEvent(kind=le.LIFE_EVENT_KIND_DEATH, person_id="jose")
    death.effective_date.CopyFrom(_day("2026-11-26"))
    assert "in the future" in _fields(death)["event.effective_date"]
    move = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_MOVE,
        effective_date=_day("2027-01-20"),
        new_address=household_pb2.Address(state_code="TX", county="Travis County"),
    )
    assert _fields(move) == {}
    move.effective_date.CopyFrom(_day("2027-01-30"))
    assert "60 days" in _fields(move)["event.effective_date"]
    pregnancy = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_PREGNANCY, person_id="maria", effective_date=_day("2025-12-01")
    )
    assert "10 months" in _fields(pregnancy)["event.effective_date"]


def test_fields_another_kind_reads_must_be_unset() -> None:
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH,
        person_id="jose",
        effective_date=_day("2026-11-01"),
        age_reached=65,
    )
    assert _fields(event) == {"event.age_reached": "is not read for a death; leave it unset"}


def test_an_age_milestone_must_match_the_birth_date() -> None:
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_AGE_MILESTONE,
        person_id="sofia",
        age_reached=19,
        effective_date=_day("2034-06-20"),
    )
    found = events.validate(event, _rivera(), "c1", dt.date(2034, 6, 1))
    assert "turns 19 on 2034-06-21" in found[0].description


def test_a_birth_adds_a_dependent_child_of_both_parents() -> None:
    baby = household_pb2.Person(person_id="lucia", ssn="412558305")
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_BIRTH,
        person_id="maria",
        effective_date=_day("2026-11-20"),
        new_member=baby,
    )
    applied = events.apply(event, _rivera())
    household = applied.household
    lucia = household.members[-1]
    assert lucia.person_id == "lucia" and lucia.applying and lucia.birth_date.day == 20
    assert {
        (r.person_id, r.related_person_id)
        for r in household.relationships
        if r.kind == household_pb2.RELATIONSHIP_KIND_CHILD and r.person_id == "lucia"
    } == {("lucia", "maria"), ("lucia", "jose")}
    assert list(household.tax_units[0].dependent_person_ids) == ["sofia", "mateo", "lucia"]
    assert applied.joined == ("lucia",)


def test_a_divorce_splits_the_joint_return_and_a_marriage_makes_one() -> None:
    divorce = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DIVORCE, person_id="maria", effective_date=_day("2026-11-01")
    )
    split = events.apply(divorce, _rivera()).household
    assert [(list(u.filer_person_ids), u.filing_status) for u in split.tax_units] == [
        (["maria"], household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD),
        (["jose"], household_pb2.FILING_STATUS_SINGLE),
    ]
    assert not any(r.kind == household_pb2.RELATIONSHIP_KIND_SPOUSE for r in split.relationships)
    marriage = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_MARRIAGE,
        person_id="maria",
        spouse_person_id="jose",
        effective_date=_day("2026-11-20"),
    )
    joined = events.apply(marriage, split).household
    assert [
        (sorted(u.filer_person_ids), list(u.dependent_person_ids), u.filing_status)
        for u in joined.tax_units
    ] == [
        (
            ["jose", "maria"],
            ["sofia", "mateo"],
            household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY,
        )
    ]


def test_a_death_removes_the_member_everywhere() -> None:
    death = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH, person_id="jose", effective_date=_day("2026-11-01")
    )
    household = events.apply(death, _rivera()).household
    assert "jose" not in {m.person_id for m in household.members}
    assert all("jose" not in (r.person_id, r.related_person_id) for r in household.relationships)
    assert list(household.tax_units[0].filer_person_ids) == ["maria"]


def test_counties_are_known_by_state_as_hhs_names_them() -> None:
    known = events.counties()
    assert "harris" in known["TX"] and "los angeles" in known["CA"]
    assert events.county_key("St. Louis County") == "st louis"
    assert len(known) >= 51


def test_the_orchestrators_own_kinds_are_not_a_change_a_person_reports() -> None:
    for kind, what in (
        (le.LIFE_EVENT_KIND_ISSUE_SETTLED, "settles a data-matching issue"),
        (le.LIFE_EVENT_KIND_RECHECKED, "determines a pending case again"),
        (le.LIFE_EVENT_KIND_RENEWED, "renews a case"),
        (le.LIFE_EVENT_KIND_APPLIED, "determines a new application"),
    ):
        event = le.LifeEvent(kind=kind, effective_date=_day("2026-11-20"), person_id="jose")
        found = _fields(event)
        assert set(found) == {"event.kind"}, kind
        assert "not a change a person reports" in found["event.kind"]
        assert what in found["event.kind"]


def test_an_event_without_a_kind_or_with_the_orchestrators_own_lists_only_reportable_kinds() -> (
    None
):
    for data, said in (
        ({"date": "2026-11-20"}, "kind: missing"),
        ({"kind": "lottery", "date": "2026-11-20"}, "'lottery' is not one of"),
        ({"kind": "renewed", "date": "2026-11-20"}, "a notice the orchestrator sends"),
    ):
        with pytest.raises(HouseholdFileError) as refused:
            event_from_dict(data)
        text = str(refused.value)
        assert said in text and "income_change" in text and "age_milestone" in text
        for own in ("issue_settled", "rechecked"):
            assert own not in text, text


def test_elig_report_without_a_kind_says_to_give_one_before_calling_anyone() -> None:
    result = CliRunner().invoke(app, ["report", "some-case"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "give --kind and --date" in result.output and "--file" in result.output


def test_elig_report_names_a_new_member_file_that_is_not_yaml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    baby = tmp_path / "baby.yaml"
    baby.write_text("id: [\n")
    result = CliRunner().invoke(
        app,
        ["report", "c1", "--kind", "birth", "--date", "2026-11-01", "--new-member-file", str(baby)],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 2
    assert f"bad event: {baby}: not valid YAML" in result.output
