"""The one path every agency's ReceiveChange takes: check the notice, receive it once,
apply the agency's own effect, audit the receipt, acknowledge.

An agency supplies only what is its own: its received-change table, its audit log and
``apply``, which decides (and does) what the change means for its records, in the same
unit of work as the receipt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog
from sqlmodel import Session

from eligibility.common.v1 import life_event_pb2
from shared.audit import AuditLog, Outcome, audit_person_ref
from shared.audit_trail import Asker, Disclosure, record
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice, check_notice
from shared.change_receipt import Receipt, ReceivedChangeBase, receive
from shared.clock import Clock
from shared.db import Database

log = structlog.get_logger("change")

# What a notice's receipt is audited under when the sender declares no purpose.
DEFAULT_PURPOSE = "change-notice"

Apply = Callable[[Session, CheckedNotice], Effect]


class ChangeDesk:
    def __init__(
        self,
        agency: str,
        db: Database,
        clock: Clock,
        subject_key: bytes,
        table: type[ReceivedChangeBase],
        audit: AuditLog,
        apply: Apply,
        needs_ssn: bool = True,
    ) -> None:
        self.agency = agency
        self._needs_ssn = needs_ssn
        self._db = db
        self._clock = clock
        self._subject_key = subject_key
        self._table = table
        self._audit = audit
        self._apply = apply

    async def receive(
        self, request_id: str, notice: life_event_pb2.ChangeNotice, purpose: str
    ) -> life_event_pb2.ChangeAcknowledgement:
        now = self._clock.now()
        checked = check_notice(request_id, notice, now.date(), self._needs_ssn)
        asker = Asker.of_current_call(checked.case_id, purpose.strip() or DEFAULT_PURPOSE)

        def unit(session: Session) -> Receipt:
            receipt = receive(
                session,
                self._table,
                checked,
                asker.service,
                now,
                lambda s: self._apply(s, checked),
            )
            self._record(session, asker, checked, receipt, now)
            return receipt

        receipt = await self._db.run(unit)
        log.info(
            "change notice received",
            agency=self.agency,
            case_id=checked.case_id,
            kind=checked.kind_name,
            action=receipt.effect.action,
            duplicate=receipt.duplicate,
        )
        return receipt.acknowledgement(checked.key, self.agency)

    def _record(
        self,
        session: Session,
        asker: Asker,
        notice: CheckedNotice,
        receipt: Receipt,
        now: dt.datetime,
    ) -> None:
        """One RECEIVED entry per member the notice names: the agency was told of them,
        whether or not it acted, and a repeated delivery is a repeated telling. A member
        sent without an SSN (to HHS and USDA, or a child not yet numbered) is named by
        person id within the case."""
        detail = f"change {notice.kind_name}: {receipt.effect.action}"
        if receipt.duplicate:
            detail += " (duplicate, nothing done again)"
        record(
            session,
            self._audit,
            self._subject_key,
            asker,
            now,
            [
                Disclosure(s.ssn, Outcome.RECEIVED, detail)
                if s.ssn
                else Disclosure(
                    "",
                    Outcome.RECEIVED,
                    detail,
                    audit_person_ref(self._subject_key, notice.case_id, s.person_id),
                )
                for s in notice.subjects
            ],
            (f"change.{notice.kind_name.lower()}",),
        )
