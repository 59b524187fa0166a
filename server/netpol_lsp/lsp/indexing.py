"""Reading every manifest of the workspace folders in the background, with work-done progress.

The folders are walked the way `netpol-lsp check` walks them (same suffixes, skipped folders,
exclude globs, symlinks outside the folder not followed). Files that did not change since the
last index come from the warm-start cache (cache.py, shared with check's format); the others
are read lean (only what the analysis reads: open buffers are parsed whole) in batches, on
worker processes when there are many (spawned, not forked: this process has threads), and
each batch is added to the workspace on the message loop, so requests and edits are served
between batches. The client sees `$/progress` begin, a report per batch with a percentage,
and end. An open buffer read while indexing wins over the disk.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import marshal
import multiprocessing
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Awaitable, Callable, Optional

from lsprotocol import types

from .. import collector
from ..bulk import is_fresh, is_large, quiet_worker, read_identified, read_packed_batch
from ..cache import WorkspaceCache
from ..config import Config
from ..loader import Candidate, walk_folder
from ..packing import pack, unpack
from ..parallel import usable_cores
from .state import ServerState

log = logging.getLogger(__name__)

BATCH_MIN = 16
REPORTS = 50  # about this many progress reports, whatever the workspace's size
# Below this many files to parse, worker processes cost more (start-up, imports) than they save.
PROCESSES_FROM = 400


def discover(roots: list[str], config: Config, nested: Optional[list[str]] = None) -> list[Candidate]:
    """Every manifest under the folders, as check would find them, keyed by absolute path.
    nested: when a list, a folder below a root with its own .netpol-lsp.yaml is left out (it is
    its own cluster, as in check) and its absolute path appended to the list instead."""
    seen: set[str] = set()
    out = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        found: Optional[list[str]] = [] if nested is not None else None
        # relative display paths: exclude globs are relative to the workspace root
        for candidate in walk_folder(Path(root), Path(root).resolve(), "", config, found):
            path = os.path.normpath(os.path.join(root, candidate.display))
            if path in seen:
                continue
            seen.add(path)
            out.append(Candidate(path, candidate.real, candidate.problem))
        if nested is not None:
            nested.extend(os.path.normpath(os.path.join(root, folder)) for folder in found
                          if os.path.normpath(os.path.join(root, folder)) not in nested)
    return out


class Reader:
    """Turns batches of candidates into SourceFiles: from the cache when unchanged, else parsed
    (in worker processes when `processes` > 1), storing what was parsed into the cache."""

    def __init__(self, config: Config, cache: Optional[WorkspaceCache], processes: int):
        self.config = config
        self.cache = cache
        self.pool: Optional[Executor] = None
        if processes > 1:
            self.pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=quiet_worker)

    def fresh(self, candidate: Candidate) -> bool:
        return self.cache is not None and is_fresh(self.cache, candidate) \
            and self.cache.packed(candidate.display) is not None

    def start(self, batch: list[Candidate]):
        """A future of the parsed batch when a pool reads it, else None (read it with finish)."""
        if self.pool is None:
            return None
        return self.pool.submit(read_packed_batch, batch, self.config)

    def finish(self, batch: list[Candidate], future) -> list:
        """Runs in a thread: the batch's SourceFiles (packed only to travel or to be cached)."""
        sent = None
        if future is not None:
            try:
                sent = future.result()
            except Exception as err:  # a worker died or could not start: read the batch here
                log.warning("a worker process failed (%s); reading its files in the server", err)
        if sent is None:
            read = [read_identified(candidate, self.config) for candidate in batch]
            if self.cache is not None:
                for candidate, (source, identity, _) in zip(batch, read):
                    if identity is not None:
                        self.cache.store(candidate.display, *identity, marshal.dumps(pack(source)))
            return [source for source, _, _ in read]
        sources = []
        for candidate, (blob, identity) in zip(batch, sent):
            if self.cache is not None and identity is not None:
                self.cache.store(candidate.display, *identity, blob)
            sources.append(unpack(marshal.loads(blob), self.config))
        return sources

    def from_cache(self, batch: list[Candidate]) -> list:
        return [unpack(marshal.loads(self.cache.packed(c.display)), self.config) for c in batch]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


_TOKENS = itertools.count()


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
        token = f"netpol-lsp/index/{time.monotonic_ns()}-{next(_TOKENS)}"  # clusters index side by side
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


async def render_charts_of(state: ServerState, candidates: list[Candidate], config: Config, loop) -> None:
    """The Helm charts among the files, rendered with helm template (render/helm.py) off the
    event loop; what they gave replaces their templates' files."""
    from ..render.helm import find_charts, render_charts

    charts = find_charts(candidates)
    if not charts:
        return
    renders = await loop.run_in_executor(None, render_charts, charts, config)
    if state.config is config:  # not when a new configuration started a new indexing meanwhile
        state.charts = charts
        state.apply_rendered(renders)


async def index_workspace(server, state: ServerState, progress_enabled: bool,
                          on_done: Callable[[int], Awaitable[None]],
                          on_nested: Optional[Callable[[list[str]], None]] = None) -> None:
    """Indexes every root of `state`, then calls on_done(number of files). on_nested: told,
    as soon as the folders are walked, which folders below the roots have their own
    .netpol-lsp.yaml (left out here: each is its own cluster)."""
    started = time.perf_counter()
    progress = Progress(server, progress_enabled)
    await progress.begin("netpol-lsp: indexing manifests", "looking for manifests")
    loop = asyncio.get_running_loop()
    config = state.config
    total = 0
    reader = None
    try:
        with collector.paused(freeze_after=True):  # a million long-lived objects: collector.py
            nested: Optional[list[str]] = [] if on_nested is not None else None
            candidates = await loop.run_in_executor(None, discover, list(state.roots), config, nested)
            if state.config is not config:
                return  # the configuration changed meanwhile: a new indexing has started
            if state.carved:  # a workspace folder inside ours that is a cluster of its own
                candidates = [c for c in candidates if state.root_of(c.display) is not None]
            if on_nested is not None:
                on_nested(nested)
            total = len(candidates)
            progress.report(0, total)
            cache = None if os.environ.get("NETPOL_LSP_NO_CACHE") else WorkspaceCache(list(state.roots), config)
            if cache is not None:
                await loop.run_in_executor(None, cache.load)
            checker = Reader(config, cache, 1)
            hits = await loop.run_in_executor(None, lambda: [c for c in candidates if checker.fresh(c)])
            hit_paths = {c.display for c in hits}
            misses = [c for c in candidates if c.display not in hit_paths]
            processes = usable_cores() if len(misses) >= PROCESSES_FROM else 1
            reader = Reader(config, cache, processes) if processes > 1 else checker
            size = max(BATCH_MIN, total // REPORTS + 1)
            batches = [("cache", hits[i:i + size]) for i in range(0, len(hits), size)]
            large = [c for c in misses if is_large(c)]  # read here, one by one, never packed (bulk.py)
            misses = [c for c in misses if c not in large]
            batches += [("read", misses[i:i + size]) for i in range(0, len(misses), size)]
            batches += [("large", [c]) for c in large]
            futures = [reader.start(batch) if how == "read" else None for how, batch in batches]
            done = 0
            for (how, batch), future in zip(batches, futures):
                if how == "cache":
                    sources = await loop.run_in_executor(None, reader.from_cache, batch)
                else:
                    sources = await loop.run_in_executor(None, reader.finish, batch, future)
                if state.config is not config:
                    return  # the configuration changed meanwhile: a new indexing has started
                state.add_indexed(sources)
                done += len(batch)
                progress.report(done, total)
            if cache is not None:
                cache.forget_others({c.display for c in candidates})
                await loop.run_in_executor(None, cache.save)
                cache.let_go()
            await render_charts_of(state, candidates, config, loop)
            collector.release_free_memory()  # the packed copies and file bytes read meanwhile
    finally:
        if reader is not None:
            reader.close()
        progress.end(f"{total} files indexed in {time.perf_counter() - started:.1f} s")
    log.info("indexed %d files in %.2f s", total, time.perf_counter() - started)
    await on_done(total)
