"""Short garbage-collection pauses in a long-running gateway worker.

A worker's heap is mostly objects that live for minutes or for ever: modules, routes and
schemas from start-up, and the open tenants' applications with their cached aggregates
(about 10 tracked objects per cached call). CPython's full collection walks every tracked
object, and it runs whenever the objects that survived since the last one reach a quarter of
the old heap. At the default cache bounds (256 tenants × 500 calls) that is 1.4 million
objects and 350 to 600 ms per full collection (``benchmarks/gc_pause.py``), a stall of
every request in the worker, as often as the heap's growth makes CPython run one.

:class:`HeapFreezer` moves the heap into the permanent generation (``gc.freeze``) at start
and then every ``freeze_seconds``. A full collection then walks only what was created since
the last round. Frozen objects are still freed by reference counting when the cache drops
them; only reference cycles among them outlive their last use, and requests make few of
those: 0 and 508 objects in the two workers after 32,000 requests each under the HTTP
benchmark, with a round every 5 s. Every ``reclaim_seconds`` the freezer unfreezes and runs one full
collection to free them: one long pause a day by default.
"""

import gc
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class HeapFreezer:
    """Freezes the heap at start and every ``freeze_seconds`` (0: only at start); every
    ``reclaim_seconds`` (0: never) it unfreezes, collects in full and freezes again."""

    def __init__(
        self,
        freeze_seconds: float,
        reclaim_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if freeze_seconds < 0 or reclaim_seconds < 0:
            raise ValueError("freeze_seconds and reclaim_seconds must not be negative")
        self._freeze_seconds = freeze_seconds
        self._reclaim_seconds = reclaim_seconds
        self._clock = clock
        self._reclaimed_at = clock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Collect everything once and freeze what is left; then keep freezing in a thread."""
        self.reclaim()
        if self._freeze_seconds:
            self._thread = threading.Thread(target=self._run, name="heap-freezer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def freeze(self) -> int:
        """Freeze every tracked object; how many are frozen now.

        No collection first: at the cache bounds, where young objects pile up between
        CPython's rare collections, one took up to 28 ms, and under the HTTP benchmark it
        left no fewer cycles frozen (508 and 0 objects in the two workers, against 0 and
        508 without it)."""
        gc.freeze()
        return gc.get_freeze_count()

    def reclaim(self) -> int:
        """A full collection over the whole heap, frozen part included, then freeze again;
        how many unreachable objects it found."""
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._reclaimed_at = self._clock()
        return found

    def round(self) -> None:
        """One round of the thread: a reclaim when one is due, else a freeze."""
        elapsed = self._clock() - self._reclaimed_at
        if self._reclaim_seconds > 0 and elapsed >= self._reclaim_seconds:
            started = self._clock()
            found = self.reclaim()
            log.info(
                "reclaim: a full collection found %d unreachable objects in %.0f ms",
                found,
                (self._clock() - started) * 1000,
            )
        else:
            self.freeze()

    def _run(self) -> None:
        while not self._stopping.wait(self._freeze_seconds):
            self.round()
