"""The limits every request is held to, whatever the service or method.

One walk over a decoded request, guided by its descriptor, finds what no servicer
should have to think about: strings too long for their column or with NUL characters
(PostgreSQL refuses both where SQLite stores them, so the limit must be ours, the same
on every engine) or other control characters (see ``_UNSAFE_CHARS``), enum numbers the schema does not know (proto3 keeps them), amounts
large enough for a sum to overflow 64 bits, and repeated fields longer than any real
household. The walk is linear in the request and never descends into a repeated field
already over its cap, so a 100,000-member household costs one comparison.

Limits are keyed by field name, so a new method that reuses a name (``members``,
``person_id``, ``*_cents``) is bounded without being listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from shared.errors import FieldViolation

# gRPC's own default, made explicit: every valid request is far below it (see the caps
# below), and every answer to a valid request stays under the 4 MiB a client accepts.
MAX_REQUEST_BYTES = 4 * 1024 * 1024

# Households of seven or more are about 1.5% of US households (Census ACS); fifty is more
# than twice any real one, and keeps the relationship list (50 x 49 pairs), the rules'
# work and a case's answer (every member's evidence and determinations) small.
MAX_HOUSEHOLD_MEMBERS = 50
# Children one pregnancy may be expected to bring: octuplets are the most on record.
MAX_EXPECTED_CHILDREN = 8
# A billion dollars, in cents, either way: more than any income or cost a benefit rule
# reads, and small enough that sums over a whole request stay far inside 64 bits.
MAX_ABS_CENTS = 100_000_000_000

# Identifiers are stored in VARCHAR(64) columns.
MAX_ID_CHARS = 64
MAX_TEXT_CHARS = 256
MAX_ITEMS = 100

# Characters no field has a use for, refused in every string: NUL (PostgreSQL refuses it),
# the other C0 controls but tab and line breaks, DEL and the C1 controls (ESC and CSI start
# terminal escape sequences: a name holding one would clear, retitle or rewrite the screen
# of a caseworker whose `elig` shows it), and the bidirectional embeddings, overrides and
# isolates, which make text read other than it is stored (CVE-2021-42574, "Trojan Source").
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_CHARS_MESSAGE = "must not contain control or bidirectional-override characters"

_CHARS_BY_NAME = {
    # The orchestrator stores a request_id in 128 characters (below) and forwards it to
    # an agency with a suffix (":treasury"), so agencies take a little more.
    "request_id": 160,
    "given": 100,
    "family": 100,
    "page_token": 512,
    # A signed proof naming up to fifty filers.
    "consent_proof": 16_384,
}
_CHARS_BY_FULL_NAME = {
    "eligibility.orchestrator.v1.SubmitApplicationRequest.request_id": 128,
    "eligibility.orchestrator.v1.RevokeConsentRequest.request_id": 128,
}
_ITEMS_BY_NAME = {
    "members": MAX_HOUSEHOLD_MEMBERS,
    "people": MAX_HOUSEHOLD_MEMBERS,
    "filers": MAX_HOUSEHOLD_MEMBERS,
    "tax_units": MAX_HOUSEHOLD_MEMBERS,
    "consents": MAX_HOUSEHOLD_MEMBERS,
    "filer_person_ids": MAX_HOUSEHOLD_MEMBERS,
    "dependent_person_ids": MAX_HOUSEHOLD_MEMBERS,
    "left_person_ids": MAX_HOUSEHOLD_MEMBERS,
    # Every member related to every other, both ways.
    "relationships": MAX_HOUSEHOLD_MEMBERS * (MAX_HOUSEHOLD_MEMBERS - 1),
    "incomes": 20,
    "programs": 10,
    "agencies": 10,
    "facts": 20,
}


def max_chars(field: FieldDescriptor) -> int:
    if field.full_name in _CHARS_BY_FULL_NAME:
        return _CHARS_BY_FULL_NAME[field.full_name]
    if field.name in _CHARS_BY_NAME:
        return _CHARS_BY_NAME[field.name]
    if field.name.endswith(("_id", "_ids")):
        return MAX_ID_CHARS
    return MAX_TEXT_CHARS


def max_items(field: FieldDescriptor) -> int:
    return _ITEMS_BY_NAME.get(field.name, MAX_ITEMS)


def is_cents(field: FieldDescriptor) -> bool:
    return field.name.endswith("_cents")


def _is_repeated(field: FieldDescriptor) -> bool:
    # protobuf 6+ prefers is_repeated; older runtimes only have label.
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return field.label == FieldDescriptor.LABEL_REPEATED


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return entry is not None and entry.GetOptions().map_entry


TIMESTAMP = "google.protobuf.Timestamp"
# The range google.protobuf.Timestamp defines (0001-01-01 to 9999-12-31): outside it,
# converting to a datetime fails, so it is refused here, where every request passes.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _valid_timestamp(value: object) -> bool:
    seconds, nanos = getattr(value, "seconds", 0), getattr(value, "nanos", 0)
    return _MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos <= 999_999_999


def check_message(message: Message, path: str = "") -> list[FieldViolation]:
    """Every limit the request breaks, one violation each, in field order."""
    if within_limits(message):
        return []
    out: list[FieldViolation] = []
    _walk(message, path, out)
    return out


def within_limits(message: Message) -> bool:
    """Whether ``message`` breaks no limit: the walk below, without naming paths, and
    with what each field needs checked worked out once per field instead of per value.
    Nearly every request is within limits; the rare one that is not is walked again by
    ``_walk`` to name every violation."""
    texts: list[str] = []
    # Every character the pattern refuses is refused on its own, so one search over all
    # the strings joined finds what a search of each would: a notice's reasons and their
    # figures are a few hundred strings, and a search each cost more than the rest.
    return _fits(message, texts) and not _UNSAFE_CHARS.search("".join(texts))


def _fits(message: Message, texts: list[str]) -> bool:
    """``within_limits`` but for the characters of strings, which go into ``texts``."""
    for field, value in message.ListFields():
        plan = _PLANS.get(field) or _plan(field)
        check = plan.check
        if plan.repeated:
            if len(value) > plan.items:
                return False
            if plan.map_entry is not None:
                key_plan, value_plan = plan.map_entry
                if key_plan.check == value_plan.check == _STRING:
                    # Text by text (a reason's figures): no call per key and value.
                    key_chars, value_chars = key_plan.chars, value_plan.chars
                    for key, item in value.items():
                        if len(key) > key_chars or len(item) > value_chars:
                            return False
                        texts += (key, item)
                    continue
                for key, item in value.items():
                    if not (
                        _value_fits(key_plan, key, texts) and _value_fits(value_plan, item, texts)
                    ):
                        return False
            elif check == _MESSAGE:
                for item in value:
                    if not _fits(item, texts):
                        return False
            elif check == _STRING:
                for item in value:
                    if len(item) > plan.chars:
                        return False
                texts += value
            elif check != _NOTHING:
                for item in value:
                    if not _value_fits(plan, item, texts):
                        return False
        elif check == _MESSAGE:
            if not _fits(value, texts):
                return False
        elif check == _STRING:
            if len(value) > plan.chars:
                return False
            texts.append(value)
        elif check != _NOTHING and not _value_fits(plan, value, texts):
            return False
    return True


_NOTHING, _MESSAGE, _TIMESTAMP, _STRING, _ENUM, _CENTS = range(6)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What ``_walk`` checks of one field, read off its descriptor once."""

    check: int
    repeated: bool = False
    items: int = MAX_ITEMS
    chars: int = MAX_TEXT_CHARS
    enum_numbers: frozenset[int] = frozenset()
    map_entry: tuple[_Plan, _Plan] | None = None


_PLANS: dict[FieldDescriptor, _Plan] = {}


def _plan(field: FieldDescriptor) -> _Plan:
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        check = _TIMESTAMP if field.message_type.full_name == TIMESTAMP else _MESSAGE
    elif kind == FieldDescriptor.TYPE_STRING:
        check = _STRING
    elif kind == FieldDescriptor.TYPE_ENUM:
        check = _ENUM
    elif is_cents(field):
        check = _CENTS
    else:
        check = _NOTHING
    map_entry = None
    if _is_repeated(field) and _is_map(field):
        key_field, value_field = field.message_type.fields
        map_entry = (_plan(key_field), _plan(value_field))
    plan = _Plan(
        check,
        repeated=_is_repeated(field),
        items=max_items(field),
        chars=max_chars(field),
        enum_numbers=frozenset(field.enum_type.values_by_number) if check == _ENUM else frozenset(),
        map_entry=map_entry,
    )
    _PLANS[field] = plan
    return plan


def _value_fits(plan: _Plan, value: object, texts: list[str]) -> bool:
    check = plan.check
    if check == _STRING:
        text = str(value)
        if len(text) > plan.chars:
            return False
        texts.append(text)
        return True
    if check == _MESSAGE:
        return _fits(value, texts)  # type: ignore[arg-type]
    if check == _ENUM:
        return value in plan.enum_numbers
    if check == _CENTS:
        return abs(int(value)) <= MAX_ABS_CENTS  # type: ignore[call-overload]
    if check == _TIMESTAMP:
        return _valid_timestamp(value)
    return True


def _walk(message: Message, path: str, out: list[FieldViolation]) -> None:
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        if _is_repeated(field):
            cap = max_items(field)
            if len(value) > cap:
                out.append(FieldViolation(where, f"must have at most {cap} items"))
                continue
            if _is_map(field):
                key_field, value_field = field.message_type.fields
                for key, item in value.items():
                    _check_value(key_field, key, f"{where}[{key!r:.40}]", out)
                    _check_value(value_field, item, f"{where}[{key!r:.40}]", out)
                continue
            for i, item in enumerate(value):
                _check_value(field, item, f"{where}[{i}]", out)
        else:
            _check_value(field, value, where, out)


def _check_value(
    field: FieldDescriptor, value: object, where: str, out: list[FieldViolation]
) -> None:
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == TIMESTAMP and not _valid_timestamp(value):
            out.append(FieldViolation(where, "must be a time between the years 1 and 9999"))
            return
        _walk(value, where, out)  # type: ignore[arg-type]
    elif kind == FieldDescriptor.TYPE_STRING:
        text = str(value)
        cap = max_chars(field)
        if len(text) > cap:
            out.append(FieldViolation(where, f"must be at most {cap} characters"))
        elif "\x00" in text:
            out.append(FieldViolation(where, "must not contain NUL characters"))
        elif _UNSAFE_CHARS.search(text):
            out.append(FieldViolation(where, UNSAFE_CHARS_MESSAGE))
    elif kind == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        if enum.values_by_number.get(value) is None:  # type: ignore[call-overload]
            out.append(FieldViolation(where, f"{value} is not a known {enum.name}"))
    elif is_cents(field) and abs(int(value)) > MAX_ABS_CENTS:  # type: ignore[call-overload]
        out.append(
            FieldViolation(where, f"must be between -{MAX_ABS_CENTS} and {MAX_ABS_CENTS} cents")
        )
