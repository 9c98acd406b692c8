"""Expensive calls run one at a time per caller; others are not held up by it."""

from __future__ import annotations

import grpc
import pytest

from shared.errors import ServiceError
from shared.one_at_a_time import BUSY, OneAtATime


async def test_a_second_expensive_call_from_the_same_caller_is_refused_while_the_first_runs() -> (
    None
):
    guard = OneAtATime()
    async with guard.slot("tool/au-1", "audit verification"):
        with pytest.raises(ServiceError) as caught:
            async with guard.slot("tool/au-1", "audit verification"):
                pass
        assert (caught.value.code, caught.value.reason) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            BUSY,
        )
        # Another caller, or another kind of call, is not held up.
        async with guard.slot("tool/au-2", "audit verification"):
            pass
        async with guard.slot("tool/au-1", "burden report"):
            pass
    # Once the first ends, the same caller may ask again, even after a failure inside.
    with pytest.raises(RuntimeError):
        async with guard.slot("tool/au-1", "audit verification"):
            raise RuntimeError("boom")
    async with guard.slot("tool/au-1", "audit verification"):
        pass
