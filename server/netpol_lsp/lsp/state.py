"""The server's view of the workspace: files from disk and open buffers, keyed by path.

- Paths <-> URIs: a file:// URI is keyed by its filesystem path (what findings carry and the
  CLI prints); any other URI (untitled:, ...) is keyed by the URI itself. A URI the client sent
  is remembered and used again when we publish, so the client recognises its own spelling.
- An open buffer's text wins over the disk: disk events for an open file are ignored, and on
  close the file is read back from disk (or dropped when it is not a workspace file).
- Edits are not parsed on the message loop: the newest text of a buffer waits in `pending`
  and is parsed by the analysis worker (see Snapshot.materialize), then adopted here.
- `revision` counts every change; `edit_revision` only changes of open buffers. An analysis
  result is current when the revision it was computed at is still the revision now.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Optional

from pygls.uris import from_fs_path, to_fs_path

from ..config import CONFIG_NAME, Config
from ..loader import MANIFEST_SUFFIXES, SKIP_DIRS, Candidate, is_excluded, read_candidate, source_from_text
from ..manifests.parse import ChunkMemo
from ..workspace import SourceFile, Workspace, skipped_source


@dataclass(eq=False)
class Pending:
    """A buffer's text not parsed yet. Compared by identity: a newer edit is a new Pending."""

    text: str
    version: Optional[int]


@dataclass
class OpenDocument:
    uri: str
    version: Optional[int]
    text: str


@dataclass
class Snapshot:
    """What one analysis run sees: a copy of the file table (SourceFiles are never mutated, so
    a shallow copy is safe to read from another thread), plus the buffers still to parse."""

    revision: int
    edit_revision: int
    workspace: Workspace
    pending: dict[str, Pending] = field(default_factory=dict)
    versions: dict[str, Optional[int]] = field(default_factory=dict)  # open documents' versions
    local_only: bool = False  # while indexing: only the open buffers, only single-file rules
    memos: dict[str, ChunkMemo] = field(default_factory=dict)  # open buffers' last parses
    # (the server's table, its journal's length) when the file table was copied: see changes_since
    copied_at: Optional[tuple["JournaledWorkspace", int]] = None
    appended: bool = False  # materialize added a path the table did not hold (it went last)

    def materialize(self) -> list[tuple[str, Pending, SourceFile]]:
        """Parses the pending buffers into this snapshot (run it in the worker thread); the
        documents a buffer's edit left alone are reused from its last parse (ChunkMemo)."""
        parsed = []
        for path, pending in self.pending.items():
            memo = self.memos.setdefault(path, ChunkMemo())
            source = source_from_text(path, pending.text, self.workspace.config, memo)
            self.appended = self.appended or path not in self.workspace.files
            self.workspace.put(source)
            parsed.append((path, pending, source))
        return parsed

    def changes_since(self, earlier: "Snapshot") -> Optional[set[str]]:
        """The paths whose files may differ between `earlier`'s table and this one's (both
        materialized), when both hold their files in the same order: what the server's table
        had put in between, and the buffers either one parsed. None when that is not known (a
        file added or removed, another table, the open buffers only): then the analysis
        compares every file (incremental.changed_paths), 10,000 of them on a big workspace."""
        mine, theirs = self.copied_at, earlier.copied_at
        if mine is None or theirs is None or mine[0] is not theirs[0] or self.local_only or earlier.local_only \
                or self.appended or earlier.appended:
            return None
        paths = mine[0].replaced_between(theirs[1], mine[1])
        if paths is None:
            return None
        return paths | set(earlier.pending) | set(self.pending)


class JournaledWorkspace(Workspace):
    """The server's file table, which notes the path of every change: a snapshot knows what
    changed since the previous one without comparing every file. Positions in the journal
    count from the table's start; only the last JOURNAL_KEPT are kept."""

    JOURNAL_KEPT = 4096

    def __init__(self, config: Optional[Config] = None):
        super().__init__(config)
        self._journal: list[str] = []
        self._dropped = 0  # journal entries let go (the oldest)
        self._reordered = 0  # the journal's length at the last change of the files' order

    @property
    def journal_length(self) -> int:
        return self._dropped + len(self._journal)

    def put(self, source: SourceFile) -> None:
        if source.path not in self.files:
            self._note(source.path, reorders=True)  # a new path goes last
        else:
            self._note(source.path)
        super().put(source)

    def remove(self, path: str) -> None:
        self._note(path, reorders=True)  # read again later, it would go last
        super().remove(path)

    def _note(self, path: str, reorders: bool = False) -> None:
        self._journal.append(path)
        if reorders:
            self._reordered = self.journal_length
        if len(self._journal) > 2 * self.JOURNAL_KEPT:
            cut = len(self._journal) - self.JOURNAL_KEPT
            del self._journal[:cut]
            self._dropped += cut

    def replaced_between(self, start: int, end: int) -> Optional[set[str]]:
        """The paths put in place of others between two journal lengths; None when a path was
        added or removed then (the order of the files changed) or the journal lost the start."""
        if start < self._reordered or start < self._dropped or end > self.journal_length or start > end:
            return None
        return set(self._journal[start - self._dropped:end - self._dropped])


def copy_workspace(workspace: Workspace, paths: Optional[Iterable[str]] = None) -> Workspace:
    copy = Workspace(workspace.config)
    if paths is None:
        copy.files = dict(workspace.files)
    else:
        copy.files = {p: workspace.files[p] for p in paths if p in workspace.files}
    copy.generation = workspace.generation
    copy.render_notes = list(workspace.render_notes)
    return copy


def path_of(uri: str) -> str:
    """The key of a document: its filesystem path for a file:// URI, else the URI itself."""
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    return os.path.normpath(fs_path) if fs_path else uri


def folder_paths(uris: Iterable[str]) -> list[str]:
    """The file:// folders among the URIs, as normalised paths, each once, in order."""
    roots: list[str] = []
    for uri in uris:
        fs_path = to_fs_path(uri) if uri and uri.startswith("file:") else None
        if fs_path:
            root = os.path.normpath(fs_path)
            if root not in roots:
                roots.append(root)
    return roots


def is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class ServerState:
    def __init__(self, config: Optional[Config] = None):
        self.roots: list[str] = []  # absolute, normalised folder paths
        # folders under the roots that another cluster reads (their own .netpol-lsp.yaml)
        self.carved: tuple[str, ...] = ()
        self.config = config or Config()
        self.workspace = JournaledWorkspace(self.config)
        self.open: dict[str, OpenDocument] = {}  # path -> open document
        self.memos: dict[str, ChunkMemo] = {}  # path -> the open buffer's last parse, by document
        self.pending: dict[str, Pending] = {}
        self.excluded_open: set[str] = set()  # open buffers the configuration excludes
        self.uris: dict[str, str] = {}  # path -> the URI the client used for it
        self.revision = 0
        self.edit_revision = 0
        self.charts: list = []  # render.helm.Chart: the Helm charts under the roots
        self.rendered: dict[str, SourceFile] = {}  # a chart's template path -> what helm made of it

    # -- paths and URIs --------------------------------------------------------------------

    def path_for(self, uri: str) -> str:
        path = path_of(uri)
        self.uris.setdefault(path, uri)
        return path

    def uri_for(self, path: str) -> str:
        known = self.uris.get(path)
        if known is not None:
            return known
        if os.path.isabs(path):
            return from_fs_path(path) or path
        return path  # already a URI (untitled:...) or a name we were given as-is

    def set_roots(self, uris: Iterable[str]) -> None:
        self.roots = folder_paths(uris)

    def root_of(self, path: str) -> Optional[str]:
        """The folder of ours the path is under; None outside them or in a carved-out folder."""
        for root in self.roots:
            if is_under(path, root):
                if any(is_under(path, carved) for carved in self.carved):
                    return None
                return root
        return None

    def display(self, path: str) -> str:
        """A path as a person would write it: relative to its workspace folder."""
        root = self.root_of(path)
        return os.path.relpath(path, root) if root else path

    def is_config_file(self, path: str) -> bool:
        return os.path.basename(path) == CONFIG_NAME

    def is_workspace_file(self, path: str) -> bool:
        """A manifest `check` on the workspace folders would read: under a folder, a manifest
        suffix, not in a skipped folder, not excluded by the configuration."""
        root = self.root_of(path)
        if root is None or not (path.endswith(MANIFEST_SUFFIXES) or os.path.basename(path) == "Kustomization") \
                or self.is_config_file(path):
            return False
        relative = os.path.relpath(path, root)
        parts = relative.split(os.sep)
        if any(part in SKIP_DIRS for part in parts[:-1]):
            return False
        return not self.excluded(path)

    def excluded(self, path: str) -> bool:
        root = self.root_of(path)
        if root is None or not self.config.exclude:
            return False
        relative = os.path.relpath(path, root)
        parts = relative.split(os.sep)
        # a folder pattern (charts/**) excludes what is below it, as the folder walk does
        return any(is_excluded(os.sep.join(parts[:n]), self.config) for n in range(1, len(parts) + 1))

    # -- changes ---------------------------------------------------------------------------

    def _bump(self, edit: bool) -> None:
        self.revision += 1
        if edit:
            self.edit_revision += 1

    def open_document(self, uri: str, text: str, version: Optional[int]) -> str:
        path = self.path_for(uri)
        self.uris[path] = uri
        self.open[path] = OpenDocument(uri, version, text)
        self._set_buffer(path, text, version)
        return path

    def change_document(self, uri: str, text: str, version: Optional[int]) -> Optional[str]:
        path = self.path_for(uri)
        document = self.open.get(path)
        if document is None:
            return None  # a change for a document never opened: nothing to update
        document.version, document.text = version, text
        self._set_buffer(path, text, version)
        return path

    def _set_buffer(self, path: str, text: str, version: Optional[int]) -> None:
        if path in self.rendered:  # a chart's template: what helm rendered of it stands (saves re-render)
            self.pending.pop(path, None)
            self.workspace.put(self.rendered[path])
        elif self.excluded(path) or self.is_config_file(path):  # the settings file is not a manifest
            self.excluded_open.add(path)
            self.pending.pop(path, None)
            self.workspace.remove(path)
        else:
            self.excluded_open.discard(path)
            self.pending[path] = Pending(text, version)
        self._bump(edit=True)

    def close_document(self, uri: str) -> str:
        """The buffer is gone: the disk's version takes its place, if it is a workspace file."""
        path = self.path_for(uri)
        self.open.pop(path, None)
        self.pending.pop(path, None)
        self.memos.pop(path, None)
        self.excluded_open.discard(path)
        if path in self.rendered:
            self.workspace.put(self.rendered[path])
        elif self.is_workspace_file(path) and os.path.isfile(path):
            self.workspace.put(self.read_disk(path))
        else:
            self.workspace.remove(path)
        self._bump(edit=True)
        return path

    def release(self, path: str) -> Optional[OpenDocument]:
        """An open document another cluster reads now: dropped here (its text goes with it)."""
        document = self.open.pop(path, None)
        if document is None:
            return None
        self.pending.pop(path, None)
        self.memos.pop(path, None)
        self.excluded_open.discard(path)
        self.workspace.remove(path)
        self._bump(edit=True)
        return document

    def disk_changed(self, path: str, deleted: bool) -> bool:
        """A file changed on disk (a watcher event). True when the workspace changed."""
        if path in self.open or path in self.rendered:
            return False  # the buffer wins; a chart's template is rendered again instead
        if deleted or not os.path.exists(path):
            prefix = path.rstrip(os.sep) + os.sep  # a deleted folder takes its files with it
            gone = [p for p in self.workspace.files
                    if (p == path or p.startswith(prefix)) and p not in self.open]
            for p in gone:
                self.workspace.remove(p)
            if gone:
                self._bump(edit=False)
            return bool(gone)
        if not self.is_workspace_file(path):
            return False
        self.workspace.put(self.read_disk(path))
        self._bump(edit=False)
        return True

    def add_indexed(self, sources: Iterable[SourceFile]) -> int:
        """Files read by the indexer; an open buffer read meanwhile wins. Returns how many."""
        count = 0
        for source in sources:
            if source.path in self.open or source.path in self.excluded_open or source.path in self.rendered:
                continue
            self.workspace.put(source)
            count += 1
        if count:
            self._bump(edit=False)
        return count

    def reset(self, config: Config) -> None:
        """A new configuration: an empty workspace with the open buffers, to be indexed again."""
        self.config = config
        self.workspace = JournaledWorkspace(config)
        self.charts, self.rendered = [], {}
        self.pending = {}
        self.memos = {}  # parsed under the old limits
        self.excluded_open = set()
        for path, document in self.open.items():
            self._set_buffer(path, document.text, document.version)
        self._bump(edit=True)

    def adopt(self, parsed: list[tuple[str, Pending, SourceFile]]) -> None:
        """Parsed buffers come back from the worker: keep those no newer edit replaced."""
        for path, pending, source in parsed:
            if self.pending.get(path) is pending:  # a skipped buffer (too large, binary) has no text
                del self.pending[path]
                if path in self.open and not self.excluded(path) and path not in self.rendered:
                    self.workspace.put(source)

    def apply_rendered(self, renders: list) -> None:
        """Charts rendered (render.helm.ChartRender): their templates' files replaced by what
        helm made of them, their NP096 notes replaced. Chart.yaml is put anew so an
        incremental analysis re-checks it (the note lives there)."""
        from ..render.helm import chart_yaml_path, in_chart, replacements

        for render in renders:
            for path in [p for p in self.rendered if in_chart(p, render.chart)]:
                del self.rendered[path]
            paths = set(self.workspace.files) | set(self.open)
            texts = {p: d.text for p, d in self.open.items()}
            self.rendered.update(replacements(render, paths, lambda p: texts.get(p, self.workspace.files[p].text
                                                                                 if p in self.workspace.files else "")))
            chart_yaml = chart_yaml_path(render.chart)
            self.workspace.render_notes = [n for n in self.workspace.render_notes
                                           if not in_chart(n.path, render.chart)] + ([render.note] if render.note else [])
            if str(chart_yaml) in self.workspace.files:
                self.workspace.put(replace(self.workspace.files[str(chart_yaml)]))
        for path, source in self.rendered.items():
            self.pending.pop(path, None)
            self.workspace.put(source)
        self._bump(edit=False)

    def chart_of(self, path: str):
        from ..render.helm import in_chart

        return next((chart for chart in self.charts if in_chart(path, chart)), None)

    # -- reading ---------------------------------------------------------------------------

    def read_disk(self, path: str) -> SourceFile:
        """One file from disk, with the loader's rules (size limit, encodings, symlinks that
        lead outside the workspace folder are not followed)."""
        problem = None
        root = self.root_of(path)
        try:
            if root is not None and stat.S_ISLNK(os.lstat(path).st_mode):
                target = Path(path).resolve(strict=True)
                resolved_root = Path(root).resolve()
                if resolved_root not in target.parents:
                    problem = f"skipped: symlink to {target}, outside the workspace (not followed)"
        except (OSError, RuntimeError):
            problem = "skipped: broken or looping symlink"
        if problem:
            return skipped_source(path, problem)
        return read_candidate(Candidate(path, Path(path)), self.config, lean=True)  # not open: lean

    # -- analysis --------------------------------------------------------------------------

    def snapshot(self, local_only: bool = False) -> Snapshot:
        if local_only:
            paths = [p for p in self.open if p not in self.excluded_open]
            workspace = copy_workspace(self.workspace, paths)
        else:
            workspace = copy_workspace(self.workspace)
        return Snapshot(self.revision, self.edit_revision, workspace, dict(self.pending),
                        {p: d.version for p, d in self.open.items()}, local_only, self.memos,
                        (self.workspace, self.workspace.journal_length)
                        if isinstance(self.workspace, JournaledWorkspace) else None)

    def is_current(self, snapshot: Snapshot) -> bool:
        if snapshot.local_only:
            return snapshot.edit_revision == self.edit_revision
        return snapshot.revision == self.revision
