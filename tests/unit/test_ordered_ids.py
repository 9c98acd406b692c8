"""Minted ids sort in the order they were minted, so new rows land at the end of every
index keyed by them, and stay 32 unguessable hexadecimal digits."""

from __future__ import annotations

import re
import time

from shared.ordered_ids import ordered_id


def test_ids_minted_later_sort_later() -> None:
    first = ordered_id()
    time.sleep(0.002)  # a later millisecond: within one, order is left to chance
    second = ordered_id()
    assert first < second


def test_ids_are_32_hex_digits_and_do_not_repeat() -> None:
    ids = [ordered_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    # The random part differs even among ids minted in the same millisecond.
    assert len({i[12:] for i in ids}) == len(ids)


def test_the_leading_digits_are_the_minting_time() -> None:
    before = time.time_ns() // 1_000_000
    minted = int(ordered_id()[:12], 16)
    after = time.time_ns() // 1_000_000
    assert before <= minted <= after
