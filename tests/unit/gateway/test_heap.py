"""The heap freezer: long-lived objects leave the collector's walk, and a reclaim frees the
reference cycles that died while frozen."""

import gc
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from gateway.api.settings import GatewaySettings
from gateway.heap import HeapFreezer
from gateway.workers import start_heap_freezer


class Node:
    """An object in a reference cycle: only the cycle collector can free it."""

    def __init__(self) -> None:
        self.me = self


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def frozen_cycle(freezer: HeapFreezer) -> "weakref.ref[Node]":
    """A cycle that was alive at a freeze and is garbage now."""
    node = Node()
    freezer.freeze()
    ref = weakref.ref(node)
    del node
    gc.collect()
    return ref


def test_a_freeze_moves_the_heap_out_of_full_collections() -> None:
    gc.unfreeze()
    before = gc.get_freeze_count()
    kept = [Node() for _ in range(1_000)]

    frozen = HeapFreezer(0, 0).freeze()

    assert before == 0
    assert frozen >= len(kept)
    assert len(gc.get_objects()) < frozen


def test_a_frozen_cycle_outlives_full_collections_until_a_reclaim() -> None:
    freezer = HeapFreezer(0, 0)
    ref = frozen_cycle(freezer)
    assert ref() is not None

    found = freezer.reclaim()

    assert ref() is None
    assert found >= 1
    assert gc.get_freeze_count() > 0  # what survived is frozen again


class Leaf:
    """An object without cycles: reference counting frees it."""


def test_a_frozen_object_without_cycles_is_freed_when_dropped() -> None:
    leaf = Leaf()
    ref = weakref.ref(leaf)
    HeapFreezer(0, 0).freeze()

    del leaf

    assert ref() is None


def test_a_round_reclaims_only_when_a_reclaim_is_due() -> None:
    clock = Clock()
    freezer = HeapFreezer(60, 3_600, clock)

    clock.now = 3_599.0
    early = frozen_cycle(freezer)
    freezer.round()
    assert early() is not None

    clock.now = 3_600.0
    freezer.round()
    assert early() is None

    clock.now = 3_601.0  # the reclaim restarted the interval
    late = frozen_cycle(freezer)
    freezer.round()
    assert late() is not None


def test_no_reclaim_when_its_interval_is_zero() -> None:
    clock = Clock()
    freezer = HeapFreezer(60, 0, clock)
    ref = frozen_cycle(freezer)

    clock.now = 10 * 365 * 86_400.0
    freezer.round()

    assert ref() is not None


def freezer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "heap-freezer"]


def test_the_thread_freezes_until_stopped() -> None:
    freezer = HeapFreezer(0.01, 0)
    freezer.start()
    try:
        gc.unfreeze()
        deadline = time.monotonic() + 5
        while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.get_freeze_count() > 0
        assert len(freezer_threads()) == 1
    finally:
        freezer.stop()
    assert freezer_threads() == []


def test_without_an_interval_it_freezes_once_and_starts_no_thread() -> None:
    gc.unfreeze()
    freezer = HeapFreezer(0, 0)
    freezer.start()
    freezer.stop()

    assert gc.get_freeze_count() > 0
    assert freezer_threads() == []


def test_negative_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        HeapFreezer(-1, 0)
    with pytest.raises(ValueError, match="must not be negative"):
        HeapFreezer(60, -1)


def test_serve_starts_the_freezer_its_settings_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDAMENT_GC_FREEZE_SECONDS", "0.01")
    monkeypatch.setenv("FUNDAMENT_GC_RECLAIM_SECONDS", "0")
    settings = GatewaySettings()

    freezer = start_heap_freezer(settings)
    try:
        assert (settings.gc_freeze_seconds, settings.gc_reclaim_seconds) == (0.01, 0)
        assert len(freezer_threads()) == 1
    finally:
        freezer.stop()
