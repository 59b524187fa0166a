"""The analysis of a workspace that holds Kustomize roots: each view analysed, findings merged.

A file a kustomization reads is analysed only through the views that render it (views.py). A
finding on a field a kustomization wrote is moved to the line that wrote it; a finding several
alternative roots share is reported once, at its source line, saying which roots it holds in.
A workspace without kustomizations never comes here.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field, replace
from functools import partial
from typing import AbstractSet, Iterable, Mapping, Optional

from ..config import Config
from ..findings import Finding, Related
from ..model import NetworkPolicy, Workload
from ..render.origin import is_written
from ..workspace import Workspace
from . import dependence
from .run import rule_selection
from .views import View, Views, build_views, render_reusable, views_after_edit


def relocated(view: View, findings: list[Finding], origins, source_of=None) -> tuple[list[Finding], set]:
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
            # source_of: the file without making the view (Views.source)
            source = (source_of(path) if source_of else view.workspace.files.get(path)) if moved else None
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
    files, None when every file was merged (no previous placement, or it could not be used).
    `holders`: reported path -> the keys of the views whose tables report on it (in views'
    order); `noted`: the keys of the root views whose absence findings another root answers
    (their NP075 note) -- both kept across edits, so an edit reads only the views it changed."""

    tables: dict[tuple, "Placed"]
    merged: dict[str, list[Finding]]
    touched: Optional[set[str]]
    holders: dict[str, tuple] = field(default_factory=dict)
    noted: frozenset = frozenset()

    def findings(self) -> list[Finding]:
        return [found for path in sorted(self.merged) for found in self.merged[path]]


def view_key(views: Views, view: View) -> tuple:
    return (view.name, view is views.everything)


EVERYTHING = ("", True)  # view_key of the view of everything


def run_views(views: Views, analyse, select: Iterable[str] = (), ignore: Iterable[str] = (),
              previous: Optional[Placement] = None, candidates: Optional[AbstractSet[tuple]] = None,
              rendered_again: bool = False) -> Placement:
    """Every view analysed (analyse(view) -> ViewFindings), placed and merged: in a view that
    misses objects, nothing about absence; without declared clusters, a root view's "matches
    nothing" only where the view of everything finds it too, and where it does not (another
    root deploys what it misses) one NP075 per root instead; the view of everything reports on
    its own files; findings on written fields moved where they were written; one finding per
    place and message (merge_findings).

    previous: the placement of the same views before an edit. Then only the files a view
    checked again are placed again, and only the files their findings are or were reported on
    are merged again (an edit of one file re-merges that file, not every view's every finding).
    candidates (with previous): the keys of the views whose findings may have changed; the
    others are not analysed, placed nor read unless the view of everything's re-check reaches
    their files or their NP075 note must be named again (_to_place): an edit costs the views it
    reaches, not every root's. rendered_again: previous is the placement of the same views of an
    earlier render (the roots the edit did not reach keep their findings): every NP075 note is
    named again (what other roots deploy changed)."""
    everything = views.everything
    absence = everything is not None and views.check_absence
    incremental = previous is not None and candidates is not None
    results = {}
    if incremental and everything is not None:  # first: which root views it reaches depends on it
        results[EVERYTHING] = analyse(everything)
    every = results.get(EVERYTHING)
    chosen = _to_place(views, previous, candidates, every, absence) if incremental else views.all()
    for view in chosen:  # in order: a root's view may be let go once analysed
        key = view_key(views, view)
        if key not in results:
            results[key] = analyse(view)
    if everything is not None:
        every = results[EVERYTHING]
    severity = None
    if absence:
        severity = dict((r.ID, sev) for r, sev in rule_selection(everything.workspace.config.rules,
                                                                  select, ignore)).get(dependence.ID)
    written = views.rendered.origins
    ctx: list = []  # the context of the view of everything, made when a root's note first needs it
    tables: dict[tuple, Placed] = dict(previous.tables) if previous is not None else {}
    noted = set(previous.noted) if previous is not None else set()
    touched: Optional[set[str]] = set()
    changed_keys = []  # the views whose table is another than before
    for view in chosen:
        key = view_key(views, view)
        found = results[key]
        root_absence = absence and view is not everything
        before = previous.tables.get(key) if previous is not None else None
        changed = found.changed
        if changed is not None and root_absence:  # its "matches nothing" is compared with everything's
            changed = None if every.changed is None else set(changed) | set(every.changed)
        fresh = before is None or changed is None
        if fresh:
            table, again = Placed(), [o for o in found.by_origin if o in view.scope]
            if before is None:
                touched = None
            elif touched is not None:  # placed anew: every file it reported on is merged again
                touched |= before.at.keys() | before.used_at.keys()
        else:
            again = [o for o in changed if o in view.scope]
            if rendered_again:  # a file the view no longer checks (removed, or no longer read): said nowhere
                again += [o for o in before.by_origin if o != NOTE and o not in view.scope]
            renote = root_absence and (every.facts_changed or rendered_again)
            table = before.copy() if again or renote else before  # a table is changed only as a copy
        for origin in sorted(again):
            raw = found.by_origin.get(origin, []) if origin in view.scope else []
            if view.blind:  # said once, by NP072/NP074: what the missing objects' absence suggests is not said
                raw = [f for f in raw if f.rule not in ABSENCE_RULES]
            if view is everything and view.report is not None and origin not in view.report:
                raw = []  # checked here for the root views' sake, reported by them
            if root_absence:
                raw = _answered(table, origin, raw, [] if everything.blind else every.by_origin.get(origin, []))
            placed = table.put(origin, *relocated(view, raw, written, partial(views.source, view)))
            if touched is not None:
                touched |= placed
        if root_absence and table is not before:  # new, or a file of it placed again, or facts changed
            elsewhere = [f for origin in sorted(table.elsewhere) for f in table.elsewhere[origin]]
            notes, used = [], set()
            if elsewhere and severity is not None:
                notes, used = _unsuppressed(views, view, _note(views, view, elsewhere, severity, ctx))
            notes, moved_used = relocated(view, notes, written, partial(views.source, view))
            if not again and not fresh and notes == before.by_origin.get(NOTE, []) and \
                    frozenset(used | moved_used) == before.used.get(NOTE, frozenset()):
                table = before  # re-noted (facts changed elsewhere) to the same note: nothing to merge again
            else:
                placed = table.put(NOTE, notes, used | moved_used)
                if touched is not None:
                    touched |= placed
        if table.elsewhere:
            noted.add(key)
        else:
            noted.discard(key)
        if table is not before:
            changed_keys.append(key)
        tables[key] = table
    position = _positions(views)
    named = _Named(views, position)
    if touched is None:
        tables = {key: tables[key] for key in position}  # views of an earlier build are gone
        holders: dict[str, tuple] = {}
        for key in sorted(tables, key=position.__getitem__):
            for path in tables[key].at:
                holders[path] = holders.get(path, ()) + (key,)
        merging = holders
    else:
        holders = dict(previous.holders) if previous is not None else {}
        for path in touched:
            keys = set(holders.get(path, ()))
            for key in changed_keys:
                if path in tables[key].at:
                    keys.add(key)
                else:
                    keys.discard(key)
            if keys:
                holders[path] = tuple(sorted(keys, key=position.__getitem__))
            else:
                holders.pop(path, None)
        merging = {path: holders.get(path, ()) for path in touched}
    merged = {path: merge_findings(views, [(named[key], tables[key].reported(path)) for key in keys])
              for path, keys in merging.items()}
    return Placement(tables, merged, touched, holders, frozenset(noted))


def _to_place(views: Views, previous: Placement, candidates: AbstractSet[tuple], every: Optional[ViewFindings],
              absence: bool) -> list[View]:
    """The views an incremental run_views analyses and places, in views' order: the candidates,
    the view of everything, the root views whose files the view of everything re-checked (their
    "matches nothing" is compared with its), and, when objects' facts changed and the NP075
    notes made for these loose files are gone (a loose Namespace changed), every root view that
    has a note. Any view without a previous table is placed too."""
    keys = set(candidates) | {EVERYTHING}
    if absence and every is not None:
        if every.changed is None:
            return views.all()
        by_folder = _keys_of_roots(views)
        for path in every.changed:
            for folder in views.readers.get(path, ()):
                keys.update(by_folder.get(folder, ()))
        memo = views.rendered.memo.get("notes")
        if every.facts_changed and (memo is None or memo[0] is not views.loose):
            keys |= previous.noted
    position = _positions(views)
    if any(key not in previous.tables for key in position):
        return views.all()
    return [view for view in views.all() if view_key(views, view) in keys]


def _positions(views: Views) -> dict[tuple, int]:
    """view key -> its place in views.all(), made once for views that follow each other (the
    same names in the same order while the render is kept)."""
    memo = views.rendered.memo.get("view positions")
    names = [view.name for view in views.views]
    if memo is None or memo[0] != names or memo[1] != (views.everything is not None):
        keys = [(name, False) for name in names] + ([EVERYTHING] if views.everything is not None else [])
        memo = views.rendered.memo["view positions"] = (names, views.everything is not None,
                                                        {key: n for n, key in enumerate(keys)})
    return memo[2]


class _Named(dict):
    """view key -> view, looked up when asked (merging reads a few views, not every root's)."""

    def __init__(self, views: Views, position: dict[tuple, int]):
        super().__init__()
        self.views, self.position = views, position

    def __missing__(self, key: tuple) -> View:
        found = self[key] = self.views.everything if key == EVERYTHING else self.views.views[self.position[key]]
        return found


def _keys_of_roots(views: Views) -> dict[str, list[tuple]]:
    """root folder -> the keys of the root views that render it (one per root with per-root views)."""
    memo = views.rendered.memo.get("view keys of roots")
    names = [view.name for view in views.views]
    if memo is None or memo[0] != names:
        found: dict[str, list[tuple]] = {}
        for view in views.views:
            for root in view.roots:
                found.setdefault(root.dir, []).append((view.name, False))
        memo = views.rendered.memo["view keys of roots"] = (names, found)
    return memo[1]


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


def _note(views: Views, view: View, elsewhere: list[Finding], severity, ctx) -> list[Finding]:
    """dependence.note, kept for the render while the loose files' Namespaces stay (the roots
    that answer a root's absence findings are roots: only their objects and the namespaces'
    labels decide which), so an edit does not name every root's dependencies again."""
    memo = views.rendered.memo.get("notes")
    if memo is None or memo[0] is not views.loose:
        memo = views.rendered.memo["notes"] = (views.loose, {})
    key = (view.name, severity, tuple((f.rule, f.path, tuple(f.span), f.message) for f in elsewhere))
    found = memo[1].get(key)
    if found is None:
        found = memo[1][key] = dependence.note(views, view, elsewhere, severity, ctx)
    return list(found)


def _unsuppressed(views: Views, view: View, notes: list[Finding]) -> tuple[list[Finding], set]:
    """The notes but those a suppression comment covers, and the places of those comments (the
    view's analysis did not know the notes: it called the comment unused, NP099, which it is not)."""
    from .suppress import scan

    kept, used = [], set()
    for note in notes:
        source = views.source(view, note.path)
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


# root views kept made, with their analysis, after they were re-checked (the most recent ones):
# the next edit that reaches them is incremental; the others keep only their findings (a made
# view holds a table of every loose file and an index of them: hundreds would not fit)
LIVE_VIEWS = 8


def analyze_views_incrementally(workspace: Workspace, select: tuple[str, ...], previous=None):
    """The language server's analysis of a workspace with kustomizations. The render is reused
    while no file a kustomization reads changed (and its views' rendered files with it); while
    only loose files change, the views are kept (views_after_edit) and a root's view is analysed
    again only when the change can reach its findings (root_reach.py), incrementally from its
    previous analysis when that is still made (the LIVE_VIEWS last ones), else whole; after a
    render again, the roots whose files did not change keep their findings; the view of every
    file is analysed incrementally each time; only the files a view checked again are placed and
    merged again (run_views). Returns an incremental.Analysis that carries the views (and each
    view's context, for hover and navigation)."""
    from ..rules.base import RuleContext
    from .incremental import Analysis, _points_into, analyze_plain, changed_paths

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    changed = changed_paths(previous.workspace.files, workspace.files) if reusable else None
    rendered = old_views.rendered if reusable and _render_kept(previous.workspace, workspace,
                                                               old_views.rendered, changed) else None
    views = views_after_edit(old_views, previous.workspace, workspace, changed) if rendered is not None else None
    followed = views is not None
    if views is None:
        views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None,
                            rendered=rendered, earlier=(old_views, previous.workspace.files) if reusable else None)
    contexts, analysed = _Contexts(views), []
    # rendered again: the roots whose files did not change keep their findings (below)
    stable = _stable_roots(old_views, views, previous.workspace, workspace) \
        if reusable and rendered is None else frozenset()
    quiet = _quiet_change(previous, workspace, rendered, changed) if rendered is not None else None
    reach = _Reach(views, previous, workspace, select, changed) if followed and quiet is None else None
    # the views followed the edit: the previous results stand but for the views analysed again
    results = dict(previous.view_results) if followed else {}
    every_found: list = []

    def analyse_everything() -> None:
        if not every_found:
            before = previous.view_results.get(EVERYTHING) if reusable else None
            analysis = analyze_plain(views.everything.workspace, select, before, only=views.everything.scope)
            results[EVERYTHING] = analysis
            contexts[""] = analysis.context
            incremental = before is not None and analysis.base == before.serial
            every_found.append(ViewFindings(analysis.by_path, analysis.rechecked if incremental else None,
                                            analysis.facts_changed))

    # the root views the edit can reach (None: any), known before any is analysed
    candidates = _candidates(views, previous, quiet, reach, analyse_everything) if followed else None

    def analyse(view: View) -> ViewFindings:
        if view is views.everything:
            analyse_everything()
            return every_found[0]
        key = (view.name, False)
        before = previous.view_results.get(key) if reusable else None
        if before is not None and (stable and all(root.dir in stable for root in view.roots) or
                                   candidates is not None and key not in candidates):
            # nothing this root's findings read changed: they stand (its view is made, and its
            # context, only if something asks for them)
            results[key] = before
            return ViewFindings(before.by_path, frozenset(), facts_changed=False)
        live = before if before is not None and before.workspace is not None else None
        analysis = analyze_plain(view.workspace, select, live, only=view.scope)
        incremental = live is not None and analysis.base == live.serial
        found = ViewFindings(analysis.by_path, analysis.rechecked if incremental else None, analysis.facts_changed)
        if len(analysed) >= LIVE_VIEWS:  # kept made: the first ones (the rest let go at once: memory)
            analysis = _light(analysis)
            view.release()
        else:
            contexts[view.name] = analysis.context
        analysed.append(view)
        results[key] = analysis
        return found

    # the render kept: the same views (names, files checked and reported), each view's previous
    # placement that of its previous analysis
    # rendered again into the same views (names, in order): the roots not rendered again keep
    # their placement too, and only the files the others' findings are or were on are merged again
    rendered_again = rendered is None and reusable and previous.placement is not None and \
        _view_names(views) == _view_names(old_views)
    placement = run_views(views, analyse, select,
                          previous=previous.placement if rendered is not None or rendered_again else None,
                          candidates=candidates if previous is not None and previous.placement is not None else None,
                          rendered_again=rendered_again)
    _keep_live(views, results, analysed, contexts, followed)
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
    # are written would cost an index of the whole workspace per edit, and say the wrong thing);
    # held weakly by the table it carries, so that an analysis is no reference cycle (freed when
    # the next replaces it, not at a full collection)
    context = contexts.pop("", None) or RuleContext(workspace)
    contexts.main = weakref.ref(context)
    context.kustomize = (views, contexts)
    return Analysis(workspace, select, context, by_path, points_into, views=views, view_results=results,
                    placement=placement, rechecked=rechecked, base=previous.serial if rechecked is not None else None)


def _view_names(views: Views) -> tuple:
    return tuple(view.name for view in views.views), views.everything is not None


def _stable_roots(old: Views, new: Views, before: Workspace, after: Workspace) -> frozenset[str]:
    """After a render again (a file a kustomization reads changed), the folders of the roots
    whose views hold what they held: the root reads the same files, each the same version, the
    loose files are the same, and the Namespaces it borrows from other roots are alike. A root's
    view is a function of those alone, so its findings stand (its NP075 is named again)."""
    from .incremental import changed_paths
    from .views import _built

    if old.rendered.claimed != new.rendered.claimed:
        return frozenset()
    changed = changed_paths(before.files, after.files)
    if changed is None or not changed <= new.rendered.claimed:
        return frozenset()  # a loose file changed too, or the files moved
    config = after.config
    defined = [_namespaces_by_name(views.rendered, config) for views in (old, new)]
    stable = set()
    for folder, root in new.rendered.roots.items():
        was = old.rendered.roots.get(folder)
        if was is None or was.files != root.files or not root.files.isdisjoint(changed):
            continue
        mine = _built(root, config)
        own = {o.name for o in mine if o.kind == "Namespace"}
        needed = {o.namespace for o in mine if o.kind != "Namespace"} - own
        if all([c for c in defined[0].get(name, ()) if c[0] != folder] ==
               [c for c in defined[1].get(name, ()) if c[0] != folder] for name in needed):
            stable.add(folder)
    return frozenset(stable)


def _namespaces_by_name(rendered, config) -> dict[str, list]:
    """name -> (root folder, labels) of every root's Namespaces of that name."""
    from .views import _built

    found: dict[str, list] = {}
    for folder, root in rendered.roots.items():
        for obj in _built(root, config):
            if obj.kind == "Namespace":
                found.setdefault(obj.name, []).append((folder, sorted(obj.labels.items())))
    return found


def _candidates(views: Views, previous, quiet, reach: "Optional[_Reach]", analyse_everything):
    """The keys of the root views a loose-file change can reach (None: every view): with every
    changed file keeping its interface (quiet), those whose findings show a position in them;
    else as root_reach.py says."""
    if quiet is not None:
        return {key for key, digest in _digests(views, previous.view_results) if not digest.scoped.isdisjoint(quiet)}
    if reach is None:
        return None
    folders = reach.folders(analyse_everything)
    if folders is None:
        return None
    by_folder = _keys_of_roots(views)
    return {key for folder in folders for key in by_folder.get(folder, ())}


class _Digest:
    """What the reach tests read of a root view's analysis, made once per analysis: the files its
    findings point into (of its own files', and of all), and where its unmatched peers are."""

    __slots__ = ("serial", "folders", "scoped", "targets", "by_path", "_unmatched")

    def __init__(self, result, view: View):
        scope = view.scope
        self.serial = result.serial
        self.folders = [root.dir for root in view.roots]
        points = result.points_into
        self.scoped = frozenset().union(*(t for path, t in points.items() if path in scope))
        self.targets = frozenset().union(*points.values())
        self.by_path = result.by_path
        self._unmatched = None

    def unmatched(self) -> dict[str, set]:
        """file -> the spans of its NP002 findings."""
        if self._unmatched is None:
            found: dict[str, set] = {}
            for path, findings in self.by_path.items():
                for f in findings:
                    if f.rule == "NP002":
                        found.setdefault(path, set()).add(f.span)
            self._unmatched = found
        return self._unmatched


def _digests(views: Views, view_results: dict):
    """(key, _Digest) of every root view with a result, each made once per analysis (per render)."""
    memo = views.rendered.memo.setdefault("digests", {})
    for view in views.views:
        key = (view.name, False)
        result = view_results.get(key)
        if result is None:
            continue
        digest = memo.get(key)
        if digest is None or digest.serial != result.serial:
            digest = memo[key] = _Digest(result, view)
        yield key, digest


class _Reach:
    """The roots a loose-file edit reaches (root_reach.reached_roots), computed when a root's view
    first asks, after the view of everything is analysed (NP025 reads its loose objects)."""

    def __init__(self, views: Views, previous, workspace: Workspace, select, changed):
        self.args = (views, previous, workspace, select, changed)
        self.done = False
        self.found = None

    def folders(self, analyse_everything) -> Optional[set[str]]:
        if self.done:
            return self.found
        from . import root_reach

        views, previous, workspace, select, paths = self.args
        self.done = True
        every_before = previous.view_results.get(("", True))
        if not paths or every_before is None or every_before.workspace is None:
            return None
        analyse_everything()
        claimed = views.rendered.claimed

        # loose objects the view of everything leaves out (copies of rendered objects, or of
        # each other) but a root's view may hold: looked at too
        copies = [o for found in views.loose.by_identity.values() for o in found]

        def loose(index):
            def of(namespace):
                workloads = [w for w in index.workloads_by_ns.get(namespace, ()) if w.path not in claimed]
                policies = [p for p in index.policies_by_ns.get(namespace, ()) if p.path not in claimed]
                seen = {id(o) for o in workloads + policies}
                for obj in (*index.dropped, *copies):
                    if obj.namespace == namespace and obj.path not in claimed and id(obj) not in seen:
                        seen.add(id(obj))
                        if isinstance(obj, Workload):
                            workloads.append(obj)
                        elif isinstance(obj, NetworkPolicy):
                            policies.append(obj)
                return workloads, policies
            return of

        digests = list(_digests(views, previous.view_results))
        pointing = {folder for _key, digest in digests if not digest.targets.isdisjoint(paths)
                    for folder in digest.folders}

        def unmatched() -> dict[str, set]:
            found: dict[str, set] = {}
            for _key, digest in digests:
                for path, spans in digest.unmatched().items():
                    found.setdefault(path, set()).update(spans)
            return found

        every_after = views.everything.workspace.index
        np025 = "NP025" in {r.ID for r, _ in rule_selection(workspace.config.rules, select)}
        self.found = root_reach.reached_roots(
            views, previous.workspace.files, workspace.files, paths, pointing, unmatched, np025,
            loose(every_before.workspace.index), loose(every_after), views.loose.namespace_labels,
            workspace.config.assume_namespaces)
        return self.found


def _keep_live(views: Views, results: dict, checked: list, contexts, followed: bool = False) -> None:
    """Keeps made the LIVE_VIEWS root views re-checked last (with their analyses); the others'
    results keep their findings only, and their views are let go (made again when read).
    followed: the views followed an edit, so only a made view can hold a made analysis."""
    live = [v.name for v in checked] + [name for name in views.live if name not in {v.name for v in checked}]
    views.live = live[:LIVE_VIEWS]
    keep = set(views.live)
    # only a made view has anything to let go (a made one not kept: made to be read, or no longer live)
    for view in [v for v in views.views if not followed or isinstance(v.made, Workspace) or v.name in contexts]:
        key = (view.name, False)
        result = results.get(key)
        if view.name in keep or result is None:
            continue
        if result.workspace is not None:
            results[key] = _light(result)
        view.release()
        contexts.pop(view.name, None)


def _light(analysis):
    """A view's analysis without its workspace and context: its findings (and what they point
    into) stand while nothing reaches them; a view reached again is analysed whole."""
    return replace(analysis, workspace=None, context=None, _cross_peers=None)


def _render_kept(before: Workspace, after: Workspace, rendered, paths) -> bool:
    """views.render_reusable, answered from the changed paths (which the views and the quiet
    change ask for too: computed once) instead of a walk over every file a kustomization reads."""
    if paths is None or before.config is not after.config:
        return render_reusable(before, after, rendered)
    return all(p in before.files and p in after.files for p in paths) and paths.isdisjoint(rendered.claimed)


def _quiet_change(previous, workspace: Workspace, rendered, paths) -> Optional[frozenset[str]]:
    """The changed files, when they are all loose (no kustomization reads them) and each keeps
    its interface (incremental.compare: no policy's or workload's facts, no object added or
    removed): then no finding of another file can change but through a position in them."""
    from .incremental import compare

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
        self.main = lambda: None  # the view of everything's context (a weak reference)

    def __missing__(self, name: str):
        from ..rules.base import RuleContext

        main = self.main() if name == "" else None
        if main is not None:
            return main
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
