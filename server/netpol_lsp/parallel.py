"""Reading many files on every core: `check` parses a big repository in worker processes.

Parsing is CPU-bound Python, so threads would not help. Workers are forked (they inherit the
imported modules and the configuration for free), each reads an interleaved share of the
files and sends each result back packed (packing.py: plain tuples, cheap to pickle); this
process reads a share too, smaller, since it also unpacks what the workers send. Results
come back in the order given. Elsewhere than on Linux (fork is unsafe on macOS, missing on
Windows), with few files, or when a worker fails, everything is read here: the same result,
only slower.
"""
from __future__ import annotations

import logging
import marshal
import multiprocessing
import os
import sys
from typing import Callable, Sequence

log = logging.getLogger(__name__)

# Below this many files a pool costs more than it saves (a fork and the transfer back).
MIN_FILES_PER_WORKER = 200
# This process's share next to a worker's: it also unpacks the workers' results, which costs
# about a third of reading them (benchmarks/README.md).
LOCAL_WEIGHT, WORKER_WEIGHT = 2, 3
BATCH = 64  # files a worker reads before sending them back: results stream in while we read


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on (containers, taskset)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_in_order(read: Callable, items: Sequence, jobs: int | None = None,
                 pack: Callable = None, unpack: Callable = None) -> list:
    """[read(item) for item in items] on up to `jobs` processes (default: the usable cores).
    A worker returns pack(read(item)); this process turns it back with unpack."""
    processes = max(1, min(jobs or usable_cores(), len(items) // MIN_FILES_PER_WORKER))
    if processes == 1 or not sys.platform.startswith("linux"):  # fork is safe on Linux only
        return [read(item) for item in items]
    owners = _owners(len(items), processes)
    local = [item for item, owner in zip(items, owners) if owner == 0]
    remote = [item for item, owner in zip(items, owners) if owner != 0]
    batches = [remote[i:i + BATCH] for i in range(0, len(remote), BATCH)]
    global _WORK
    _WORK = (read, pack or (lambda x: x))
    unpack = unpack or (lambda x: x)
    try:
        with multiprocessing.get_context("fork").Pool(processes - 1) as pool:
            pending = pool.imap(_read_batch, batches, chunksize=1)
            local_results = [read(item) for item in local]
            remote_results = [unpack(packed) for batch in pending for packed in marshal.loads(batch)]
    except Exception as err:  # a worker died (out of memory, killed): read it all here
        log.warning("parallel reading failed (%s); reading in one process", err)
        return [read(item) for item in items]
    finally:
        _WORK = None
    local_iter, remote_iter = iter(local_results), iter(remote_results)
    return [next(local_iter) if owner == 0 else next(remote_iter) for owner in owners]


def _owners(count: int, processes: int) -> list[int]:
    """Which process reads each item, 0 being this one: interleaved (neighbouring files are
    alike, one app's folder), LOCAL_WEIGHT items here to WORKER_WEIGHT for each worker."""
    pattern = [0] * LOCAL_WEIGHT + [1] * (WORKER_WEIGHT * (processes - 1))
    return [pattern[i % len(pattern)] for i in range(count)]


_WORK: tuple | None = None  # (read, pack) for the forked workers, set before the fork


def _read_batch(batch: list) -> bytes:
    read, pack = _WORK
    # marshal writes nested tuples of str and int several times faster than pickle
    return marshal.dumps([pack(read(item)) for item in batch])
