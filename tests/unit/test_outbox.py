"""The outbox's claims on an embedded database: a notice is claimed by one worker at a time,
a lapsed claim is taken over, and an acknowledgement by a worker that lost its claim is not
recorded."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import life_event_pb2
from services.orchestrator.adapters import outbox
from services.orchestrator.adapters.tables import TABLES
from shared.db import Database

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=1)


def _notice(key: str) -> life_event_pb2.ChangeNotice:
    return life_event_pb2.ChangeNotice(
        idempotency_key=key, case_id="case-1", kind=life_event_pb2.LIFE_EVENT_KIND_BIRTH
    )


def test_a_notice_is_held_by_one_worker_until_its_claim_lapses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'o.db'}", TABLES)
    db.create_tables()
    with db.session() as s:
        outbox.enqueue(s, "ssa", _notice("case-1:r1:ssa"), NOW)
        s.commit()
    with db.session() as s:
        first = outbox.claim_due(s, "w1", NOW, LEASE, 10)
        s.commit()
    with db.session() as s:
        second = outbox.claim_due(s, "w2", NOW, LEASE, 10)
        s.commit()
    assert [d.notice.idempotency_key for d in first] == ["case-1:r1:ssa"]
    assert second == []
    later = NOW + LEASE + dt.timedelta(seconds=1)
    with db.session() as s:
        taken = outbox.claim_due(s, "w2", later, LEASE, 10)
        s.commit()
    assert [d.attempts for d in taken] == [2]
    ack = life_event_pb2.ChangeAcknowledgement(idempotency_key="case-1:r1:ssa", agency="ssa")
    with db.session() as s:
        assert not outbox.acknowledge(s, taken[0].id, "w1", ack, later)
        assert outbox.acknowledge(s, taken[0].id, "w2", ack, later)
        s.commit()
    with db.session() as s:
        (row,) = outbox.for_case(s, "case-1")
        assert row.state == outbox.ACKNOWLEDGED
        assert outbox.claim_due(s, "w3", later + LEASE * 3, LEASE, 10) == []


def test_an_agency_hears_of_a_case_s_changes_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'o.db'}", TABLES)
    db.create_tables()
    with db.session() as s:
        for key in ("case-1:r1:ssa", "case-1:r2:ssa", "case-1:r1:hhs"):
            outbox.enqueue(s, key.rsplit(":", 1)[1], _notice(key), NOW)
    with db.session() as s:
        first = outbox.claim_due(s, "w1", NOW, LEASE, 10)
    assert [d.notice.idempotency_key for d in first] == ["case-1:r1:ssa", "case-1:r1:hhs"]
    later = NOW + LEASE * 2
    with db.session() as s:
        # The first notice to SSA is still pending (its claim lapsed): the second waits.
        assert [d.notice.idempotency_key for d in outbox.claim_due(s, "w2", later, LEASE, 10)] == [
            "case-1:r1:ssa",
            "case-1:r1:hhs",
        ]
        ack = life_event_pb2.ChangeAcknowledgement(idempotency_key="case-1:r1:ssa", agency="ssa")
        assert outbox.acknowledge(s, first[0].id, "w2", ack, later)
    with db.session() as s:
        taken = outbox.claim_due(s, "w3", later + LEASE * 2, LEASE, 10)
    assert [d.notice.idempotency_key for d in taken] == ["case-1:r2:ssa", "case-1:r1:hhs"]
