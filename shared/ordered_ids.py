"""Identifiers that sort by when they were minted: 32 hexadecimal digits, the first 12 the
minting time in milliseconds, the other 20 random.

Every row keyed or indexed by an id lands where its key sorts. Random ids (uuid4) send
each new row's index entry to a different page of the index, so one application dirtied
dozens of pages scattered through every id index, and SQLite wrote each of them whole to
its write-ahead log at every commit. Ids minted in time order land at the end of the
index, side by side. Eighty random bits per millisecond keep them unguessable and unique.
"""

from __future__ import annotations

import re
import secrets
import time

_SHAPE = re.compile(r"[0-9a-f]{32}")


def ordered_id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def shaped_like_ordered_id(text: str) -> bool:
    """Whether ``text`` could be one of these ids (text typed where an id may go may be
    anything: an SSN, a name)."""
    return _SHAPE.fullmatch(text) is not None
