"""One cluster the server analyses: a workspace folder (or several that share one configuration),
or a folder below them with its own .netpol-lsp.yaml, as `netpol-lsp check` splits them
(commands/common.prepare_workspaces).

Each has its own state (state.py), configuration, scheduler (scheduler.py), diff tracker
(diffview.py) and background indexing (indexing.py). The diagnostics table is the session's,
shared: a cluster's publish replaces only the entries of the documents it owns (`owned`), so
one cluster's analysis never clears another's files.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, Optional

from ..config import Config
from .diagnostics import group
from .diffview import DiffTracker
from .guard import report_exception, spawn
from .indexing import index_workspace
from .scheduler import Result, Scheduler
from .state import ServerState, is_under

if TYPE_CHECKING:
    from .session import Session



class Cluster:
    def __init__(self, session: "Session", roots: list[str], config_file: Optional[str],
                 parent: Optional["Cluster"] = None):
        self.session = session
        self.roots = roots  # absolute, normalised folders
        self.config_file = config_file  # the .netpol-lsp.yaml it reads; None: the defaults
        self.parent = parent  # the cluster whose walk found this folder (None: a workspace folder)
        self.nested: list[str] = []  # folders with their own configuration found by the last walk
        self.state = ServerState()
        self.state.roots = list(roots)
        self.scheduler = Scheduler(self.state, self.publish,
                                   lambda error: report_exception(session.server, "analysis", error))
        self.scheduler.debounce_ms = session.settings.debounce_ms
        self.diff = DiffTracker(session.diff_ready)
        self.diff.set_base(session.settings.diff_base)
        self.owned: set[str] = set()  # URIs of the table whose entries this cluster wrote
        # lenses and inlay hints asked for while indexing counted the open buffers only: once the
        # first whole-workspace result is out, the client is asked to fetch them again
        self._views_current = False
        self._index_task: Optional[asyncio.Task] = None
        self._published: Optional[Result] = None  # the result the diagnostics table was last updated from
        self._published_uris: dict[str, str] = {}  # and the client's spelling of paths then

    def __repr__(self) -> str:
        return f"Cluster({', '.join(self.roots) or '(no folder)'})"

    def contains(self, path: str) -> bool:
        return any(is_under(path, root) for root in self.roots)

    @property
    def indexing_done(self) -> bool:
        return self._index_task is None or self._index_task.done()

    # -- indexing --------------------------------------------------------------------------

    def reindex(self, config: Config) -> None:
        if self._index_task is not None and not self._index_task.done():
            self._index_task.cancel()
        self.state.reset(config)
        self.scheduler.last = None
        self._views_current = False
        if not self.state.roots:
            self.scheduler.indexing = False
            self.scheduler.schedule(0)
            return
        self.scheduler.indexing = True
        if self.state.open:
            self.scheduler.schedule(0)  # the open buffers first, with single-file rules
        session = self.session
        self._index_task = spawn(session.server, index_workspace(
            session.server, self.state, session.progress, self._indexed, self._walked), "indexing")

    def _walked(self, nested: list[str]) -> None:
        self.nested = nested
        self.session.nested_found(self)

    async def _indexed(self, count: int) -> None:
        self.scheduler.indexing = False  # what indexing built is frozen already (collector.py)
        self.scheduler.schedule(0)

    async def wait_indexed(self) -> bool:
        """Waits for the running indexing; False when it was cancelled (a new one started)."""
        if self.indexing_done:
            return True
        try:
            await asyncio.shield(self._index_task)
        except asyncio.CancelledError:
            return False
        return True

    def render_again(self, path: str) -> None:
        """A file of a Helm chart was saved or changed on disk: render that chart again."""
        chart = self.state.chart_of(path)
        if chart is not None:
            spawn(self.session.server, self._render([chart]), "rendering a Helm chart")

    async def _render(self, charts: list) -> None:
        from ..render.helm import render_charts

        config = self.state.config
        renders = await asyncio.get_running_loop().run_in_executor(None, render_charts, charts, config)
        if self.state.config is config:
            self.state.apply_rendered(renders)
            self.scheduler.schedule(0)

    def stop(self) -> None:
        if self._index_task is not None:
            self._index_task.cancel()
        self.scheduler.shutdown()
        self.diff.shutdown()

    # -- diagnostics -----------------------------------------------------------------------

    def adopt_uris(self, uris: set[str]) -> None:
        """Table entries another cluster wrote for files this one reads now: the next publish
        compares every file, so they are replaced (or cleared)."""
        if uris:
            self.owned |= uris
            self._published = None

    async def publish(self, result: Result) -> None:
        snapshot = result.snapshot
        uri_for = self.state.uri_for
        versions = {uri_for(p): v for p, v in snapshot.versions.items()}
        scope = {uri_for(p) for p in snapshot.versions} if snapshot.local_only else None
        changed = result.changed_since(self._published)
        if self.state.uris != self._published_uris:  # a file spelled anew moves its diagnostics
            changed = None
        if changed is None:
            grouped = group(result.findings, uri_for)
        else:  # the table holds the rest already: convert and compare only the files analysed again
            grouped = group((found for path in changed for found in result.findings_of(path)), uri_for)
            changed_uris = {uri_for(path) for path in changed}
            scope = changed_uris if scope is None else scope & changed_uris
        if scope is None:  # the whole result: this cluster's entries only, never another's
            scope = self.owned | set(grouped)
        updates = self.session.table.update(grouped, versions, scope)
        for update in updates:
            if update.diagnostics:
                self.owned.add(update.uri)
            else:
                self.owned.discard(update.uri)
        self._published, self._published_uris = result, dict(self.state.uris)
        if not snapshot.local_only:
            self.diff.schedule(result, self.state)  # after the diagnostics, never before them
            if not self._views_current:
                self._views_current = True
                self.session.refresh_views()
        self.session.send_updates(updates)

    async def whole_diff(self) -> dict:
        """The whole connectivity diff of this cluster as it is now."""
        if not self.diff.enabled:
            return self.diff.whole(None) | {"reason": "diffBase is off", "markdown": "netpol-lsp: diffBase is off\n"}
        if not await self.wait_indexed():  # the whole workspace first: a diff of the open buffers would be false
            return self.diff.whole(None)
        result = await self.scheduler.current()
        if result is None or result.snapshot.local_only:
            return self.diff.whole(None)
        return self.diff.whole(await self.diff.view_for(result, self.state))


def deepest(clusters: list[Cluster], path: str, default: Callable[[], Cluster]) -> Cluster:
    """The cluster that reads `path`: the one with the deepest folder holding it."""
    best, depth = None, -1
    for cluster in clusters:
        for root in cluster.roots:
            if len(root) > depth and is_under(path, root):
                best, depth = cluster, len(root)
    return best if best is not None else default()
