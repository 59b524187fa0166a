"""The analysis of a workspace that holds Kustomize roots: one view per root, findings merged.

Each render root (or each group of roots the configuration puts in one cluster) is one view:
what `kubectl apply -k ROOT` creates, beside the files that belong to no kustomization (those
are analysed as before, and in every view). A file a kustomization reads is analysed only
through the roots that read it. A finding several views share is reported once, at its source
line, saying which roots it holds in. A workspace without kustomizations never comes here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional

from ..findings import Finding, Related
from ..manifests import ParseLimits
from ..model import build_objects
from ..render.kustomize import Rendered, Renderer, Root, is_kustomization
from ..render.origin import is_written
from ..workspace import SourceFile, Workspace
from .duplicates import facts, identity


class UnknownRoot(Exception):
    """--kustomize named a folder that is not a render root."""


@dataclass
class View:
    name: str  # the roots it renders, as the findings name them ("" for the view of the loose files)
    roots: list[Root]
    workspace: Workspace
    scope: frozenset[str]  # the files checked in this view
    blind: bool = False  # it misses objects (remote or unread resources, fields not applied)
    report: Optional[frozenset[str]] = None  # of those, the files whose findings it reports (None: all)


@dataclass
class Views:
    rendered: Rendered
    views: list[View]  # one per root, or per group of roots that go to one cluster
    root_names: dict[str, str] = field(default_factory=dict)  # root folder -> display name
    # every root and the loose files in one view: it reports on the loose files, and a root
    # view's "matches nothing" stands only where it holds here too (None: no view to check)
    everything: Optional[View] = None
    # the clusters were not declared: a root's "matches nothing" must hold beside every root
    check_absence: bool = True

    def all(self) -> list[View]:
        return self.views + ([self.everything] if self.everything is not None else [])

    def view_of(self, path: str) -> Optional[View]:
        """The view that reports on a file (the first, for a file several roots render)."""
        for view in self.all():
            if path in (view.report if view.report is not None else view.scope):
                return view
        return self.views[0] if self.views else self.everything

    def notes(self, path: str) -> list[tuple[object, str]]:
        """(a rendered object of the file, what a kustomization changed in it), for hover."""
        out, done = [], set()
        for view in self.all():
            for root in view.roots:
                if root.dir in done:
                    continue
                done.add(root.dir)
                for res in root.objects:
                    if res.path == path:
                        for what, kpath, line in res.notes:
                            where = os.path.relpath(kpath, os.path.dirname(path) or ".")
                            out.append((res, f"{what} {where}:{line + 1} (in {self.root_names[root.dir]})"))
        return out


def has_kustomizations(workspace: Workspace) -> bool:
    return any(is_kustomization(path) for path in workspace.files)


def build_views(workspace: Workspace, only: Optional[str] = None, origins=None) -> Optional[Views]:
    """The views of the workspace; None when it holds no kustomization (nothing changes then).

    Each root (or group of roots the configuration puts in one cluster) is a view that reports
    on the root's files, resolving against its objects and the loose files'. The loose files
    are reported on in one more view that holds every root's objects too (they may be applied
    beside any of them): a loose policy is not said to match nothing when a root has its pods.
    only: a root folder (--kustomize): its view alone."""
    if not has_kustomizations(workspace):
        if only is not None:
            raise UnknownRoot(f"--kustomize {only}: the checked paths hold no kustomization")
        return None
    config = workspace.config
    base = os.path.dirname(config.path) if config.path else "."
    named = None
    if config.kustomize_roots is not None:
        named = {os.path.abspath(os.path.join(base, r)) for r in config.kustomize_roots}
    limits = ParseLimits(max_depth=config.limits.max_depth, max_aliases=config.limits.max_aliases)
    rendered = Renderer(workspace.files, limits, origins=origins).render(named)
    folders = [os.path.abspath(os.path.dirname(p)) for p in workspace.files if is_kustomization(p)]
    common = os.path.commonpath(folders) if len(folders) > 1 else None
    names = {}
    for folder in rendered.roots:
        names[folder] = os.path.relpath(os.path.abspath(folder), common) if common else folder
        if names[folder] == ".":
            names[folder] = folder
    groups = _groups(rendered, config, base)
    if only is not None:
        wanted = os.path.abspath(only)
        groups = [g for g in groups if any(os.path.abspath(r.dir) == wanted for r in g)]
        if not groups:
            known = ", ".join(sorted(rendered.roots)) or "none"
            raise UnknownRoot(f"--kustomize {only}: not a render root (roots: {known})")
    in_roots = set().union(*(r.files for r in rendered.roots.values())) if rendered.roots else set()
    orphans = rendered.claimed - in_roots  # components or bases no root reads: their syntax still counts
    loose = frozenset(p for p in workspace.files if p not in rendered.claimed) | orphans
    objects = _LooseObjects(workspace, rendered)
    every_root = list(rendered.roots.values())
    every_problem = list(rendered.problems) + [p for r in every_root for p in r.problems]
    views = []
    if only is not None or len(groups) > 1:
        for group in groups:
            files = set().union(*(r.files for r in group))
            if only is not None:
                files = set().union(*(r.files for r in group if os.path.abspath(r.dir) == os.path.abspath(only)))
            problems = [p for r in group for p in r.problems]
            name = ", ".join(sorted(names[r.dir] for r in group if r in _members(group)))
            views.append(View(name, group, _view_workspace(workspace, rendered, group, problems, objects),
                              frozenset(files), _is_blind(problems)))
        # the view of everything checks the root views' files too (their "matches nothing")
        checked = frozenset(set().union(*(v.scope for v in views))) | (loose if only is None else frozenset())
        report = loose if only is None else frozenset()
    else:  # one group: its view is the view of everything
        checked = frozenset(workspace.files)
        report = None
    everything = View("", every_root, _view_workspace(workspace, rendered, every_root, every_problem, objects,
                                                      orphans), checked, _is_blind(every_problem), report)
    return Views(rendered, views, names, everything, check_absence=not config.kustomize_clusters)


def _members(group: list) -> list:
    """The roots a view is named after: the alternatives (roots sharing a base with others), or
    every root of a declared group."""
    named = [r for r in group if getattr(r, "alternative", False)]
    return named or group


def _is_blind(problems) -> bool:
    return any(p.rule in ("NP072", "NP074") for p in problems)


def _groups(rendered: Rendered, config, base: str) -> list[list[Root]]:
    """The roots analysed together. Declared clusters (`kustomize.clusters`) as written, any
    other root alone. Without a declaration: roots that read a common file (overlays of one
    base: prod, staging) are alternatives, each in its own view; roots that share nothing with
    another (one kustomization per application) are parts of one system and join every view.
    With no alternatives at all, every root is in one view."""
    roots = list(rendered.roots.values())
    if config.kustomize_clusters:
        by_abs = {os.path.abspath(folder): root for folder, root in rendered.roots.items()}
        groups, placed = [], set()
        for declared in config.kustomize_clusters:
            group = [by_abs[a] for a in (os.path.abspath(os.path.join(base, r)) for r in declared) if a in by_abs]
            group = [r for r in group if r.dir not in placed]
            placed.update(r.dir for r in group)
            if group:
                groups.append(group)
        groups.extend([root] for root in roots if root.dir not in placed)
        return groups
    family = {root.dir: root.dir for root in roots}  # union-find over roots that read a common file

    def find(folder: str) -> str:
        while family[folder] != folder:
            family[folder] = family[family[folder]]
            folder = family[folder]
        return folder

    reader: dict[str, str] = {}
    for root in roots:
        for path in root.files:
            other = reader.setdefault(path, root.dir)
            if other != root.dir:
                family[find(other)] = find(root.dir)
    families: dict[str, list[Root]] = {}
    for root in roots:
        families.setdefault(find(root.dir), []).append(root)
    shared = [r for members in families.values() if len(members) == 1 for r in members]
    alternatives = [r for members in families.values() if len(members) > 1 for r in members]
    if not alternatives:
        return [roots] if roots else []
    for root in alternatives:
        root.alternative = True
    return [[root] + shared for root in alternatives]


class _LooseObjects:
    """The objects of the files no kustomization reads, by identity: computed once for all views."""

    def __init__(self, workspace: Workspace, rendered: Rendered):
        self.first: dict[tuple, object] = {}
        for path, source in workspace.files.items():
            if path not in rendered.claimed:
                for obj in source.objects:
                    self.first.setdefault(identity(obj), obj)


def _view_workspace(workspace: Workspace, rendered: Rendered, group: list[Root], problems: list,
                    loose: _LooseObjects, orphans: frozenset[str] = frozenset()) -> Workspace:
    config = workspace.config
    files_of_group = set().union(*(r.files for r in group)) if group else set()
    objects: dict[str, list] = {}
    model_problems: dict[str, list] = {}
    seen = dict(loose.first)  # loose objects first: a rendered copy replaces an identical one
    loose_dropped: set[int] = set()
    view = Workspace(config)
    for root in group:
        for res in root.objects:
            built, found = build_objects(res.root, res.path, res.doc_index, config.default_namespace)
            model_problems.setdefault(res.path, []).extend(found)
            for obj in built:
                key = identity(obj)
                other = seen.get(key)
                if other is not None and facts(other) == facts(obj):
                    if other.path in rendered.claimed:
                        continue  # the same object from two roots of one cluster: merged
                    loose_dropped.add(id(other))  # a pre-rendered copy of it: the source line wins
                seen[key] = obj
                objects.setdefault(res.path, []).append(obj)
    resources = {res.path for root in group for res in root.objects}
    for path, source in workspace.files.items():
        if path not in rendered.claimed:
            if any(id(obj) in loose_dropped for obj in source.objects):
                source = _copy(source, [o for o in source.objects if id(o) not in loose_dropped],
                               source.model_problems, source.cache)
            view.files[path] = source
        elif path in files_of_group or path in orphans:
            # a patch or a kustomization is not a manifest of its own: no schema check on it
            cache = source.cache if path in resources else {"NP060": []}
            view.files[path] = _copy(source, objects.get(path, []), model_problems.get(path, []), cache)
    view.kustomize_problems = problems
    return view


def _copy(source: SourceFile, objects: list, model_problems: list, cache: dict) -> SourceFile:
    return SourceFile(source.path, source.text, source.documents, objects, source.parse_problems, model_problems,
                      source.skipped, dict(cache), source.lean)


# -- findings -------------------------------------------------------------------------------------

def relocator(rendered: Rendered):
    """Findings on written nodes moved to the kustomization line (or patch) that wrote them."""
    locate = rendered.origins.locate

    def relocate(findings: list[Finding]) -> list[Finding]:
        for found in findings:
            if is_written(found.span):
                found.path, found.span = locate(found.path, found.span)
                found.fixes = []  # an edit meant for the resource file: not for this one
            elif any(is_written(e.span) for fix in found.fixes for e in fix.edits):
                found.fixes = [fix for fix in found.fixes if not any(is_written(e.span) for e in fix.edits)]
            if any(is_written(r.span) for r in found.related):
                found.related = [Related(*locate(r.path, r.span), r.message) for r in found.related]
        return findings
    return relocate


def analyze_view(view: View, select: Iterable[str], ignore: Iterable[str], relocate) -> list[Finding]:
    from ..rules.base import RuleContext
    from .run import analyze

    context = RuleContext(view.workspace, scope=view.scope)
    found = analyze(view.workspace, select, ignore, context=context, relocate=relocate)
    if view.blind:  # it misses objects (said once, by NP072/NP074): what their absence suggests is not said
        found = [f for f in found if f.rule not in ABSENCE_RULES]
    return found


def run_views(views: Views, analyse) -> list[Finding]:
    """Every view analysed (analyse(view) -> its findings), merged: a root view's finding that
    something matches nothing stands only where the view of everything finds it too (another
    root of the repository may bring what it misses); the view of everything reports on its own
    files."""
    per_view = [(view, analyse(view)) for view in views.views]
    if views.everything is not None:
        every = analyse(views.everything)
        if views.check_absence:
            present = {(f.rule, f.path, tuple(f.span)) for f in every if f.rule in ABSENCE_RULES}
            per_view = [(view, [f for f in found if f.rule not in ABSENCE_RULES
                                or (f.rule, f.path, tuple(f.span)) in present]) for view, found in per_view]
        report = views.everything.report
        per_view.append((views.everything, every if report is None else [f for f in every if f.path in report]))
    return merge_findings(views, per_view)


def analyze_views(views: Views, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    relocate = relocator(views.rendered)
    return run_views(views, lambda view: analyze_view(view, select, ignore, relocate))


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
    """The language server's analysis of a workspace with kustomizations: the views built again
    (with the previous render's origin table, so an unchanged file keeps its spans), and each
    view analysed again only when a file it reads changed; otherwise its findings are reused.
    Returns an incremental.Analysis that carries the views for hover and navigation."""
    from ..rules.base import RuleContext
    from .incremental import Analysis, _by_path, _points_into

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None)
    relocate = relocator(views.rendered)
    results, contexts = {}, {}

    def analyse(view: View) -> list[Finding]:
        inputs = [workspace.files[path] for path in view.workspace.files]
        key = (view.name, view.scope)
        old = previous.view_results.get(key) if reusable else None
        if old is not None and len(old[0]) == len(inputs) and all(a is b for a, b in zip(old[0], inputs)):
            found = old[1]
        else:
            found = analyze_view(view, select, (), relocate)
        results[key] = (inputs, found)
        contexts[view.name] = RuleContext(view.workspace)
        return found

    by_path = _by_path(run_views(views, analyse))
    context = RuleContext(workspace)
    context.kustomize = (views, contexts)
    return Analysis(workspace, select, context, by_path, _points_into(by_path), views=views, view_results=results)


def analyze_checked(workspace: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
                    root: Optional[str] = None) -> list[Finding]:
    """What `check` reports: one analysis, or one per render root when there are kustomizations."""
    from .run import analyze

    views = build_views(workspace, root)
    if views is None:
        return analyze(workspace, select, ignore)
    return analyze_views(views, select, ignore)
