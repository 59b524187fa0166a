"""One client's session: what the handlers in server.py call.

It owns the state (state.py), the diagnostics table (diagnostics.py), the analysis scheduler
(scheduler.py), the settings (settings.py) and the background indexing (indexing.py), and is
the only place that talks back to the client on its own initiative (diagnostics, progress,
registrations, log messages).
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Optional

from lsprotocol import types

from ..config import CONFIG_NAME, Config
from ..span import Span
from . import settings as settings_mod
from .diagnostics import DiagnosticTable, group
from .diffview import DiffTracker, DiffView
from .guard import log_to_client, report_exception, spawn
from .hover import hover_markdown
from .rendered import hover_with_render
from .indexing import index_workspace
from .positions import from_position, to_range
from .scheduler import Result, Scheduler
from .settings import ServerSettings, section_of
from .state import ServerState

log = logging.getLogger(__name__)

# *.tpl: a Helm chart's helpers; a change renders the chart again
WATCHERS = ("**/*.{yaml,yml,json}", f"**/{CONFIG_NAME}", "**/*.tpl")


def _get(obj: Any, *names: str) -> Any:
    """obj.a.b.c, None as soon as a link is missing."""
    for name in names:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


class Session:
    def __init__(self, server):
        self.server = server
        self.state = ServerState()
        self.table = DiagnosticTable()
        self.scheduler = Scheduler(self.state, self.publish,
                                   lambda error: report_exception(server, "analysis", error))
        self.settings = ServerSettings()
        self.diff = DiffTracker(self._diff_ready)
        # lenses and inlay hints asked for while indexing counted the open buffers only: once the
        # first whole-workspace result is out, the client is asked to fetch them again
        self._views_current = False
        self.init_section: dict = {}  # initializationOptions' netpol-lsp keys
        self.client_section: dict = {}  # workspace/configuration's or didChangeConfiguration's
        self.capabilities = types.ClientCapabilities()
        self.push = True
        self.refresh = False
        self.progress = False
        self._index_task: Optional[asyncio.Task] = None
        self._published: Optional[Result] = None  # the result the diagnostics table was last updated from
        self._published_uris: dict[str, str] = {}  # and the client's spelling of paths then

    # -- lifecycle -------------------------------------------------------------------------

    def initialize(self, params: types.InitializeParams) -> None:
        caps = params.capabilities or types.ClientCapabilities()
        self.capabilities = caps
        folders = [f.uri for f in params.workspace_folders or ()]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        elif not folders and params.root_path:
            from pygls.uris import from_fs_path
            folders = [from_fs_path(params.root_path)]
        self.state.set_roots(folders)
        self.init_section = section_of(params.initialization_options)
        self._apply_server_settings()
        self.progress = bool(_get(caps, "window", "work_done_progress"))
        self.refresh = bool(_get(caps, "workspace", "diagnostics", "refresh_support"))
        pulls = _get(caps, "text_document", "diagnostic") is not None
        mode = self.settings.diagnostic_mode
        self.push = mode == "push" or (mode == "auto" and not (pulls and self.refresh))
        # Until the workspace is indexed, only single-file rules run on the open buffers.
        self.scheduler.indexing = bool(self.state.roots)

    async def initialized(self) -> None:
        spawn(self.server, self._register_capabilities(), "client/registerCapability")
        await self._pull_configuration()
        self.reindex(self._compute_config())

    def shutdown(self) -> None:
        if self._index_task is not None:
            self._index_task.cancel()
        self.scheduler.shutdown()
        self.diff.shutdown()

    async def _register_capabilities(self) -> None:
        registrations = []
        if _get(self.capabilities, "workspace", "did_change_watched_files", "dynamic_registration"):
            registrations.append(types.Registration(
                id="netpol-lsp/watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHERS])))
        if _get(self.capabilities, "workspace", "did_change_configuration", "dynamic_registration"):
            registrations.append(types.Registration(
                id="netpol-lsp/configuration", method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(section=settings_mod.SECTION)))
        if not registrations:
            return
        try:
            await asyncio.wait_for(self.server.client_register_capability_async(
                types.RegistrationParams(registrations=registrations)), timeout=10)
        except Exception as err:  # the client said no: we only lose disk events and pushed settings
            log_to_client(self.server, f"netpol-lsp: registering file watchers failed: {err}",
                          types.MessageType.Warning)

    async def _pull_configuration(self) -> None:
        if not _get(self.capabilities, "workspace", "configuration"):
            return
        scope = self.state.uri_for(self.state.roots[0]) if self.state.roots else None
        try:
            answer = await asyncio.wait_for(self.server.workspace_configuration_async(types.ConfigurationParams(
                items=[types.ConfigurationItem(scope_uri=scope, section=settings_mod.SECTION)])), timeout=10)
        except Exception as err:
            log.debug("workspace/configuration failed: %s", err)
            return
        value = answer[0] if answer else None
        self.client_section = value if isinstance(value, dict) else {}
        self._apply_server_settings()

    def _apply_server_settings(self) -> None:
        merged = {**self.init_section, **self.client_section}
        self.settings, warnings = settings_mod.server_settings(merged, ServerSettings())
        self.scheduler.debounce_ms = self.settings.debounce_ms
        self.diff.set_base(self.settings.diff_base)
        for warning in warnings:
            log_to_client(self.server, f"netpol-lsp: {warning}", types.MessageType.Warning)

    # -- configuration ---------------------------------------------------------------------

    def _compute_config(self) -> Config:
        path = settings_mod.config_path(self.state.roots)
        document = self.state.open.get(path) if path else None
        base = settings_mod.base_config(path, document.text if document is not None else None)
        merged, warnings = settings_mod.merge(base, {**self.init_section, **self.client_section})
        for warning in warnings:
            log_to_client(self.server, f"netpol-lsp: {warning}", types.MessageType.Warning)
        return merged

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
        self._index_task = spawn(self.server, index_workspace(self.server, self.state, self.progress, self._indexed),
                                 "indexing")

    async def _indexed(self, count: int) -> None:
        self.scheduler.indexing = False  # what indexing built is frozen already (collector.py)
        self.scheduler.schedule(0)

    async def configuration_changed(self, params: types.DidChangeConfigurationParams) -> None:
        if _get(self.capabilities, "workspace", "configuration"):
            await self._pull_configuration()
        else:
            self.client_section = section_of(params.settings) if isinstance(params.settings, dict) else {}
            self._apply_server_settings()
        self.reconfigure()

    def folders_changed(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        """pygls keeps its folder list up to date; index what it now holds."""
        uris = [f.uri for f in self.server.workspace.folders.values()]
        if not uris and self.server.workspace.root_uri:
            uris = [self.server.workspace.root_uri]
        self.state.set_roots(uris)
        self.reindex(self._compute_config())

    def reconfigure(self) -> None:
        config = self._compute_config()
        if config != self.state.config:
            self.reindex(config)

    # -- documents -------------------------------------------------------------------------

    def opened(self, document: types.TextDocumentItem) -> None:
        path = self.state.open_document(document.uri, document.text, document.version)
        if self.state.is_config_file(path):
            self.reconfigure()
        self.scheduler.schedule(0)

    def changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self.server.workspace.get_text_document(uri)  # pygls applied the edits
        self.state.change_document(uri, document.source, params.text_document.version)
        self.scheduler.schedule()

    def saved(self, params: types.DidSaveTextDocumentParams) -> None:
        path = self.state.path_for(params.text_document.uri)
        if self.state.is_config_file(path):
            self.reconfigure()
        self.render_again(path)
        self.scheduler.schedule(0)

    def render_again(self, path: str) -> None:
        """A file of a Helm chart was saved or changed on disk: render that chart again."""
        chart = self.state.chart_of(path)
        if chart is not None:
            spawn(self.server, self._render([chart]), "rendering a Helm chart")

    async def _render(self, charts: list) -> None:
        from ..render.helm import render_charts

        config = self.state.config
        renders = await asyncio.get_running_loop().run_in_executor(None, render_charts, charts, config)
        if self.state.config is config:
            self.state.apply_rendered(renders)
            self.scheduler.schedule(0)

    def closed(self, params: types.DidCloseTextDocumentParams) -> None:
        path = self.state.close_document(params.text_document.uri)
        if self.state.is_config_file(path):
            self.reconfigure()
        if path not in self.state.workspace.files:
            update = self.table.forget(self.state.uri_for(path))
            if update is not None and self.push:
                self._send(update.uri, [], None)
        self.scheduler.schedule(0)

    def files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        changed = False
        config_changed = False
        for event in params.changes:
            path = self.state.path_for(event.uri)
            if self.state.is_config_file(path):
                config_changed = True
                continue
            changed |= self.state.disk_changed(path, event.type == types.FileChangeType.Deleted)
            self.render_again(path)
        if config_changed:
            self.reconfigure()
        if changed:
            self.scheduler.schedule()

    # -- diagnostics -----------------------------------------------------------------------

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
            updates = self.table.update(grouped, versions, scope)
            edited_uris = {uri_for(path) for path, _pending, _source in result.parsed}
            updates.sort(key=lambda update: update.uri not in edited_uris)  # the edited files first
        else:  # the table holds the rest already: convert and compare only the files analysed again
            # the edited files first: their diagnostics go out before the other files' are converted
            edited = changed & {path for path, _pending, _source in result.parsed}
            updates = []
            for part in (edited, changed - edited) if edited else (changed,):
                grouped = group((found for path in part for found in result.findings_of(path)), uri_for)
                part_uris = {uri_for(path) for path in part}
                part_updates = self.table.update(grouped, versions, part_uris if scope is None else scope & part_uris)
                if self.push and part is edited:
                    for update in part_updates:
                        self._send(update.uri, update.diagnostics, update.version)
                else:
                    updates += part_updates
        self._published, self._published_uris = result, dict(self.state.uris)
        if not snapshot.local_only:
            self.diff.schedule(result, self.state)  # after the diagnostics, never before them
            if not self._views_current:
                self._views_current = True
                self._refresh_views()
        if not updates:
            return
        if self.push:
            for update in updates:
                self._send(update.uri, update.diagnostics, update.version)
        elif self.refresh:
            self.server.workspace_diagnostic_refresh(None)

    def _send(self, uri: str, diagnostics: list, version: Optional[int]) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def _versions(self) -> dict[str, Optional[int]]:
        return {d.uri: d.version for d in self.state.open.values()}

    async def document_diagnostic(self, params: types.DocumentDiagnosticParams):
        await self.scheduler.current()
        uri = self.state.uri_for(self.state.path_for(params.text_document.uri))
        return self.table.report(uri, params.previous_result_id)

    async def workspace_diagnostic(self, params: types.WorkspaceDiagnosticParams):
        await self.scheduler.current()
        previous = {p.uri: p.value for p in params.previous_result_ids or ()}
        return self.table.workspace_report(previous, self._versions())

    # -- hover -----------------------------------------------------------------------------

    async def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        path = self.state.path_for(params.text_document.uri)
        if path not in self.state.workspace.files and path not in self.state.pending:
            return None  # a document we do not know, or not a manifest we analyse
        context, snapshot = await self.scheduler.context_now()
        source = snapshot.workspace.files.get(path)
        if source is None:
            return None
        line, col = from_position(params.position)
        loop = asyncio.get_running_loop()  # explaining a workload walks the workspace: not on the loop
        hover = functools.partial(hover_markdown, policy_note=self.diff.hover_note(path, source))
        found = await loop.run_in_executor(None, hover_with_render, hover, context, source, line, col, self._link)
        if found is None:
            return None
        text, span = found
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=to_range(span))

    # -- connectivity against a base revision (diffview.py) ---------------------------------

    def _refresh_views(self) -> None:
        """workspace/codeLens/refresh and workspace/inlayHint/refresh, where the client takes them."""
        if _get(self.capabilities, "workspace", "code_lens", "refresh_support"):
            spawn(self.server, self.server.workspace_code_lens_refresh_async(None), "workspace/codeLens/refresh")
        if _get(self.capabilities, "workspace", "inlay_hint", "refresh_support"):
            spawn(self.server, self.server.workspace_inlay_hint_refresh_async(None), "workspace/inlayHint/refresh")

    def _diff_ready(self, view: DiffView) -> None:
        """A new comparison: lenses may have changed; ask the client to fetch them again."""
        if _get(self.capabilities, "workspace", "code_lens", "refresh_support"):
            spawn(self.server, self.server.workspace_code_lens_refresh_async(None), "workspace/codeLens/refresh")

    async def whole_diff(self) -> dict:
        """workspace/executeCommand netpol-lsp.diff: the whole diff of the workspace as it is now."""
        if not self.diff.enabled:
            return self.diff.whole(None) | {"reason": "diffBase is off", "markdown": "netpol-lsp: diffBase is off\n"}
        if self._index_task is not None and not self._index_task.done():
            try:  # the whole workspace first: a diff of the open buffers alone would be false
                await asyncio.shield(self._index_task)
            except asyncio.CancelledError:
                return self.diff.whole(None)
        result = await self.scheduler.current()
        if result is None or result.snapshot.local_only:
            return self.diff.whole(None)
        return self.diff.whole(await self.diff.view_for(result, self.state))

    def _link(self, path: str, span: Span) -> str:
        line = span.start_line + 1
        return f"[{self.state.display(path)}:{line}]({self.state.uri_for(path)}#L{line})"
