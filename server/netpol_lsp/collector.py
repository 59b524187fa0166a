"""Pausing Python's cyclic garbage collector around work that makes many objects at once.

The parsed workspace is a million long-lived objects with no reference cycles (refcounting
frees them). Left running, the collector walks them again and again: loading a cached
10,000-file workspace took 4.3 s instead of 0.7 s. So indexing pauses it, and what indexing
built is frozen (out of its sight) when done. Pausing around an edit's analysis does not
help: the new trees survive it and are scanned once the collector runs again (measured: the
same 16 ms per edit). Pauses nest and may come from several threads: the collector runs
again when the last one ends.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_pauses = 0


@contextmanager
def paused(freeze_after: bool = False) -> Iterator[None]:
    """freeze_after: move every object alive at the end to the permanent generation first
    (for long-lived results, such as an indexed workspace)."""
    global _pauses
    with _lock:
        _pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if freeze_after:
                gc.freeze()
            if _pauses == 0:
                gc.enable()


# For the long-running server: the collector's default (700, 10, 10) runs a young collection
# every 700 allocations and a full one as soon as the objects an edit keeps pass a quarter of
# the unfrozen ones, so each edit's new trees are scanned several times. Measured on the
# 2,000-line file of the 10,000-file workspace, per edit: 15.3 ms with the defaults, 12.1 ms
# with these, 10.4 ms with no collector at all (benchmarks/README.md).
SERVER_THRESHOLDS = (10_000, 50, 1_000)


def tune_for_server() -> None:
    gc.set_threshold(*SERVER_THRESHOLDS)


def release_free_memory() -> None:
    """Gives the C heap's free pages back to the system (glibc's malloc_trim). Reading a
    workspace frees tens of MB of transient bytes (a worker's packed files, the cache's
    copies, file bytes once decoded) that glibc otherwise keeps mapped: the resident size of
    a process that read the 10,000-file findings corpus drops from 296 to 250 MB. Elsewhere
    than on glibc it does nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_TRIM: list = []


def _malloc_trim():
    if not _TRIM:
        try:
            import ctypes
            import sys

            _TRIM.append(ctypes.CDLL(None).malloc_trim if sys.platform.startswith("linux") else None)
        except (OSError, AttributeError, ImportError):  # musl, or no ctypes
            _TRIM.append(None)
    return _TRIM[0]
