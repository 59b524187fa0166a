"""The analysis of a workspace that holds Kustomize roots: each view analysed, findings merged.

A file a kustomization reads is analysed only through the views that render it (views.py). A
finding on a field a kustomization wrote is moved to the line that wrote it; a finding several
alternative roots share is reported once, at its source line, saying which roots it holds in.
A workspace without kustomizations never comes here.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Optional

from ..findings import Finding, Related
from ..render.origin import is_written
from ..workspace import Workspace
from .views import View, Views, build_views, render_reusable, views_after_edit


def relocated(view: View, findings: list[Finding], origins) -> tuple[list[Finding], set]:
    """The view's findings with those on written fields moved to the kustomization line (or
    patch) that wrote them, copies (the view's analysis keeps its own), and the places
    (path, span) of the suppression comments that suppressed a moved finding at its new place
    (an NP099 there is then not said: the suppression is used; Placed.reported)."""
    from .suppress import scan

    out, used = [], set()
    for found in findings:
        moved = is_written(found.span)
        if moved or any(is_written(r.span) for r in found.related) or \
                any(is_written(e.span) for fix in found.fixes for e in fix.edits):
            path, span = origins.locate(found.path, found.span)
            found = replace(found, path=path, span=span,
                            related=[Related(*origins.locate(r.path, r.span), r.message) for r in found.related],
                            # an edit meant for the resource file: not for the kustomization
                            fixes=[] if moved else [f for f in found.fixes
                                                     if not any(is_written(e.span) for e in f.edits)])
            source = view.workspace.files.get(path) if moved else None
            covering = [s for s in scan(source) if s.covers(found)] if source is not None else []
            if covering:
                used.update((s.path, tuple(s.span)) for s in covering)
                continue
        out.append(found)
    return out, used


class Placed:
    """One view's findings after relocation, kept by the file each was computed on (its origin)
    and by the file it is reported on, so that an edit replaces only the findings of the files
    the view checked again and merges only the files those findings are, or were, reported on."""

    def __init__(self):
        self.by_origin: dict[str, list[Finding]] = {}
        self.used: dict[str, set] = {}  # origin -> suppression places its moved findings used
        self.at: dict[str, dict[str, list[Finding]]] = {}  # reported path -> origin -> findings
        self.used_at: dict[str, dict[str, set]] = {}  # path -> origin -> used suppression spans there

    def copy(self) -> "Placed":
        """A copy to change (the inner tables are replaced, never changed, on a put)."""
        other = Placed()
        other.by_origin, other.used = dict(self.by_origin), dict(self.used)
        other.at, other.used_at = dict(self.at), dict(self.used_at)
        return other

    def put(self, origin: str, findings: list[Finding], used: set) -> set[str]:
        """The findings of one origin replaced; returns the paths whose reports may change."""
        touched = set()
        for table, old_paths in ((self.at, {f.path for f in self.by_origin.pop(origin, ())}),
                                 (self.used_at, {path for path, _ in self.used.pop(origin, ())})):
            for path in old_paths:
                inner = {o: v for o, v in table[path].items() if o != origin}
                if inner:
                    table[path] = inner
                else:
                    del table[path]
            touched |= old_paths
        if findings:
            self.by_origin[origin] = findings
            grouped: dict[str, list[Finding]] = {}
            for found in findings:
                grouped.setdefault(found.path, []).append(found)
            for path, group in grouped.items():
                self.at[path] = {**self.at.get(path, {}), origin: group}
            touched |= grouped.keys()
        if used:
            self.used[origin] = used
            spans: dict[str, set] = {}
            for path, span in used:
                spans.setdefault(path, set()).add(span)
            for path, group in spans.items():
                self.used_at[path] = {**self.used_at.get(path, {}), origin: group}
            touched |= spans.keys()
        return touched

    def reported(self, path: str) -> list[Finding]:
        """The view's findings on one file, in its analysis's order (origins sorted)."""
        per_origin = self.at.get(path)
        if not per_origin:
            return []
        out = [found for origin in sorted(per_origin) for found in per_origin[origin]]
        used = self.used_at.get(path)
        if used:
            spans = set().union(*used.values())
            out = [f for f in out if not (f.rule == "NP099" and tuple(f.span) in spans)]
        return out

    def paths(self) -> set[str]:
        return set(self.at)


def place(view: View, findings: list[Finding], origins) -> tuple[list[Finding], set]:
    """One origin's findings as the view reports them: moved where they were written; in a view
    that misses objects, nothing about absence."""
    found, used = relocated(view, findings, origins)
    if view.blind:  # said once, by NP072/NP074: what the missing objects' absence suggests is not said
        found = [f for f in found if f.rule not in ABSENCE_RULES]
    return found, used


def view_key(views: Views, view: View) -> tuple:
    return (view.name, view is views.everything)


def merged_at(views: Views, placed: dict[tuple, Placed], path: str) -> list[Finding]:
    """The findings reported on one file: in a root view, "matches nothing" only where the view
    of everything finds it too (another root of the repository may bring what it misses); the
    view of everything reports on its own files; one finding per place and message."""
    every = placed[view_key(views, views.everything)].reported(path) if views.everything is not None else []
    present = None
    if views.everything is not None and views.check_absence:
        present = {(f.rule, tuple(f.span)) for f in every if f.rule in ABSENCE_RULES}
    per_view = []
    for view in views.views:
        found = placed[view_key(views, view)].reported(path)
        if present is not None:
            found = [f for f in found if f.rule not in ABSENCE_RULES or (f.rule, tuple(f.span)) in present]
        per_view.append((view, found))
    if views.everything is not None:
        report = views.everything.report
        per_view.append((views.everything, every if report is None or path in report else []))
    return merge_findings(views, per_view)


def run_views(views: Views, analyse) -> list[Finding]:
    """Every view analysed (analyse(view) -> its findings on view.scope), placed and merged
    (merged_at)."""
    from .incremental import _by_path

    placed = {}
    for view in views.all():
        table = placed[view_key(views, view)] = Placed()
        for origin, findings in _by_path(analyse(view)).items():
            table.put(origin, *place(view, findings, views.rendered.origins))
    paths = set().union(*(table.paths() for table in placed.values()))
    return [found for path in sorted(paths) for found in merged_at(views, placed, path)]


def analyze_view(view: View, select: Iterable[str], ignore: Iterable[str]) -> list[Finding]:
    """The findings on the files the view checks (check: a scoped analysis, once)."""
    from ..rules.base import RuleContext
    from .run import analyze

    return analyze(view.workspace, select, ignore, context=RuleContext(view.workspace, scope=view.scope))


def analyze_views(views: Views, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    return run_views(views, lambda view: analyze_view(view, select, ignore))


# rules whose findings say something is missing or unprotected: not said where objects are unseen
ABSENCE_RULES = frozenset({"NP001", "NP002", "NP003", "NP021", "NP022", "NP040"})


def merge_findings(views: Views, per_view: list[tuple[View, list[Finding]]]) -> list[Finding]:
    """One finding per place and message, naming the roots it holds in when that is not every
    view, or when it is on a file of a kustomization. The views' findings are left as they are."""
    merged: dict[tuple, tuple[Finding, list[str]]] = {}
    for view, findings in per_view:
        for found in findings:
            key = (found.rule, found.path, tuple(found.span), found.message)
            if key in merged:
                merged[key][1].append(view.name)
            else:
                merged[key] = (found, [view.name])
    out = []
    for found, names in merged.values():
        names = sorted({name for name in names if name})
        if names:
            found = replace(found, message=f"{found.message} (in {', '.join(names)})")
        out.append(found)
    out.sort(key=Finding.sort_key)
    return out


def analyze_views_incrementally(workspace: Workspace, select: tuple[str, ...], previous=None):
    """The language server's analysis of a workspace with kustomizations. While no file a
    kustomization reads changed, the render and the views are kept (views_after_edit: the
    edited files swapped in), each view is analysed incrementally from its previous analysis
    (incremental.py), and only the findings of the files a view checked again are placed and
    merged again (Placed). Otherwise everything is rendered, placed and merged anew (each view
    still analysed incrementally where its files allow). Returns an incremental.Analysis that
    carries the views (and each view's context, for hover and navigation)."""
    from ..rules.base import RuleContext
    from .incremental import Analysis, _points_into, analyze_plain

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    kept = reusable and render_reusable(previous.workspace, workspace, old_views.rendered)
    if kept:
        views = views_after_edit(old_views, previous.workspace, workspace)
    else:
        views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None)
    results, contexts, placed = {}, {}, {}
    touched: Optional[set[str]] = set()
    origins = views.rendered.origins
    for view in views.all():
        key = view_key(views, view)
        analysis = analyze_plain(view.workspace, select, previous.view_results.get(key) if reusable else None)
        results[key] = analysis
        contexts[view.name] = analysis.context
        before = previous.placed.get(key) if kept else None
        if before is None or analysis.rechecked is None:
            table, again, touched = Placed(), view.scope, None
        else:
            table, again = before.copy(), analysis.rechecked & view.scope
        for origin in sorted(again):
            changed = table.put(origin, *place(view, analysis.findings_of(origin), origins))
            if touched is not None:
                touched |= changed
        placed[key] = table
    if touched is None:  # merged anew
        paths = set().union(*(table.paths() for table in placed.values()))
        by_path = {path: merged_at(views, placed, path) for path in sorted(paths)}
        by_path = {path: found for path, found in by_path.items() if found}
        points_into = _points_into(by_path)
        rechecked = None
    else:
        by_path, points_into = dict(previous.by_path), dict(previous.points_into)
        for path in touched:
            found = merged_at(views, placed, path)
            by_path.pop(path, None)
            points_into.pop(path, None)
            if found:
                by_path[path] = found
                points_into.update(_points_into({path: found}))
        rechecked = frozenset(touched.union(*(a.rechecked for a in results.values())))
    # the view of everything's context answers for the workspace (indexing the files as they
    # are written would cost an index of the whole workspace per edit, and say the wrong thing)
    context = contexts.get("") or RuleContext(workspace)
    context.kustomize = (views, contexts)
    return Analysis(workspace, select, context, by_path, points_into, views=views, view_results=results,
                    placed=placed, rechecked=rechecked, base=previous.serial if rechecked is not None else None)


def analyze_checked(workspace: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
                    root: Optional[str] = None) -> list[Finding]:
    """What `check` reports: one analysis, or one per render root when there are kustomizations."""
    from .run import analyze

    views = build_views(workspace, root)
    if views is None:
        return analyze(workspace, select, ignore)
    return analyze_views(views, select, ignore)
