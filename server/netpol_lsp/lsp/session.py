"""One client's session: what the handlers in server.py call.

It owns the settings (settings.py), the diagnostics table (diagnostics.py) and the clusters
(cluster.py): each workspace folder, or several that share one configuration, is a cluster,
and so is every folder below them with its own .netpol-lsp.yaml, found by the same walk that
`netpol-lsp check` does (loader.walk_folder), so a file gets the same findings in the editor
as from check, whatever folder was opened. Each cluster has its own state, configuration,
scheduler, diff tracker and indexing; every request about a document goes to the cluster
that reads it (the deepest folder holding it). The session is the only place that talks back
to the client on its own initiative (diagnostics, progress, registrations, log messages).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Optional

from lsprotocol import types


from ..config import CONFIG_NAME, Config, group_by_config
from ..span import Span
from . import settings as settings_mod
from .cluster import Cluster, deepest
from .diagnostics import DiagnosticTable, Update
from .diffview import DiffView
from .guard import log_to_client, spawn
from .hover import hover_markdown
from .rendered import hover_with_render
from .positions import from_position, to_range
from .settings import ServerSettings, section_of
from .state import OpenDocument, folder_paths, is_under, path_of

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
        self.table = DiagnosticTable()  # shared: each cluster replaces its own files' entries
        self.settings = ServerSettings()
        self.init_section: dict = {}  # initializationOptions' netpol-lsp keys
        self.client_section: dict = {}  # workspace/configuration's or didChangeConfiguration's
        self.capabilities = types.ClientCapabilities()
        self.push = True
        self.refresh = False
        self.progress = False
        self.folders: list[str] = []  # the workspace folders, as paths
        # workspace folders' clusters first (the first also reads documents outside every
        # folder, as one cluster did), then the nested ones in the order their walks found them
        self.clusters: list[Cluster] = [Cluster(self, [], None)]

    # -- routing ---------------------------------------------------------------------------

    def cluster_for(self, path: str) -> Cluster:
        """The cluster that reads `path`: the deepest folder holding it; the first cluster for a
        document outside every folder."""
        return deepest(self.clusters, path, lambda: self.clusters[0])

    def cluster_of(self, uri: str) -> Cluster:
        return self.cluster_for(path_of(uri))

    def _top_clusters(self) -> list[Cluster]:
        """The workspace folders grouped as `check FOLDER1 FOLDER2` groups them: by the
        configuration that governs each (config.group_by_config). Folders that share one are one
        cluster (one .netpol-lsp.yaml describes one cluster); a folder with its own is its own
        cluster, also when it lies inside another folder. A folder inside another of its group
        adds nothing: it is read once, with the outer one."""
        if not self.folders:
            return [Cluster(self, [], None)]
        clusters = []
        for found, roots in group_by_config(self.folders).items():
            roots = [r for r in roots if not any(o != r and is_under(r, o) for o in roots)]
            clusters.append(Cluster(self, roots, os.path.normpath(str(found)) if found else None))
        return clusters

    def _carve(self) -> None:
        """Each cluster leaves out the folders of the clusters inside it."""
        for cluster in self.clusters:
            cluster.state.carved = tuple(root for other in self.clusters if other is not cluster
                                         for root in other.roots
                                         if cluster.contains(root) and root not in cluster.roots)

    def _reroute(self, gone: list[Cluster] = ()) -> None:
        """After the cluster map changed: every open document, and every diagnostics entry, goes
        to the cluster that reads its file now (a file moved between clusters is analysed again
        there; the entry it had is replaced or cleared by its new cluster's next publish)."""
        touched: set[int] = set()
        for cluster in [*self.clusters, *gone]:
            for path in list(cluster.state.open):
                owner = self.cluster_for(path)
                if owner is cluster:
                    continue
                document: OpenDocument = cluster.state.release(path)
                owner.state.open_document(document.uri, document.text, document.version)
                touched |= {id(owner), id(cluster)}
            moved = {uri for uri in cluster.owned if self.cluster_for(path_of(uri)) is not cluster}
            for uri in moved:
                owner = self.cluster_for(path_of(uri))
                owner.adopt_uris({uri})
                touched.add(id(owner))
            cluster.owned -= moved
        for cluster in self.clusters:
            if id(cluster) in touched:
                cluster.scheduler.schedule(0)

    def _drop(self, cluster: Cluster) -> list[Cluster]:
        """Stops a nested cluster and those found inside it; returns them."""
        gone = [cluster]
        for child in [c for c in self.clusters if c.parent is cluster]:
            gone += self._drop(child)
        cluster.stop()
        self.clusters.remove(cluster)
        return gone

    def nested_found(self, parent: Cluster) -> None:
        """A cluster's walk is done: the folders with their own configuration it found are
        clusters of their own (new ones indexed now; those no longer found dropped, their files
        going back to whoever reads them now)."""
        tops = {root for c in self.clusters if c.parent is None for root in c.roots}
        wanted = [folder for folder in parent.nested if folder not in tops]
        children = [c for c in self.clusters if c.parent is parent]
        gone: list[Cluster] = []
        for child in children:
            if child.roots[0] not in wanted:
                gone += self._drop(child)
        have = {c.roots[0] for c in self.clusters if c.parent is parent}
        new = [Cluster(self, [folder], os.path.join(folder, CONFIG_NAME), parent)
               for folder in wanted if folder not in have]
        if not new and not gone:
            return  # the common case: one cluster, nothing to move
        self.clusters += new
        self._carve()
        self._reroute(gone)
        for child, config in zip(new, self._configs(new)):
            child.reindex(config)

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
        self.folders = folder_paths(folders)
        self.init_section = section_of(params.initialization_options)
        self._apply_server_settings()
        self.progress = bool(_get(caps, "window", "work_done_progress"))
        self.refresh = bool(_get(caps, "workspace", "diagnostics", "refresh_support"))
        pulls = _get(caps, "text_document", "diagnostic") is not None
        mode = self.settings.diagnostic_mode
        self.push = mode == "push" or (mode == "auto" and not (pulls and self.refresh))
        self._replace_clusters()
        # Until the workspace is indexed, only single-file rules run on the open buffers.
        for cluster in self.clusters:
            cluster.scheduler.indexing = bool(cluster.state.roots)

    async def initialized(self) -> None:
        spawn(self.server, self._register_capabilities(), "client/registerCapability")
        await self._pull_configuration()
        self._reindex(self.clusters)

    def shutdown(self) -> None:
        for cluster in self.clusters:
            cluster.stop()

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
        scope = self.clusters[0].state.uri_for(self.folders[0]) if self.folders else None
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
        for cluster in self.clusters:
            cluster.scheduler.debounce_ms = self.settings.debounce_ms
            cluster.diff.set_base(self.settings.diff_base)
        for warning in warnings:
            log_to_client(self.server, f"netpol-lsp: {warning}", types.MessageType.Warning)

    # -- configuration ---------------------------------------------------------------------

    def _open_document(self, path: str) -> Optional[OpenDocument]:
        for cluster in self.clusters:
            document = cluster.state.open.get(path)
            if document is not None:
                return document
        return None

    def _configs(self, clusters: list[Cluster]) -> list[Config]:
        """Each cluster's .netpol-lsp.yaml (its open buffer when open) with the editor's settings
        over it; a warning about a setting is logged once, not once per cluster."""
        section = {**self.init_section, **self.client_section}
        configs, said = [], set()
        for cluster in clusters:
            path = cluster.config_file
            document = self._open_document(path) if path else None
            base = settings_mod.base_config(path, document.text if document is not None else None)
            merged, warnings = settings_mod.merge(base, section)
            for warning in warnings:
                if warning not in said:
                    said.add(warning)
                    log_to_client(self.server, f"netpol-lsp: {warning}", types.MessageType.Warning)
            configs.append(merged)
        return configs

    def _reindex(self, clusters: list[Cluster]) -> None:
        for cluster, config in zip(clusters, self._configs(clusters)):
            cluster.reindex(config)

    def _reconfigure(self, clusters: list[Cluster]) -> None:
        """Indexes again the clusters whose configuration changed."""
        for cluster, config in zip(clusters, self._configs(clusters)):
            if config != cluster.state.config:
                cluster.reindex(config)

    def _replace_clusters(self) -> None:
        """A new map from the workspace folders: the old clusters' documents and diagnostics go
        to the new ones (each indexed when _reindex is called)."""
        old = self.clusters
        self.clusters = self._top_clusters()
        self._carve()
        self._reroute(old)
        for cluster in old:
            cluster.stop()

    async def configuration_changed(self, params: types.DidChangeConfigurationParams) -> None:
        if _get(self.capabilities, "workspace", "configuration"):
            await self._pull_configuration()
        else:
            self.client_section = section_of(params.settings) if isinstance(params.settings, dict) else {}
            self._apply_server_settings()
        self._reconfigure(list(self.clusters))

    def folders_changed(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        """pygls keeps its folder list up to date; index what it now holds."""
        uris = [f.uri for f in self.server.workspace.folders.values()]
        if not uris and self.server.workspace.root_uri:
            uris = [self.server.workspace.root_uri]
        self.folders = folder_paths(uris)
        self._rebuild()

    def _rebuild(self) -> None:
        self._replace_clusters()
        self._reindex(self.clusters)

    def _config_touched(self, path: str) -> None:
        """A .netpol-lsp.yaml buffer opened, saved or closed: the clusters it configures."""
        self._reconfigure([c for c in self.clusters if c.config_file == path])

    def _config_created_or_deleted(self, path: str) -> None:
        """A .netpol-lsp.yaml appeared or went away on disk: the cluster map changes with it."""
        folder = os.path.dirname(path)
        if any(is_under(root, folder) for root in self.folders):
            self._rebuild()  # it governs a workspace folder: they may group anew
            return
        nested = next((c for c in self.clusters if c.parent is not None and c.roots == [folder]), None)
        if nested is not None and not os.path.isfile(path):
            self._nested_gone([nested])
        elif nested is not None:
            self._reconfigure([nested])
        else:  # a new folder of its own, if the walk of the cluster around it finds it
            owner = self.cluster_for(folder)
            if owner.state.root_of(folder) is not None:
                self._reindex([owner])

    def _nested_gone(self, clusters: list[Cluster]) -> None:
        """Nested clusters whose configuration (or folder) is gone: their files are read by the
        cluster around them again, which walks its folders anew."""
        gone: list[Cluster] = []
        for cluster in clusters:
            if cluster in self.clusters:
                gone += self._drop(cluster)
        self._carve()
        self._reroute(gone)
        owners = []
        for cluster in clusters:
            owner = self.cluster_for(cluster.roots[0])
            if owner not in owners:
                owners.append(owner)
        self._reindex(owners)

    # -- documents -------------------------------------------------------------------------

    def opened(self, document: types.TextDocumentItem) -> None:
        cluster = self.cluster_of(document.uri)
        path = cluster.state.open_document(document.uri, document.text, document.version)
        if cluster.state.is_config_file(path):
            self._config_touched(path)
        cluster.scheduler.schedule(0)

    def changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        cluster = self.cluster_of(uri)
        document = self.server.workspace.get_text_document(uri)  # pygls applied the edits
        cluster.state.change_document(uri, document.source, params.text_document.version)
        cluster.scheduler.schedule()

    def saved(self, params: types.DidSaveTextDocumentParams) -> None:
        cluster = self.cluster_of(params.text_document.uri)
        path = cluster.state.path_for(params.text_document.uri)
        if cluster.state.is_config_file(path):
            if any(c.config_file == path for c in self.clusters) or not os.path.isfile(path):
                self._config_touched(path)
            else:  # a new one saved (a client without file watchers says so only this way)
                self._config_created_or_deleted(path)
        cluster.render_again(path)
        cluster.scheduler.schedule(0)

    def closed(self, params: types.DidCloseTextDocumentParams) -> None:
        cluster = self.cluster_of(params.text_document.uri)
        path = cluster.state.close_document(params.text_document.uri)
        if cluster.state.is_config_file(path):
            self._config_touched(path)
        if path not in cluster.state.workspace.files:
            uri = cluster.state.uri_for(path)
            cluster.owned.discard(uri)
            update = self.table.forget(uri)
            if update is not None and self.push:
                self._send(update.uri, [], None)
        cluster.scheduler.schedule(0)

    def files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        changed: list[Cluster] = []
        configs = []
        for event in params.changes:
            path = path_of(event.uri)
            deleted = event.type == types.FileChangeType.Deleted
            if os.path.basename(path) == CONFIG_NAME:
                configs.append((path, event.type))
                continue
            owner = self.cluster_for(path)
            owner.state.path_for(event.uri)  # the client's spelling, for what we publish
            targets = [owner]
            if deleted:  # a folder may go with nested clusters in it; each cluster drops its files
                gone = [c for c in self.clusters if c.parent is not None and is_under(c.roots[0], path)]
                if gone:
                    self._nested_gone(gone)
                targets = [c for c in self.clusters if c is self.cluster_for(path) or
                           any(is_under(root, path) for root in c.roots)]
            for cluster in targets:
                if cluster.state.disk_changed(path, deleted) and cluster not in changed:
                    changed.append(cluster)
                cluster.render_again(path)
        for path, kind in configs:
            if kind == types.FileChangeType.Changed:
                self._config_touched(path)
            else:
                self._config_created_or_deleted(path)
        for cluster in changed:
            if cluster in self.clusters:
                cluster.scheduler.schedule()

    # -- diagnostics -----------------------------------------------------------------------

    def send_updates(self, updates: list[Update]) -> None:
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
        return {d.uri: d.version for cluster in self.clusters for d in cluster.state.open.values()}

    async def document_diagnostic(self, params: types.DocumentDiagnosticParams):
        cluster = self.cluster_of(params.text_document.uri)
        await cluster.scheduler.current()
        uri = cluster.state.uri_for(cluster.state.path_for(params.text_document.uri))
        return self.table.report(uri, params.previous_result_id)

    async def workspace_diagnostic(self, params: types.WorkspaceDiagnosticParams):
        for cluster in list(self.clusters):
            await cluster.scheduler.current()
        previous = {p.uri: p.value for p in params.previous_result_ids or ()}
        return self.table.workspace_report(previous, self._versions())

    # -- hover -----------------------------------------------------------------------------

    async def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        cluster = self.cluster_of(params.text_document.uri)
        state = cluster.state
        path = state.path_for(params.text_document.uri)
        if path not in state.workspace.files and path not in state.pending:
            return None  # a document we do not know, or not a manifest we analyse
        context, snapshot = await cluster.scheduler.context_now()
        source = snapshot.workspace.files.get(path)
        if source is None:
            return None
        line, col = from_position(params.position)
        loop = asyncio.get_running_loop()  # explaining a workload walks the workspace: not on the loop
        hover = functools.partial(hover_markdown, policy_note=cluster.diff.hover_note(path, source))
        link = functools.partial(_link, state)
        found = await loop.run_in_executor(None, hover_with_render, hover, context, source, line, col, link)
        if found is None:
            return None
        text, span = found
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=to_range(span))

    # -- connectivity against a base revision (diffview.py) ---------------------------------

    def refresh_views(self) -> None:
        """workspace/codeLens/refresh and workspace/inlayHint/refresh, where the client takes them."""
        if _get(self.capabilities, "workspace", "code_lens", "refresh_support"):
            spawn(self.server, self.server.workspace_code_lens_refresh_async(None), "workspace/codeLens/refresh")
        if _get(self.capabilities, "workspace", "inlay_hint", "refresh_support"):
            spawn(self.server, self.server.workspace_inlay_hint_refresh_async(None), "workspace/inlayHint/refresh")

    def diff_ready(self, view: DiffView) -> None:
        """A new comparison: lenses may have changed; ask the client to fetch them again."""
        if _get(self.capabilities, "workspace", "code_lens", "refresh_support"):
            spawn(self.server, self.server.workspace_code_lens_refresh_async(None), "workspace/codeLens/refresh")

    async def whole_diff(self, *args) -> dict:
        """workspace/executeCommand netpol-lsp.diff: the whole diff as it is now, of the cluster
        that reads the document given as the first argument, else of every cluster."""
        if args and isinstance(args[0], str):
            return await self.cluster_of(args[0]).whole_diff()
        clusters = [c for c in self.clusters if c.roots] or self.clusters[:1]
        if len(clusters) == 1:
            return await clusters[0].whole_diff()
        return merge_diffs([(", ".join(c.roots), await c.whole_diff())
                            for c in clusters])


def merge_diffs(answers: list[tuple[str, dict]]) -> dict:
    """Several clusters' whole diffs as one answer: each under its folders, the counts added."""
    summary: dict[str, int] = {}
    for _, answer in answers:
        for key, value in (answer.get("summary") or {}).items():
            summary[key] = summary.get(key, 0) + value
    markdown = "".join(f"## {folders}\n\n{answer.get('markdown', '')}\n" for folders, answer in answers)
    available = [answer for _, answer in answers if answer.get("available")]
    return {"base": answers[0][1].get("base"), "available": bool(available), "summary": summary,
            "changes": [change for answer in available for change in answer.get("changes", [])],
            "clusters": [{"folders": folders, **answer} for folders, answer in answers], "markdown": markdown}


def _link(state, path: str, span: Span) -> str:
    line = span.start_line + 1
    return f"[{state.display(path)}:{line}]({state.uri_for(path)}#L{line})"
