"""The analysis of a workspace that holds Kustomize roots: each view analysed, findings merged.

A file a kustomization reads is analysed only through the views that render it (views.py). A
finding on a field a kustomization wrote is moved to the line that wrote it; a finding several
alternative roots share is reported once, at its source line, saying which roots it holds in.
A workspace without kustomizations never comes here.
"""
from __future__ import annotations

import operator
import re
import weakref
from dataclasses import replace
from functools import partial
from typing import Iterable, Optional

from ..config import Config
from ..findings import Finding, Related
from ..model import NetworkPolicy, Workload
from ..render.origin import is_written
from ..workspace import Workspace
from . import dependence
from .run import rule_selection
from .views import View, Views, build_views, render_reusable, views_after_edit


def relocated(view: View, findings: list[Finding], origins, source_of=None) -> list[Finding]:
    """The view's findings with those on written fields moved to the kustomization line (or
    patch) that wrote them, copies (the view's analysis keeps its own). A suppression comment
    at the new place suppresses the finding there (and is then not unused)."""
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
            source = (source_of(path) if source_of else view.workspace.files.get(path)) if moved else None
            covering = [s for s in scan(source) if s.covers(found)] if source is not None else []
            if covering:
                used.update((s.path, tuple(s.span)) for s in covering)
                continue
        out.append(found)
    if used:
        out = [f for f in out if not (f.rule == "NP099" and (f.path, tuple(f.span)) in used)]
    return out


def analyze_view(view: View, select: Iterable[str], ignore: Iterable[str]) -> list[Finding]:
    """The findings on the files the view checks (check: a scoped analysis, once)."""
    from ..rules.base import RuleContext
    from .run import analyze

    return analyze(view.workspace, select, ignore, context=RuleContext(view.workspace, scope=view.scope))


def run_views(views: Views, analyse, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    """Every view analysed (analyse(view) -> its findings on view.scope), merged: in a view that
    misses objects, nothing about absence; without declared clusters, a root view's "matches
    nothing" only where the view of everything finds it too, and where it does not (another
    root deploys what it misses) one NP075 per root instead; the view of everything reports on
    its own files; findings on written fields moved where they were written."""
    def findings_of(view: View) -> list[Finding]:
        found = analyse(view)
        if view.blind:  # said once, by NP072/NP074: what the missing objects' absence suggests is not said
            found = [f for f in found if f.rule not in ABSENCE_RULES]
        return found

    per_view = [(view, findings_of(view)) for view in views.views]
    if views.everything is not None:
        every = findings_of(views.everything)
        if views.check_absence:
            present: dict[tuple, list[Finding]] = {}
            for f in every:
                if f.rule in ABSENCE_RULES:
                    present.setdefault(_place(f), []).append(f)
            severity = dict((r.ID, sev) for r, sev in rule_selection(views.everything.workspace.config.rules,
                                                                      select, ignore)).get(dependence.ID)
            ctx = []  # the context of the view of everything, made when a root first needs it
            answered = []
            for view, found in per_view:
                if not any(f.rule in ABSENCE_RULES for f in found):  # most views: nothing to compare
                    answered.append((view, found))
                    continue
                elsewhere = [f for f in found if f.rule in ABSENCE_RULES and _place(f) not in present]
                found = [f if f.rule not in ABSENCE_RULES else _with_hint(f, present[_place(f)])
                         for f in found if f.rule not in ABSENCE_RULES or _place(f) in present]
                if elsewhere and severity is not None:
                    found = _unless_suppressed(views, view, found, _note(views, view, elsewhere, severity, ctx))
                answered.append((view, found))
            per_view = answered
        report = views.everything.report
        per_view.append((views.everything, every if report is None else [f for f in every if f.path in report]))
    origins = views.rendered.origins
    return merge_findings(views, [(view, _relocated(views, view, found, origins)) for view, found in per_view])


def _relocated(views: Views, view: View, found: list[Finding], origins) -> list[Finding]:
    """relocated(), kept per view while its findings are the same objects (a view whose findings
    were kept: relocating them again gives the same, the render and its files being the same)."""
    memo = views.rendered.memo.setdefault("relocated", {})
    before = memo.get(view.name)
    if before is not None and len(before[0]) == len(found) and all(map(operator.is_, before[0], found)):
        return before[1]
    out = relocated(view, found, origins, partial(views.source, view))
    memo[view.name] = (found, out)
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


def _unless_suppressed(views: Views, view: View, found: list[Finding], notes: list[Finding]) -> list[Finding]:
    """The view's findings with the notes added, but those a suppression comment covers (the
    view's analysis did not know them: it called that comment unused, NP099, which it is not)."""
    from .suppress import UNUSED_RULE, scan

    used = set()
    for note in notes:
        source = views.source(view, note.path)
        covering = [s for s in scan(source) if s.covers(note)] if source is not None else []
        if covering:
            used.update((s.path, tuple(s.span)) for s in covering)
        else:
            found.append(note)
    return [f for f in found if not (f.rule == UNUSED_RULE and (f.path, tuple(f.span)) in used)]


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
    def analyse(view: View) -> list[Finding]:
        found = analyze_view(view, select, ignore)
        if view is not views.everything:
            view.release()  # a root's view is analysed once here
        return found

    found = run_views(views, analyse, select, ignore)
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
            found = _named(views, found, names)
        out.append(found)
    out.sort(key=Finding.sort_key)
    return out


def _named(views: Views, found: Finding, names: list[str]) -> Finding:
    """The finding saying the roots it holds in; the same copy while the finding is the same
    object (a view's kept findings: one view per root names most findings of the workspace)."""
    memo = views.rendered.memo.setdefault("named", {})
    key = (id(found), tuple(names))
    hit = memo.get(key)
    if hit is not None and hit[0] is found:
        return hit[1]
    named = replace(found, message=f"{found.message} (in {', '.join(names)})")
    if len(memo) > 200_000:  # findings typed and undone over a long session
        memo.clear()
    memo[key] = (found, named)
    return named


# root views kept made, with their analysis, after they were re-checked (the most recent ones):
# the next edit that reaches them is incremental; the others keep only their findings (a made
# view holds a table of every loose file and an index of them: hundreds would not fit)
LIVE_VIEWS = 8


def analyze_views_incrementally(workspace: Workspace, select: tuple[str, ...], previous=None):
    """The language server's analysis of a workspace with kustomizations. The render is reused
    while no file a kustomization reads changed (and its views' rendered files with it); while
    only loose files change, the views are kept (views_after_edit) and a view is analysed again
    only when the change can reach its findings (root_reach.py), incrementally from its previous
    analysis when that is still made (the LIVE_VIEWS last ones), else whole; the view of every
    file is analysed incrementally each time. Returns an incremental.Analysis that carries the
    views (and each view's context, for hover and navigation)."""
    from ..rules.base import RuleContext
    from .incremental import Analysis, _by_path, _points_into, analyze_plain

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    rendered = old_views.rendered if reusable and render_reusable(previous.workspace, workspace,
                                                                  old_views.rendered) else None
    from .incremental import changed_paths

    changed = changed_paths(previous.workspace.files, workspace.files) if rendered is not None else None
    views = views_after_edit(old_views, previous.workspace, workspace, changed) if rendered is not None else None
    followed = views is not None
    if views is None:
        views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None,
                            rendered=rendered)
    results, contexts, kept, checked = {}, _Contexts(views), set(), []
    # rendered again: the roots whose files did not change keep their findings (below)
    stable = _stable_roots(old_views, views, previous.workspace, workspace) \
        if reusable and rendered is None else frozenset()
    quiet = _quiet_change(previous, workspace, rendered, changed) if rendered is not None else None
    reach = _Reach(views, previous, workspace, select, changed) if followed and quiet is None else None
    every_key = ("", True)

    def analyse_everything() -> None:
        if every_key not in results:
            before = previous.view_results.get(every_key) if reusable else None
            results[every_key] = analyze_plain(views.everything.workspace, select, before,
                                               only=views.everything.scope)
            contexts[""] = results[every_key].context
            checked.append((views.everything, results[every_key]))

    def analyse(view: View) -> list[Finding]:
        if view is views.everything:
            analyse_everything()
            found, scope = results[every_key].by_path, views.everything.scope
            return [f for path in sorted(found) if path in scope for f in found[path]]
        key = (view.name, False)
        before = previous.view_results.get(key) if reusable else None
        if before is not None and (stable and all(root.dir in stable for root in view.roots) or followed and
                                   not _reached(view, before, quiet, reach, analyse_everything)):
            # loose files changed, and nothing this root's findings read: they stand (its view is
            # made, and its context, only if something asks for them)
            results[key] = before
            kept.add(key)
            return _in_scope(view, before)
        live = before if before is not None and before.workspace is not None else None
        analysis = analyze_plain(view.workspace, select, live, only=view.scope)
        found = [f for path in sorted(analysis.by_path) if path in view.scope for f in analysis.by_path[path]]
        if len(checked) >= LIVE_VIEWS:  # kept made: the first ones (the rest let go at once: memory)
            analysis = _light(analysis)
            view.release()
        else:
            contexts[view.name] = analysis.context
        checked.append((view, analysis))
        results[key] = analysis
        return found

    by_path = _by_path(run_views(views, analyse, select))
    _keep_live(views, results, [view for view, _ in checked if view is not views.everything], contexts)
    # the view of everything's context answers for the workspace (indexing the files as they
    # are written would cost an index of the whole workspace per edit, and say the wrong thing)
    context = contexts.pop("", None) or RuleContext(workspace)
    # the view of everything's context is this one: held weakly by the table it holds, so that
    # an analysis is not a cycle (freed when the next replaces it, not at a full collection)
    contexts.main = weakref.ref(context)
    context.kustomize = (views, contexts)
    return Analysis(workspace, select, context, by_path, _points_into(by_path), views=views, view_results=results,
                    rechecked=_rechecked(checked, views, rendered is not None),
                    base=previous.serial if rendered is not None else None)


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


def _in_scope(view: View, analysis) -> list[Finding]:
    """The findings of the files the view checks (kept on its analysis: asked on every edit)."""
    found = analysis.__dict__.get("_in_scope")
    if found is None:
        found = analysis.__dict__["_in_scope"] = [f for path in sorted(analysis.by_path) if path in view.scope
                                                  for f in analysis.by_path[path]]
    return list(found)


def _reached(view: View, before, quiet, reach: "Optional[_Reach]", analyse_everything) -> bool:
    """Whether a loose-file change can reach the view's findings: with every changed file
    keeping its interface (quiet), only through a position its findings show in them; else as
    root_reach.py says (None there: every view)."""
    if quiet is not None:
        return any(path in view.scope and not targets.isdisjoint(quiet) for path, targets in before.points_into.items())
    if reach is None:
        return True
    folders = reach.folders(analyse_everything)
    return folders is None or any(root.dir in folders for root in view.roots)


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

        results = {root.dir: result for view in views.views for root in view.roots
                   for result in [previous.view_results.get((view.name, False))] if result is not None}
        every_after = views.everything.workspace.index
        np025 = "NP025" in {r.ID for r, _ in rule_selection(workspace.config.rules, select)}
        self.found = root_reach.reached_roots(
            views, previous.workspace.files, workspace.files, paths, results, np025,
            loose(every_before.workspace.index), loose(every_after), views.loose.namespace_labels,
            workspace.config.assume_namespaces)
        return self.found


def _keep_live(views: Views, results: dict, checked: list, contexts) -> None:
    """Keeps made the LIVE_VIEWS root views re-checked last (with their analyses); the others'
    results keep their findings only, and their views are let go (made again when read)."""
    live = [v.name for v in checked] + [name for name in views.live if name not in {v.name for v in checked}]
    views.live = live[:LIVE_VIEWS]
    keep = set(views.live)
    for view in views.views:
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


def _rechecked(checked, views: Views, render_reused: bool) -> Optional[frozenset[str]]:
    """The files whose findings may have changed (what the server republishes): those any view
    checked again (a root's view analysed whole: its files); with a file a kustomization reads
    among them, every such file (a finding may have moved to a kustomization or a patch). None:
    all of them (a new render, or the view of everything analysed whole)."""
    if not render_reused:
        return None
    paths = set()
    for view, analysis in checked:
        if analysis.rechecked is not None:
            paths |= analysis.rechecked
        elif view is views.everything:
            return None
        else:
            paths |= view.scope
    # a finding on a rendered file may have moved to a kustomization or a patch of a root that
    # reads it (the files of that root), or changed what another root's NP075 says of it
    for path in paths & views.rendered.claimed:
        for folder in views.readers.get(path, ()):
            paths |= views.rendered.roots[folder].files
    return frozenset(paths)


def analyze_checked(workspace: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
                    root: Optional[str] = None) -> list[Finding]:
    """What `check` reports: one analysis, or one per render root when there are kustomizations."""
    from .run import analyze

    views = build_views(workspace, root)
    if views is None:
        return analyze(workspace, select, ignore)
    return analyze_views(views, select, ignore)
