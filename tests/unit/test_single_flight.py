"""Single-flight: callers with one key share one run of the work."""

from __future__ import annotations

import asyncio

import pytest

from shared.single_flight import SingleFlight


class Work:
    """Work that waits to be released, counting how often it was started."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.started += 1
        await self.release.wait()
        return f"run {self.started}"


async def test_concurrent_callers_with_one_key_share_one_run() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    callers = [asyncio.create_task(flights.run("k", work)) for _ in range(5)]
    await asyncio.sleep(0)
    work.release.set()
    assert await asyncio.gather(*callers) == ["run 1"] * 5
    assert work.started == 1


async def test_different_keys_run_apart() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    work.release.set()
    assert await asyncio.gather(flights.run("a", work), flights.run("b", work)) == [
        "run 1",
        "run 2",
    ]


async def test_a_caller_that_gives_up_does_not_stop_the_work_for_the_others() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    impatient = asyncio.create_task(flights.run("k", work))
    patient = asyncio.create_task(flights.run("k", work))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    work.release.set()
    assert await patient == "run 1"


async def test_every_caller_gets_the_error_and_a_later_call_starts_afresh() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    attempts = 0

    async def fails_once() -> str:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)
        if attempts == 1:
            raise ValueError("first attempt")
        return "second"

    results = await asyncio.gather(
        flights.run("k", fails_once), flights.run("k", fails_once), return_exceptions=True
    )
    assert [type(r) for r in results] == [ValueError, ValueError]
    assert not flights.in_flight("k")
    assert await flights.run("k", fails_once) == "second"
