"""The dispatcher's pure parts: how long it waits before sending a notice again, and what a
notice discloses for the audit trail."""

from __future__ import annotations

import datetime as dt
import random

from eligibility.common.v1 import household_pb2, life_event_pb2
from services.orchestrator.usecases.dispatch import PERMANENT, backoff, disclosed_facts


def test_the_wait_doubles_from_the_base_up_to_the_cap_with_jitter_in_its_upper_half() -> None:
    rng = random.Random(7)
    for attempts in range(1, 20):
        ceiling = min(300.0, 1.0 * 2 ** (attempts - 1))
        for _ in range(50):
            wait = backoff(attempts, 1.0, 300.0, rng).total_seconds()
            assert ceiling / 2 <= wait <= ceiling
    assert backoff(40, 1.0, 300.0, rng) <= dt.timedelta(minutes=5)


def test_waits_after_one_failure_are_spread_out() -> None:
    rng = random.Random(1)
    assert len({backoff(3, 1.0, 300.0, rng) for _ in range(20)}) > 10


def test_only_answers_that_would_never_change_are_final() -> None:
    assert {"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "UNIMPLEMENTED"}.isdisjoint(
        PERMANENT
    )
    assert {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED"} <= PERMANENT


def test_a_notice_discloses_its_kind_and_what_it_carries() -> None:
    move = life_event_pb2.ChangeNotice(
        kind=life_event_pb2.LIFE_EVENT_KIND_MOVE, new_address=household_pb2.Address(state_code="TX")
    )
    assert disclosed_facts(move) == ("change.move", "address")
    death = life_event_pb2.ChangeNotice(kind=life_event_pb2.LIFE_EVENT_KIND_DEATH)
    death.household_determinations.add(program=4)
    assert disclosed_facts(death) == ("change.death", "determination")
