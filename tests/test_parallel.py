"""parallel.map_in_order: the same results in the same order as reading alone, whoever reads
what, and when a worker fails or dies, what it did not send is read here."""
from __future__ import annotations

import os
import sys
import time

import pytest

from netpol_lsp import parallel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


@pytest.fixture(autouse=True)
def small_pools(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_FILES_PER_WORKER", 10)
    monkeypatch.setattr(parallel, "BATCH", 4)
    monkeypatch.setattr(parallel, "WAIT", 0.2)


def _by_whom(parent: int):
    """read() that says which process read the item (slow enough that the worker, started
    after this process began, still finds batches left)."""
    def read(item):
        time.sleep(0.0005)
        return item * 3, "here" if os.getpid() == parent else "worker"
    return read


def test_results_come_back_in_order_from_this_process_and_the_workers():
    items = list(range(403))
    results = parallel.map_in_order(_by_whom(os.getpid()), items, jobs=3,
                                    pack=lambda r: (r[0], r[1]), unpack=lambda p: (p[0], p[1] + " unpacked"))
    assert [value for value, _ in results] == [item * 3 for item in items]
    readers = {who for _, who in results}
    assert readers == {"here", "worker unpacked"}  # both read, and only a worker's results were unpacked


def test_a_worker_that_raises_leaves_its_files_to_this_process():
    parent = os.getpid()

    def read(item):
        if os.getpid() != parent and item % 7 == 0:
            raise ValueError("broken")
        time.sleep(0.0005)
        return item + 1

    assert parallel.map_in_order(read, list(range(400)), jobs=2) == [item + 1 for item in range(400)]


def test_a_worker_that_dies_leaves_its_files_to_this_process():
    parent = os.getpid()

    def read(item):
        if os.getpid() != parent and item == 5:
            os._exit(9)  # killed mid-batch: it says nothing more
        time.sleep(0.0005)
        return -item

    assert parallel.map_in_order(read, list(range(400)), jobs=2) == [-item for item in range(400)]
