"""RecordDeath and WatchDeathReports at the edge: checking a report, saying why one was
refused, and putting a recorded death on the wire."""

from __future__ import annotations

import datetime as dt

import grpc

from eligibility.ssa.v1 import identity_pb2 as pb
from services.ssa import deaths
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.protoconv import date_to_proto, timestamp_to_proto
from shared.validation import check_date, check_ssn

MAX_REPORTED_BY = 200


def death_from(request: pb.RecordDeathRequest, today: dt.date) -> dt.date:
    violations: list[FieldViolation] = []
    if not request.request_id.strip():
        violations.append(FieldViolation("request_id", "is required: it makes a retry safe"))
    check_ssn(request.ssn, "ssn", violations)
    death = check_date(request.death_date, "death_date", violations, not_after=today)
    if len(request.reported_by) > MAX_REPORTED_BY:
        violations.append(
            FieldViolation("reported_by", f"must be at most {MAX_REPORTED_BY} characters")
        )
    if violations or death is None:
        raise invalid_argument(violations)
    return death


def report_to_proto(report: deaths.DeathReport) -> pb.DeathReport:
    return pb.DeathReport(
        sequence=report.sequence,
        ssn=report.ssn,
        death_date=date_to_proto(report.death_date),
        record_time=timestamp_to_proto(report.recorded_at),
    )


def death_refused(error: Exception) -> ServiceError:
    if isinstance(error, deaths.PersonUnknown):
        # The SSN is not echoed: the message may reach a log.
        return ServiceError(
            grpc.StatusCode.NOT_FOUND, "PERSON_NOT_FOUND", "SSA holds no record for this SSN"
        )
    if isinstance(error, deaths.DeathBeforeBirth):
        return invalid_argument(
            [FieldViolation("death_date", "is before the birth date SSA holds for the person")]
        )
    return ServiceError(
        grpc.StatusCode.ALREADY_EXISTS,
        "REQUEST_ID_REUSED",
        "this request_id already recorded another death; a new report needs a new request_id",
    )
