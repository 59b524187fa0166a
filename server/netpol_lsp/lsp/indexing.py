"""Reading every manifest of the workspace folders in the background, with work-done progress.

The folders are walked the way `netpol-lsp check` walks them (same suffixes, skipped folders,
exclude globs, symlinks outside the folder not followed), files are read and parsed in worker
threads in batches, and each batch is added to the workspace on the message loop, so requests
and edits are served between batches. The client sees `$/progress` begin, a report per batch
with a percentage, and end. An open buffer read while indexing wins over the disk.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Awaitable, Callable, Optional

from lsprotocol import types

from ..config import Config
from ..loader import Candidate, read_candidate, walk_folder
from .state import ServerState

log = logging.getLogger(__name__)

BATCH_MIN = 16
REPORTS = 50  # about this many progress reports, whatever the workspace's size


def discover(roots: list[str], config: Config) -> list[Candidate]:
    """Every manifest under the folders, as check would find them, keyed by absolute path."""
    seen: set[str] = set()
    out = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        # relative display paths: exclude globs are relative to the workspace root
        for candidate in walk_folder(Path(root), Path(root).resolve(), "", config):
            path = os.path.normpath(os.path.join(root, candidate.display))
            if path in seen:
                continue
            seen.add(path)
            out.append(Candidate(path, candidate.real, candidate.problem))
    return out


def read_batch(batch: list[Candidate], config: Config):
    return [read_candidate(candidate, config) for candidate in batch]


class Progress:
    """Work-done progress if the client supports it; otherwise nothing is sent."""

    def __init__(self, server, enabled: bool):
        self.server = server
        self.enabled = enabled
        self.token: Optional[str] = None
        self.last_percent = -1

    async def begin(self, title: str, message: str) -> None:
        if not self.enabled:
            return
        token = f"netpol-lsp/index/{time.monotonic_ns()}"
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception as err:  # the client refused: index anyway, without a bar
            log.debug("work done progress refused: %s", err)
            return
        self.token = token
        self.server.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title=title, message=message, percentage=0, cancellable=False))

    def report(self, done: int, total: int) -> None:
        if self.token is None:
            return
        percent = int(done * 100 / total) if total else 100
        if percent == self.last_percent:
            return
        self.last_percent = percent
        self.server.work_done_progress.report(self.token, types.WorkDoneProgressReport(
            message=f"{done}/{total} files", percentage=percent))

    def end(self, message: str) -> None:
        if self.token is None:
            return
        self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.token = None


async def index_workspace(server, state: ServerState, progress_enabled: bool,
                          on_done: Callable[[int], Awaitable[None]]) -> None:
    """Indexes every root of `state`, then calls on_done(number of files)."""
    started = time.perf_counter()
    progress = Progress(server, progress_enabled)
    await progress.begin("netpol-lsp: indexing manifests", "looking for manifests")
    loop = asyncio.get_running_loop()
    config = state.config
    total = 0
    try:
        candidates = await loop.run_in_executor(None, discover, list(state.roots), config)
        total = len(candidates)
        progress.report(0, total)
        size = max(BATCH_MIN, total // REPORTS + 1)
        done = 0
        for start in range(0, total, size):
            batch = candidates[start:start + size]
            sources = await loop.run_in_executor(None, read_batch, batch, config)
            if state.config is not config:
                return  # the configuration changed meanwhile: a new indexing has started
            state.add_indexed(sources)
            done += len(batch)
            progress.report(done, total)
    finally:
        progress.end(f"{total} files indexed in {time.perf_counter() - started:.1f} s")
    log.info("indexed %d files in %.2f s", total, time.perf_counter() - started)
    await on_done(total)
