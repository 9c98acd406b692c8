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


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)


def timestamp_to_proto(value: dt.datetime) -> Timestamp:
    """A naive time is taken as UTC. Plain arithmetic, not ``FromDatetime`` (which goes
    through ``calendar.timegm`` and a time tuple): a case's reply carries dozens."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    seconds, rest = divmod(value - _EPOCH, _SECOND)
    return Timestamp(seconds=seconds, nanos=rest.microseconds * 1000)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
