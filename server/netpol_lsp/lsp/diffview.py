"""Connectivity against a base revision, in the editor: a lens above each policy a change goes
through ("vs HEAD: +2 connections, -1"), the pairs in its hover, and the whole diff on demand.

The base side (the `diffBase` revision of each workspace folder, default HEAD) is built once
and kept with its connectivity engine: files whose git blob id equals the current text's are
the current SourceFiles themselves, the others are read from git into memory and parsed. It is
built again only when the revision's commit, the folders or the configuration change. The comparison runs after the
diagnostics of an analysis were published, in its own thread and after a pause, and a newer
analysis makes it give up at once (it asks between classes of workloads) and wait for that
one's turn: the edit path does not wait for it. It compares only the
namespaces whose files differ from the base (analysis/compare.py says why that is the whole
diff), so an edit in one namespace costs that namespace's pairs.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

from lsprotocol import types

from ..analysis.compare import Comparison, changed_namespaces, compare_sides
from ..analysis.conndiff import ConnectivityDiff, PairChange
from ..analysis.connectivity import Engine, Interrupted
from ..analysis.diff_blame import DiffSide, policy_key
from ..config import Config
from ..model import NetworkPolicy
from ..workspace import SourceFile, Workspace
from .state import is_under

log = logging.getLogger(__name__)

COMMAND = "netpol-lsp.showDiff"  # the lens's command: the client opens the whole diff
SERVER_COMMAND = "netpol-lsp.diff"  # workspace/executeCommand: the whole diff as Markdown and JSON
DEFAULT_BASE = "HEAD"
DELAY_S = 0.5  # after a publish: a burst of edits publishes several times, compare once


@dataclass
class BaseSide:
    key: tuple  # (base name, folders, commits)
    config: Config
    label: str  # "HEAD (1a2b3c4d5e6f)"
    files: dict[str, SourceFile]
    side: DiffSide


@dataclass
class DiffView:
    """The comparison for one analysed state of the workspace (or why there is none)."""

    revision: int  # the state revision it was computed at
    files: dict[str, SourceFile]  # the analysed files: a lens is shown only on the same text
    label: str = ""
    comparison: Optional[Comparison] = None
    by_policy: dict[str, list[PairChange]] = field(default_factory=dict)
    note: Optional[str] = None  # why nothing is compared (no git, no such revision)
    seconds: float = 0.0


def _count(n: int) -> str:
    return f"{n} connection" + ("" if n == 1 else "s")


def counts_text(changes: list[PairChange]) -> str:
    """+2 connections, -1: pairs that gained something, pairs that lost something."""
    gained = sum(1 for c in changes if not c.added.is_empty())
    lost = sum(1 for c in changes if not c.removed.is_empty())
    if gained and lost:
        return f"+{_count(gained)}, -{lost}"
    if gained:
        return f"+{_count(gained)}"
    return f"-{_count(lost)}"


def lens_title(name: str, changes: list[PairChange]) -> str:
    return f"vs {name}: {counts_text(changes)}"


class DiffTracker:
    def __init__(self, on_ready: Callable[[DiffView], None]):
        self.base_name: str = DEFAULT_BASE  # "" turns the feature off
        self.on_ready = on_ready
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netpol-diff")
        self.view: Optional[DiffView] = None
        self._base: Optional[BaseSide] = None
        self._same: dict[str, tuple[SourceFile, SourceFile, bool]] = {}  # path -> (base, current, equal)
        self._timer: Optional[asyncio.Task] = None

    @property
    def enabled(self) -> bool:
        return bool(self.base_name)

    def set_base(self, name: str) -> None:
        if name != self.base_name:
            self.base_name = name
            self._base, self.view, self._same = None, None, {}

    # -- when ------------------------------------------------------------------------------

    def schedule(self, result, state) -> None:
        """After a full analysis was published: compare after a pause, unless a newer one comes."""
        if not self.enabled:
            return
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer = asyncio.ensure_future(self._after(result, state))

    async def _after(self, result, state) -> None:
        await asyncio.sleep(DELAY_S)
        if not state.is_current(result.snapshot) or state.pending:
            return  # a newer analysis is due: it schedules its own comparison
        view = await self.view_for(result, state, lazy=True)
        if view is not None:
            self.on_ready(view)

    async def view_for(self, result, state, lazy: bool = False) -> Optional[DiffView]:
        """The comparison for an analysis result, computed off the loop unless it is known;
        `lazy`: given up (None) as soon as a newer analysis is due."""
        view = self.view
        if view is not None and view.revision == result.snapshot.revision:
            return view
        loop = asyncio.get_running_loop()
        stale = (lambda: not state.is_current(result.snapshot) or bool(state.pending)) if lazy else (lambda: False)
        view = await loop.run_in_executor(self.executor, self.compute, result, list(state.roots), stale,
                                          tuple(state.carved))
        if view is None:  # given up for a newer analysis, which schedules its own comparison
            return None
        if self.view is None or view.revision >= self.view.revision:
            self.view = view
        return view

    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # -- what ------------------------------------------------------------------------------

    def compute(self, result, roots: list[str], stale: Callable[[], bool] = lambda: False,
                carved: tuple[str, ...] = ()) -> Optional[DiffView]:
        """The comparison for an analysis result; None when `stale()` says a newer analysis
        came meanwhile (checked between the steps: the thread gives way to the edit path).
        carved: folders under the roots that other clusters read (left out of the base too)."""
        started = time.perf_counter()
        snapshot = result.snapshot
        workspace: Workspace = snapshot.workspace
        files = dict(workspace.files)
        view = DiffView(snapshot.revision, files)
        if not roots:
            view.note = "no workspace folder: nothing to compare with a revision"
            return view
        try:
            base = self._base_side(roots, workspace.config, files, carved)
        except Exception as error:  # not a repository, no such revision, git missing: said once, in the view
            view.note = str(error)
            return view
        view.label = base.label
        namespaces = changed_namespaces(self._differing(base.files, files))
        if namespaces is not None and not namespaces:
            view.comparison = Comparison(ConnectivityDiff([]), base.side, base.side)
        else:
            try:  # stale() is asked between classes and changes: an edit never waits for this
                old = base.side.engine.compute(namespaces, stale)
                engine = Engine(workspace, result.context.resolver)
                new = engine.compute(namespaces, stale)
                view.comparison = compare_sides(base.side, old.connections,
                                                DiffSide(workspace, new.endpoints, engine), new.connections, stale)
            except Interrupted:
                return None
            view.by_policy = view.comparison.by_policy()
        view.seconds = time.perf_counter() - started
        log.debug("diff against %s: %d changes in %s namespaces, %.3f s", base.label,
                  len(view.comparison.diff.changes), "all" if namespaces is None else len(namespaces), view.seconds)
        return view

    def _differing(self, base: dict[str, SourceFile], current: dict[str, SourceFile]):
        """(base, current) source pairs of the files whose text differs. The base shares the
        unchanged files' objects (identity: no comparison); equal texts of other pairs are
        remembered, so an edit compares only the edited files again."""
        for path, after in current.items():
            before = base.get(path)
            if before is after:
                continue
            if before is None:
                yield None, after
                continue
            known = self._same.get(path)
            if known is not None and known[0] is before and known[1] is after:
                equal = known[2]
            else:
                equal = before.text == after.text
                self._same[path] = (before, after, equal)
            if not equal:
                yield before, after
        for path in base.keys() - current.keys():  # files the edit deleted
            yield base[path], None

    def _base_side(self, roots: list[str], config: Config, current: dict[str, SourceFile],
                   carved: tuple[str, ...] = ()) -> BaseSide:
        """The base revision's files: those equal to the current ones (same git blob id) are
        the current SourceFiles themselves (no second copy, no parse); the others are read
        from git and parsed."""
        from ..bulk import BulkLoad
        from ..revisions import RevisionError, candidates, repository_root, resolve, same_content

        for root in roots:
            if repository_root(root) is None:
                raise RevisionError(f"{root} is not in a git repository")
        revisions = [resolve(self.base_name, root) for root in roots]
        key = (self.base_name, tuple(roots), tuple(r.commit for r in revisions), carved)
        if self._base is not None and self._base.key == key and self._base.config == config:
            return self._base
        found = []
        for root, revision in zip(roots, revisions):
            found.extend(candidate for candidate in candidates(revision, [root], config, same_content(current))[0]
                         if not any(is_under(candidate.display, folder) for folder in carved))
        workspace = BulkLoad([], config, None, candidates=found).load(jobs=1).workspace
        shared = sum(1 for candidate in found if candidate.source is not None)
        engine = Engine(workspace)
        endpoints = engine.compute(set()).endpoints  # the endpoint table alone: no pair is listed
        label = f"{self.base_name}" if len(revisions) != 1 else f"{self.base_name} ({revisions[0].short})"
        log.debug("base %s: %d files, %d shared with the workspace", label, len(workspace.files), shared)
        self._base = BaseSide(key, config, label, dict(workspace.files), DiffSide(workspace, endpoints, engine))
        self._same = {}
        return self._base

    # -- what the editor shows -------------------------------------------------------------

    def current_for(self, path: str, source: SourceFile) -> Optional[DiffView]:
        """The view, when it was computed on this very text of the file."""
        view = self.view
        if view is None or view.comparison is None or view.files.get(path) is not source:
            return None
        return view

    def lenses(self, path: str, source: SourceFile, uri: str) -> list[types.CodeLens]:
        view = self.current_for(path, source)
        if view is None or not view.by_policy:
            return []
        lenses = []
        for policy in source.objects:
            if not isinstance(policy, NetworkPolicy):
                continue
            changes = view.by_policy.get(policy_key(policy))
            if not changes:
                continue
            start = types.Position(line=policy.node.span.start_line, character=policy.node.span.start_col)
            command = types.Command(title=lens_title(self.base_name, changes), command=COMMAND,
                                    arguments=[uri, policy_key(policy)])
            lenses.append(types.CodeLens(range=types.Range(start=start, end=start), command=command))
        return lenses

    def hover_note(self, path: str, source: SourceFile) -> Callable[[NetworkPolicy], Optional[str]]:
        """For hover: the pairs a policy's change goes through, as Markdown."""
        from ..report.conndiff import hover_lines

        def note(policy: NetworkPolicy) -> Optional[str]:
            view = self.current_for(path, source)
            changes = view.by_policy.get(policy_key(policy)) if view is not None else None
            if not changes:
                return None
            return "\n".join([f"**Connectivity vs {view.label}**: {counts_text(changes)}", "",
                              *hover_lines(changes)])

        return note

    def whole(self, view: Optional[DiffView]) -> dict:
        """The answer of workspace/executeCommand netpol-lsp.diff."""
        from ..report.conndiff import Labels, render_markdown, summary_line

        if view is None or view.comparison is None:
            note = view.note if view is not None else "the workspace is not analysed yet"
            return {"base": self.base_name, "available": False, "reason": note,
                    "markdown": f"netpol-lsp: no connectivity diff against {self.base_name or 'a base'}: {note}\n"}
        labels = Labels(view.label, "the workspace as edited")
        comparison = view.comparison
        changes = [{**c.as_dict(), "policies": p} for c, p in zip(comparison.diff.changes, comparison.policies)]
        return {"base": view.label, "available": True, "summary": comparison.diff.counts(),
                "text": summary_line(comparison), "changes": changes,
                "markdown": render_markdown(comparison, labels)}
