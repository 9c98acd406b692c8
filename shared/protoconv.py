"""Conversions between protobuf messages and Python values shared by all services."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from eligibility.common.v1 import date_pb2


def date_to_proto(value: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def date_from_proto(value: date_pb2.Date) -> dt.date:
    """Raises ValueError for an unset or impossible date."""
    return dt.date(value.year, value.month, value.day)


def is_date_set(value: date_pb2.Date) -> bool:
    return bool(value.year or value.month or value.day)


def timestamp_to_proto(value: dt.datetime) -> Timestamp:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
