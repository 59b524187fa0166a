"""When analysis runs, and where: off the message loop, debounced, superseded by newer edits.

- `schedule()` (didChange, watched files) waits `debounce_ms` and is restarted by every newer
  call; `schedule(0)` (didOpen, didSave) runs at the next turn of the loop.
- A run copies the file table (a dict copy) on the loop, then parses pending buffers and runs
  the one analysis the CLI runs too, in a single worker thread, one run at a time. It reuses
  the previous run's findings where the changes cannot reach (analysis/incremental.py).
- A result computed for a revision that is no longer current is dropped: a newer run is due.
- While the workspace is being indexed, runs see only the open buffers and only rules that
  look at one file, so the opened file's diagnostics come first and without false alarms
  about pods that are merely not read yet.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional

from ..analysis.incremental import Analysis, analyze_workspace, has_kustomizations, remember_changes
from ..findings import Finding
from ..rules.base import RuleContext
from ..workspace import SourceFile
from .settings import config_findings
from .state import Pending, ServerState, Snapshot

log = logging.getLogger(__name__)

# Rules whose findings on a file depend on that file alone: safe before indexing is done.
SINGLE_FILE_RULES = ("NP010", "NP041", "NP050", "NP060", "NP090", "NP091")


@dataclass
class Result:
    snapshot: Snapshot
    analysis: Analysis
    config_findings: list[Finding] = field(default_factory=list)  # on the settings file
    parsed: list[tuple[str, Pending, SourceFile]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def context(self) -> RuleContext:
        return self.analysis.context

    @property
    def findings(self) -> list[Finding]:
        return self.config_findings + self.analysis.findings()

    def findings_of(self, path: str) -> list[Finding]:
        on_config = [f for f in self.config_findings if f.path == path]
        return on_config + self.analysis.findings_of(path) if on_config else self.analysis.findings_of(path)

    def changed_since(self, published: Optional["Result"]) -> Optional[frozenset[str]]:
        """The files whose findings may differ from those of `published` (the result the client
        was last told about), or None when every file must be compared."""
        analysis = self.analysis
        if published is None or analysis.base != published.analysis.serial or analysis.rechecked is None \
                or self.config_findings != published.config_findings:
            return None
        return analysis.rechecked


def compute(snapshot: Snapshot, previous: Optional[Result] = None) -> Result:
    """The worker's job: parse the pending buffers, then the one analysis, reusing the previous
    result's findings where the changes cannot reach (analysis/incremental.py)."""
    started = time.perf_counter()
    parsed = snapshot.materialize()
    if previous is not None and previous.analysis.workspace is previous.snapshot.workspace:
        paths = snapshot.changes_since(previous.snapshot)
        if paths is not None:
            remember_changes(previous.snapshot.workspace.files, snapshot.workspace.files, paths)
    select = SINGLE_FILE_RULES if snapshot.local_only else ()
    analysis = analyze_workspace(snapshot.workspace, select, previous.analysis if previous is not None else None)
    on_config = [] if snapshot.local_only else config_findings(snapshot.workspace.config)
    return Result(snapshot, analysis, on_config, parsed, time.perf_counter() - started)


class Scheduler:
    def __init__(self, state: ServerState, publish: Callable[[Result], Awaitable[None]],
                 on_error: Optional[Callable[[BaseException], None]] = None):
        self.state = state
        self.publish = publish
        self.on_error = on_error
        self.debounce_ms = 120
        self.indexing = False
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netpol-analysis")
        self.last: Optional[Result] = None  # the newest full (not local-only) result
        self.last_local: Optional[Result] = None  # the newest result over the open buffers only
        self._timer: Optional[asyncio.Task] = None
        self._lock = asyncio.Lock()
        self._runs: set[asyncio.Task] = set()

    def schedule(self, delay_ms: Optional[float] = None) -> None:
        """Analyse after a pause (the debounce), restarting the pause if one is running."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        delay = self.debounce_ms if delay_ms is None else delay_ms
        self._timer = asyncio.ensure_future(self._after(delay / 1000.0))

    async def _after(self, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)
        self._timer = None  # from here on a newer edit schedules a new run instead of cancelling this one
        try:
            await self.run()
        except Exception as error:  # reported, and the next edit tries again
            log.exception("analysis failed")
            if self.on_error is not None:
                self.on_error(error)

    async def run(self) -> Optional[Result]:
        """One analysis of the current state, published. Returns the result (or the current
        one when nothing changed since)."""
        async with self._lock:
            local_only = self.indexing
            previous = self.last_local if local_only else self.last
            if previous is not None and self.state.is_current(previous.snapshot):
                return previous
            snapshot = self.state.snapshot(local_only=local_only)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self.executor, compute, snapshot, previous)
            self.state.adopt(result.parsed)
            log.debug("analysis of %d files: %.3f s (%s)", len(snapshot.workspace.files), result.seconds,
                      "open buffers" if local_only else "workspace")
            if not self.state.is_current(snapshot) or (local_only and not self.indexing):
                if self._timer is None:
                    self.schedule(0)  # superseded: make sure the newest state gets its run
                return None
            if local_only:
                self.last_local = result
            else:
                self.last = result
            await self.publish(result)
            return result

    async def current(self) -> Optional[Result]:
        """A result for the state as it is now (pull diagnostics): runs one if needed. While
        indexing it covers the open buffers only; the end of indexing publishes the rest."""
        result = None
        for _ in range(3):
            result = await self.run()
            if result is not None:
                return result
        return result

    async def context_now(self) -> tuple[RuleContext, Snapshot]:
        """An analysis context over the text as it is now, for hover: the last result's when it
        is current, else one built off the loop (parsing the pending buffers), incrementally
        from the last result when there is one (a fresh index of a big workspace takes 0.5 s)."""
        last = self.last
        if last is not None and self.state.is_current(last.snapshot) and not self.state.pending:
            return last.context, last.snapshot
        snapshot = self.state.snapshot()

        def build():
            if last is not None or has_kustomizations(snapshot.workspace):
                # incremental: the last index with the edited files swapped in; with Kustomize
                # roots, only an analysis knows what they render (analysis/rendered.py)
                result = compute(snapshot, last)
                return result.context, result.parsed
            parsed = snapshot.materialize()
            return RuleContext(snapshot.workspace), parsed

        loop = asyncio.get_running_loop()
        context, parsed = await loop.run_in_executor(None, build)
        self.state.adopt(parsed)
        return context, snapshot

    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
