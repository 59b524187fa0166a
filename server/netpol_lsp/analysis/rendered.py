"""The analysis of a workspace that holds Kustomize roots: each view analysed, findings merged.

A file a kustomization reads is analysed only through the views that render it (views.py). A
finding on a field a kustomization wrote is moved to the line that wrote it; a finding several
alternative roots share is reported once, at its source line, saying which roots it holds in.
A workspace without kustomizations never comes here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import AbstractSet, Iterable, Mapping, Optional

from ..config import Config
from ..findings import Finding, Related
from ..render.origin import is_written
from ..workspace import Workspace
from . import dependence
from .run import rule_selection
from .views import View, Views, build_views, render_reusable, views_after_edit


def relocated(view: View, findings: list[Finding], origins) -> tuple[list[Finding], set]:
    """The view's findings with those on written fields moved to the kustomization line (or
    patch) that wrote them, copies (the view's analysis keeps its own), and the places (path,
    span) of the suppression comments that suppressed a moved finding at its new place (an
    NP099 there is not said: the suppression is used; Placed.reported)."""
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


def analyze_view(view: View, select: Iterable[str], ignore: Iterable[str]) -> list[Finding]:
    """The findings on the files the view checks (check: a scoped analysis, once)."""
    from ..rules.base import RuleContext
    from .run import analyze

    return analyze(view.workspace, select, ignore, context=RuleContext(view.workspace, scope=view.scope))


@dataclass
class ViewFindings:
    """What a view's analysis gives run_views: its findings by the file they were computed on
    (those of files outside view.scope are not read), the files whose findings may differ from
    the previous run's (None: any), and whether any object's facts changed (NP075's notes read
    what other roots deploy)."""

    by_origin: Mapping[str, list[Finding]]
    changed: Optional[AbstractSet[str]] = None
    facts_changed: bool = True


@dataclass
class Placement:
    """The views' findings placed (per view, Placed) and merged: `merged` holds the findings
    of each file merged in this run (an empty list: none there now); `touched` names those
    files, None when every file was merged (no previous placement, or it could not be used)."""

    tables: dict[tuple, "Placed"]
    merged: dict[str, list[Finding]]
    touched: Optional[set[str]]

    def findings(self) -> list[Finding]:
        return [found for path in sorted(self.merged) for found in self.merged[path]]


def view_key(views: Views, view: View) -> tuple:
    return (view.name, view is views.everything)


def run_views(views: Views, analyse, select: Iterable[str] = (), ignore: Iterable[str] = (),
              previous: Optional[Placement] = None) -> Placement:
    """Every view analysed (analyse(view) -> ViewFindings), placed and merged: in a view that
    misses objects, nothing about absence; without declared clusters, a root view's "matches
    nothing" only where the view of everything finds it too, and where it does not (another
    root deploys what it misses) one NP075 per root instead; the view of everything reports on
    its own files; findings on written fields moved where they were written; one finding per
    place and message (merge_findings).

    previous: the placement of the same views before an edit. Then only the files a view
    checked again are placed again, and only the files their findings are or were reported on
    are merged again (an edit of one file re-merges that file, not every view's every finding)."""
    results = {}
    for view in views.all():  # in order: a root's view may be let go once analysed
        results[view_key(views, view)] = analyse(view)
    everything = views.everything
    every = results[view_key(views, everything)] if everything is not None else None
    absence = everything is not None and views.check_absence
    severity = None
    if absence:
        severity = dict((r.ID, sev) for r, sev in rule_selection(everything.workspace.config.rules,
                                                                  select, ignore)).get(dependence.ID)
    written = views.rendered.origins
    ctx: list = []  # the context of the view of everything, made when a root's note first needs it
    tables: dict[tuple, Placed] = {}
    touched: Optional[set[str]] = set()
    for view in views.all():
        key = view_key(views, view)
        found = results[key]
        root_absence = absence and view is not everything
        before = previous.tables.get(key) if previous is not None else None
        changed = found.changed
        if changed is not None and root_absence:  # its "matches nothing" is compared with everything's
            changed = None if every.changed is None else set(changed) | set(every.changed)
        if before is None or changed is None:
            table, again, touched = Placed(), [o for o in found.by_origin if o in view.scope], None
        else:
            again = [o for o in changed if o in view.scope]
            renote = root_absence and every.facts_changed
            table = before.copy() if again or renote else before  # a table is changed only as a copy
        for origin in sorted(again):
            raw = found.by_origin.get(origin, [])
            if view.blind:  # said once, by NP072/NP074: what the missing objects' absence suggests is not said
                raw = [f for f in raw if f.rule not in ABSENCE_RULES]
            if view is everything and view.report is not None and origin not in view.report:
                raw = []  # checked here for the root views' sake, reported by them
            if root_absence:
                raw = _answered(table, origin, raw, [] if everything.blind else every.by_origin.get(origin, []))
            placed = table.put(origin, *relocated(view, raw, written))
            if touched is not None:
                touched |= placed
        if root_absence and table is not before:  # new, or a file of it placed again, or facts changed
            elsewhere = [f for origin in sorted(table.elsewhere) for f in table.elsewhere[origin]]
            notes, used = [], set()
            if elsewhere and severity is not None:
                notes, used = _unsuppressed(view, dependence.note(views, view, elsewhere, severity, ctx))
            notes, moved_used = relocated(view, notes, written)
            placed = table.put(NOTE, notes, used | moved_used)
            if touched is not None:
                touched |= placed
        tables[key] = table
    order = [view_key(views, view) for view in views.all()]
    named = {view_key(views, view): view for view in views.all()}
    if touched is None:
        holders: dict[str, list[tuple]] = {}
        for key in order:
            for path in tables[key].at:
                holders.setdefault(path, []).append(key)
    else:
        holders = {path: [key for key in order if path in tables[key].at] for path in touched}
    merged = {path: merge_findings(views, [(named[key], tables[key].reported(path)) for key in keys])
              for path, keys in holders.items()}
    return Placement(tables, merged, touched)


NOTE = "\uffff NP075"  # the origin of a root view's NP075 note: placed after every file's findings


def _origin_order(origin: str) -> tuple:
    return (origin == NOTE, origin)


def _answered(table: "Placed", origin: str, found: list[Finding], every: list[Finding]) -> list[Finding]:
    """A root view's findings on one file less the absence findings the view of everything does
    not share (kept in table.elsewhere, for the root's note), those it shares with its hint."""
    present: dict[tuple, list[Finding]] = {}
    for f in every:
        if f.rule in ABSENCE_RULES:
            present.setdefault(_place(f), []).append(f)
    elsewhere = [f for f in found if f.rule in ABSENCE_RULES and _place(f) not in present]
    if elsewhere:
        table.elsewhere[origin] = elsewhere
    else:
        table.elsewhere.pop(origin, None)
    return [f if f.rule not in ABSENCE_RULES else _with_hint(f, present[_place(f)])
            for f in found if f.rule not in ABSENCE_RULES or _place(f) in present]


class Placed:
    """One view's findings as it reports them, kept by the file each was computed on (its
    origin) and by the file it is reported on (relocation moves some to a kustomization), so
    that an edit re-places only the origins the view checked again and merges only the files
    their findings are, or were, reported on."""

    def __init__(self):
        self.by_origin: dict[str, list[Finding]] = {}
        self.used: dict[str, frozenset] = {}  # origin -> the suppressions (path, span) its findings used
        self.at: dict[str, dict[str, list[Finding]]] = {}  # reported path -> origin -> findings
        self.used_at: dict[str, dict[str, set]] = {}  # path -> origin -> used suppression spans there
        self.elsewhere: dict[str, list[Finding]] = {}  # origin -> absence findings another root answers

    def copy(self) -> "Placed":
        """A copy to change: the inner tables are replaced on a put, never changed."""
        other = Placed()
        other.by_origin, other.used = dict(self.by_origin), dict(self.used)
        other.at, other.used_at = dict(self.at), dict(self.used_at)
        other.elsewhere = dict(self.elsewhere)
        return other

    def put(self, origin: str, findings: list[Finding], used: set) -> set[str]:
        """One origin's findings replaced; returns the reported paths whose findings may change."""
        touched: set[str] = set()
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
            self.used[origin] = frozenset(used)
            spans: dict[str, set] = {}
            for path, span in used:
                spans.setdefault(path, set()).add(span)
            for path, group in spans.items():
                self.used_at[path] = {**self.used_at.get(path, {}), origin: group}
            touched |= spans.keys()
        return touched

    def reported(self, path: str) -> list[Finding]:
        """The view's findings on one file, in the order its whole list has them (origins in
        path order, its NP075 note last), less NP099 at a suppression a moved finding used."""
        per_origin = self.at.get(path)
        if not per_origin:
            return []
        out = [found for origin in sorted(per_origin, key=_origin_order) for found in per_origin[origin]]
        used = self.used_at.get(path)
        if used:
            spans = set().union(*used.values())
            out = [f for f in out if not (f.rule == "NP099" and tuple(f.span) in spans)]
        return out


def _unsuppressed(view: View, notes: list[Finding]) -> tuple[list[Finding], set]:
    """The notes but those a suppression comment covers, and the places of those comments (the
    view's analysis did not know the notes: it called the comment unused, NP099, which it is not)."""
    from .suppress import scan

    kept, used = [], set()
    for note in notes:
        source = view.workspace.files.get(note.path)
        covering = [s for s in scan(source) if s.covers(note)] if source is not None else []
        if covering:
            used.update((s.path, tuple(s.span)) for s in covering)
        else:
            kept.append(note)
    return kept, used


def _place(found: Finding) -> tuple:
    return found.rule, found.path, tuple(found.span)


_HINT = re.compile(r" \(did you mean [^)]*\)")


def _with_hint(found: Finding, everywhere: list[Finding]) -> Finding:
    """A root's "matches nothing", as the view of every root says it when that is the same
    finding with a "did you mean" (the typo's fix may be a workload another root deploys: the
    selector matches nothing anywhere, and the hint is the repository's)."""
    if _HINT.search(found.message):
        return found
    for other in everywhere:
        if other.message != found.message and _HINT.sub("", other.message) == found.message:
            return other
    return found


def analyze_views(views: Views, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    select, ignore = tuple(select), tuple(ignore)
    wanted = {r.ID for r, _ in rule_selection(views.everything.workspace.config.rules if views.everything
                                              else Config().rules, select, ignore)}
    if select and dependence.ID in wanted:
        # NP075 stands for the absence findings another root answers: they must run to be compared
        select = select + tuple(r.ID for r, _ in rule_selection(views.everything.workspace.config.rules)
                                if r.ID in ABSENCE_RULES)
    from .incremental import _by_path

    def analyse(view: View) -> ViewFindings:
        found = analyze_view(view, select, ignore)
        if view is not views.everything:
            view.release()  # a root's view is analysed once here
        return ViewFindings(_by_path(found))

    found = run_views(views, analyse, select, ignore).findings()
    return [f for f in found if f.rule in wanted]


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
    """The language server's analysis of a workspace with kustomizations. The render is reused
    while no file a kustomization reads changed (and its views' rendered files with it); each
    view is analysed incrementally from its previous analysis (incremental.py), whole, and
    what it checks is taken from it; while the views are kept, only the files a view checked
    again are placed and merged again (run_views). Returns an incremental.Analysis that carries
    the views (and each view's context, for hover and navigation)."""
    from ..rules.base import RuleContext
    from .incremental import Analysis, _points_into, analyze_plain

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    rendered = old_views.rendered if reusable and _render_kept(previous.workspace, workspace,
                                                               old_views.rendered) else None
    views = views_after_edit(old_views, previous.workspace, workspace) if rendered is not None else None
    if views is None:
        views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None,
                            rendered=rendered)
    results, contexts, kept = {}, _Contexts(views), set()
    quiet = _quiet_change(previous, workspace, rendered) if rendered is not None else None

    def analyse(view: View) -> ViewFindings:
        key = (view.name, view is views.everything)
        before = previous.view_results.get(key) if reusable else None
        if quiet is not None and before is not None and view is not views.everything and \
                not any(before.points_into.get(path, frozenset()) & quiet for path in view.scope):
            # loose files changed, each keeping what other files' findings read of it: a root's
            # findings stand (its view is made, and its context, only if something asks for them)
            results[key] = before
            kept.add(key)
            return ViewFindings(before.by_path, frozenset(), facts_changed=False)
        analysis = analyze_plain(view.workspace, select, before, only=view.scope)
        results[key] = analysis
        contexts[view.name] = analysis.context
        incremental = before is not None and analysis.base == before.serial
        return ViewFindings(analysis.by_path, analysis.rechecked if incremental else None, analysis.facts_changed)

    # the render kept: the same views (names, files checked and reported), each view's previous
    # placement that of its previous analysis
    placement = run_views(views, analyse, select, previous=previous.placement if rendered is not None else None)
    if placement.touched is None:
        by_path = {path: found for path, found in placement.merged.items() if found}
        points_into, rechecked = _points_into(by_path), None
    else:
        by_path, points_into = dict(previous.by_path), dict(previous.points_into)
        for path, found in placement.merged.items():
            by_path.pop(path, None)
            points_into.pop(path, None)
            if found:
                by_path[path] = found
                points_into.update(_points_into({path: found}))
        rechecked = frozenset(placement.touched)
    # the view of everything's context answers for the workspace (indexing the files as they
    # are written would cost an index of the whole workspace per edit, and say the wrong thing)
    context = contexts.get("") or RuleContext(workspace)
    context.kustomize = (views, contexts)
    return Analysis(workspace, select, context, by_path, points_into, views=views, view_results=results,
                    placement=placement, rechecked=rechecked, base=previous.serial if rechecked is not None else None)


def _render_kept(before: Workspace, after: Workspace, rendered) -> bool:
    """views.render_reusable, answered from the changed paths (which the views and the quiet
    change ask for too: computed once) instead of a walk over every file a kustomization reads."""
    from .incremental import changed_paths

    paths = changed_paths(before.files, after.files)
    if paths is None or before.config is not after.config:
        return render_reusable(before, after, rendered)
    return all(p in before.files and p in after.files for p in paths) and paths.isdisjoint(rendered.claimed)


def _quiet_change(previous, workspace: Workspace, rendered) -> Optional[frozenset[str]]:
    """The changed files, when they are all loose (no kustomization reads them) and each keeps
    its interface (incremental.compare: no policy's or workload's facts, no object added or
    removed): then no finding of another file can change but through a position in them."""
    from .incremental import changed_paths, compare

    paths = changed_paths(previous.workspace.files, workspace.files)
    if not paths or not paths.isdisjoint(rendered.claimed):
        return None
    change = compare(previous.workspace.files, workspace.files, paths, tiers=True)
    if change is None or change.namespaces or change.workloads or change.added or change.removed:
        return None
    return frozenset(paths)


class _Contexts(dict):
    """View name -> the context of its analysis; a view whose findings were kept from the last
    analysis gets a fresh one when first asked (hover, navigation)."""

    def __init__(self, views: Views):
        super().__init__()
        self.views = views

    def __missing__(self, name: str):
        from ..rules.base import RuleContext

        view = next(v for v in self.views.all() if v.name == name)
        found = self[name] = RuleContext(view.workspace)
        return found


def analyze_checked(workspace: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
                    root: Optional[str] = None) -> list[Finding]:
    """What `check` reports: one analysis, or one per render root when there are kustomizations."""
    from .run import analyze

    views = build_views(workspace, root)
    if views is None:
        return analyze(workspace, select, ignore)
    return analyze_views(views, select, ignore)
