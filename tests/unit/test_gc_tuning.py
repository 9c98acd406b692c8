"""The collector settings a service takes once it is ready (shared/gc_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.gc_tuning import DEFAULT_YOUNG, tune_collector
from shared.settings import load_settings


@pytest.fixture
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_ready_service_sets_long_lived_objects_aside_and_looks_less_often(collector: None) -> None:
    gc.unfreeze()
    tune_collector(12_345)
    assert gc.get_threshold() == (12_345, 10, 10)
    # Everything alive at that moment (this test's modules included) is out of the walk.
    assert gc.get_freeze_count() > 1000


def test_zero_keeps_pythons_own_settings(collector: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    tune_collector(0)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings("hhs").gc_young_threshold == DEFAULT_YOUNG
    monkeypatch.setenv("ELIG_HHS_GC_YOUNG_THRESHOLD", "0")
    assert load_settings("hhs").gc_young_threshold == 0
    monkeypatch.setenv("ELIG_GC_YOUNG_THRESHOLD", "-1")
    monkeypatch.delenv("ELIG_HHS_GC_YOUNG_THRESHOLD")
    with pytest.raises(ValueError):
        load_settings("hhs")
