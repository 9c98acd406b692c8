"""How `elig watch` shows an update: its sequence (to resume from), the event, and an
agency's answer when there is one."""

from __future__ import annotations

from eligibility.common.v1 import life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.watch_cmd import describe


def test_an_acknowledgement_shows_its_sequence_agency_and_what_was_done() -> None:
    update = pb.WatchCaseResponse(
        sequence=42,
        event=pb.CaseEvent(
            kind=pb.CASE_EVENT_KIND_ACKNOWLEDGED,
            status=pb.CASE_STATUS_DETERMINED,
            detail="usda told of the income change",
            sequence=42,
        ),
        notification=pb.AgencyNotification(
            agency="usda",
            state=pb.NOTIFICATION_STATE_ACKNOWLEDGED,
            attempts=2,
            acknowledgement=life_event_pb2.ChangeAcknowledgement(
                agency="usda", action=life_event_pb2.CHANGE_ACTION_BENEFIT_UPDATED, duplicate=True
            ),
        ),
    )
    line = describe(update)
    assert "#42" in line and "acknowledged" in line and "(determined)" in line
    assert "usda: acknowledged after 2 attempt(s), benefit updated (repeat delivery)" in line


def test_a_determination_event_is_one_line() -> None:
    update = pb.WatchCaseResponse(
        sequence=1,
        event=pb.CaseEvent(kind=pb.CASE_EVENT_KIND_APPLIED, status=pb.CASE_STATUS_DETERMINED),
    )
    assert "\n" not in describe(update) and "applied" in describe(update)


def test_a_case_lists_the_agencies_told_with_their_answers() -> None:
    from rich.console import Console

    from services.cli.render import print_case

    case = pb.Case(
        case_id="c1",
        notifications=[
            pb.AgencyNotification(
                agency="ssa",
                kind=life_event_pb2.LIFE_EVENT_KIND_DEATH,
                state=pb.NOTIFICATION_STATE_ACKNOWLEDGED,
                attempts=1,
                acknowledgement=life_event_pb2.ChangeAcknowledgement(detail="death entered"),
            )
        ],
    )
    console = Console(record=True, width=120)
    print_case(console, case)
    shown = console.export_text()
    assert "Agencies told" in shown and "death entered" in shown and "acknowledged" in shown
