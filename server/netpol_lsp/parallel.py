"""Reading many files on every core: `check` parses a big repository in worker processes.

Parsing is CPU-bound Python, so threads would not help. Workers are forked (they inherit the
imported modules and the configuration for free). The files are cut into small batches that
the processes claim as they go, the workers from the front and this process from the back,
so whoever gets more CPU (the machine is shared, a worker also packs, this process also
unpacks) reads more, and no one waits for a share fixed in advance. A worker sends each
batch back packed (packing.py: plain tuples, written by marshal in C); this process unpacks
what has arrived between its own batches. Results come back in the order given. Elsewhere
than on Linux (fork is unsafe on macOS, missing on Windows), with few files, or when a
worker fails, everything is read here: the same result, only slower.
"""
from __future__ import annotations

import logging
import marshal
import multiprocessing
import os
import queue as queues
import sys
from typing import Callable, Sequence

log = logging.getLogger(__name__)

# Below this many files a pool costs more than it saves (a fork and the transfer back).
MIN_FILES_PER_WORKER = 200
# Files per claim: small, so the processes finish within a batch's time of each other.
BATCH = 32
WAIT = 2.0  # seconds without a reply after which this process looks whether its workers still live
_FRONT, _BACK = 0, 1  # slots of the shared bounds: next batch from the front, one past the last unclaimed


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on (containers, taskset)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_in_order(read: Callable, items: Sequence, jobs: int | None = None,
                 pack: Callable = None, unpack: Callable = None, local: Callable = None) -> list:
    """[read(item) for item in items] on up to `jobs` processes (default: the usable cores).
    A worker returns pack(read(item)); this process turns it back with unpack. `local`: what
    this process reads with instead of `read` (the same result, in a form not for packing)."""
    processes = max(1, min(jobs or usable_cores(), len(items) // MIN_FILES_PER_WORKER))
    worker_read = read
    read = local or read
    if processes == 1 or not sys.platform.startswith("linux"):  # fork is safe on Linux only
        return [read(item) for item in items]
    batches = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
    context = multiprocessing.get_context("fork")
    bounds = context.RawArray("q", [0, len(batches)])
    lock = context.Lock()
    replies = context.Queue()
    workers = [context.Process(target=_work, args=(worker_read, pack or _same, batches, bounds, lock, replies),
                               daemon=True)
               for _ in range(processes - 1)]
    done: dict[int, list] = {}  # batch index -> its results, read here or unpacked
    unpack = unpack or _same
    try:
        for worker in workers:
            worker.start()
        running = len(workers)
        while True:
            index = _claim(bounds, lock, _BACK)
            if index is None:
                break
            done[index] = [read(item) for item in batches[index]]
            running -= _receive(replies, done, unpack, block=False)
        while running:
            finished = _receive(replies, done, unpack, block=True)
            if finished < 0:  # no word for a while: a worker that died says nothing more
                running = sum(worker.is_alive() for worker in workers)
            else:
                running -= finished
    except Exception as err:  # a worker's error, or its reply unreadable: what is missing is read here
        log.warning("parallel reading failed (%s); reading the rest in this process", err)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        replies.close()
    out = []
    for index, batch in enumerate(batches):
        results = done.get(index)
        out.extend(results if results is not None else [read(item) for item in batch])
    return out


def _same(value):
    return value


def _claim(bounds, lock, end: int):
    """The next unclaimed batch from the front (workers) or the back (this process), or None."""
    with lock:
        if bounds[_FRONT] >= bounds[_BACK]:
            return None
        if end == _FRONT:
            bounds[_FRONT] += 1
            return bounds[_FRONT] - 1
        bounds[_BACK] -= 1
        return bounds[_BACK]


def _receive(replies, done: dict, unpack: Callable, block: bool) -> int:
    """Unpacks the batches that have arrived (waiting for one when `block`): how many workers
    said they had finished, or -1 when a wait timed out."""
    finished = 0
    while True:
        try:
            index, blob = replies.get(timeout=WAIT) if block else replies.get_nowait()
        except queues.Empty:
            return -1 if block and not finished else finished
        block = False
        if index is None:
            if blob is not None:
                raise RuntimeError(blob)
            finished += 1
        else:
            done[index] = [unpack(packed) for packed in marshal.loads(blob)]


def _work(read: Callable, pack: Callable, batches: list, bounds, lock, replies) -> None:
    """A worker: claims batches from the front until none is left; (None, None) when done,
    (None, why) when it failed."""
    try:
        while True:
            index = _claim(bounds, lock, _FRONT)
            if index is None:
                break
            # marshal writes nested tuples of str and int several times faster than pickle
            replies.put((index, marshal.dumps([pack(read(item)) for item in batches[index]])))
        replies.put((None, None))
    except BaseException as err:  # noqa: BLE001 - told to the parent, which reads the batch itself
        replies.put((None, f"{type(err).__name__}: {err}"))
