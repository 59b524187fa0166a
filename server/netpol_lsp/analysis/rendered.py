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
    name: str  # the roots it renders, as the findings name them
    roots: list[Root]
    workspace: Workspace
    scope: Optional[frozenset[str]] = None  # the files reported on (--kustomize); None: all


@dataclass
class Views:
    rendered: Rendered
    views: list[View]
    root_names: dict[str, str] = field(default_factory=dict)  # root folder -> display name

    def view_of(self, path: str) -> Optional[View]:
        """The first view that renders a file (or holds it as a loose file)."""
        for view in self.views:
            if path in view.workspace.files and (path in self.rendered.claimed or view.scope is None):
                source = view.workspace.files[path]
                if source.objects or path not in self.rendered.claimed:
                    return view
        return self.views[0] if self.views else None

    def notes(self, path: str) -> list[tuple[object, str]]:
        """(the object's root node in the file, what a kustomization changed in it), for hover."""
        out = []
        for view in self.views:
            for root in view.roots:
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
    only: a root folder (--kustomize): one view, reporting on that root's files."""
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
    views = []
    for group in groups or [[]]:
        scope = None
        if only is not None:
            scope = frozenset(f for r in group if os.path.abspath(r.dir) == os.path.abspath(only) for f in r.files)
        name = ", ".join(sorted(names[r.dir] for r in group))
        views.append(View(name, group, _view_workspace(workspace, rendered, group, orphans), scope))
    return Views(rendered, views, names)


def _groups(rendered: Rendered, config, base: str) -> list[list[Root]]:
    by_abs = {os.path.abspath(folder): root for folder, root in rendered.roots.items()}
    groups, placed = [], set()
    for declared in config.kustomize_clusters:
        group = [by_abs[a] for a in (os.path.abspath(os.path.join(base, r)) for r in declared) if a in by_abs]
        group = [r for r in group if r.dir not in placed]
        placed.update(r.dir for r in group)
        if group:
            groups.append(group)
    groups.extend([root] for folder, root in rendered.roots.items() if folder not in placed)
    return groups


def _view_workspace(workspace: Workspace, rendered: Rendered, group: list[Root], orphans: set[str]) -> Workspace:
    config = workspace.config
    files_of_group = set().union(*(r.files for r in group)) if group else set()
    objects: dict[str, list] = {}
    problems: dict[str, list] = {}
    seen: dict[tuple, object] = {}
    loose_dropped: set[int] = set()
    view = Workspace(config)
    for path, source in workspace.files.items():  # loose objects first: a rendered copy replaces an identical one
        if path not in rendered.claimed:
            for obj in source.objects:
                seen.setdefault(identity(obj), obj)
    for root in group:
        for res in root.objects:
            built, model_problems = build_objects(res.root, res.path, res.doc_index, config.default_namespace)
            problems.setdefault(res.path, []).extend(model_problems)
            for obj in built:
                key = identity(obj)
                other = seen.get(key)
                if other is not None and facts(other) == facts(obj):
                    if other.path in rendered.claimed:
                        continue  # the same object from two roots of one cluster: merged
                    loose_dropped.add(id(other))  # a pre-rendered copy of it: the source line wins
                seen[key] = obj
                objects.setdefault(res.path, []).append(obj)
    for path, source in workspace.files.items():
        if path not in rendered.claimed:
            if any(id(obj) in loose_dropped for obj in source.objects):
                source = _copy(source, [o for o in source.objects if id(o) not in loose_dropped],
                               source.model_problems, source.cache)
            view.files[path] = source
        elif path in files_of_group or path in orphans:
            is_resource = path in objects or any(r.path == path for root in group for r in root.objects)
            # a patch or a kustomization is not a manifest of its own: no schema check on it
            cache = source.cache if is_resource else {"NP060": []}
            view.files[path] = _copy(source, objects.get(path, []), problems.get(path, []), cache)
    view.kustomize_problems = [p for r in group for p in r.problems]
    if not group:
        view.kustomize_problems = list(rendered.problems)
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


def analyze_views(views: Views, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    from ..rules.base import RuleContext
    from .run import analyze

    relocate = relocator(views.rendered)
    per_view = []
    for view in views.views:
        context = RuleContext(view.workspace, scope=view.scope)
        found = analyze(view.workspace, select, ignore, context=context, relocate=relocate)
        if any(p.rule in ("NP072", "NP074") for p in view.workspace.kustomize_problems):
            # the view misses objects (said once, by NP072/NP074): what their absence suggests is not said
            found = [f for f in found if f.rule not in ABSENCE_RULES]
        per_view.append((view, found))
    return merge_findings(views, per_view)


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
    every = len(views.views)
    for found, names in merged.values():
        if views.rendered.roots and (found.path in views.rendered.claimed or len(names) < every) \
                and any(names):
            found = replace(found, message=f"{found.message} (in {', '.join(sorted(set(names)))})")
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
    from .run import analyze

    old_views = getattr(previous, "views", None) if previous is not None else None
    reusable = old_views is not None and previous.select == select and previous.workspace.config is workspace.config
    views = build_views(workspace, origins=old_views.rendered.origins if old_views is not None else None)
    relocate = relocator(views.rendered)
    results, contexts, per_view = {}, {}, []
    for view in views.views:
        inputs = [workspace.files[path] for path in view.workspace.files]
        old = previous.view_results.get(view.name) if reusable else None
        if old is not None and len(old[0]) == len(inputs) and all(a is b for a, b in zip(old[0], inputs)):
            found = old[1]
        else:
            found = analyze(view.workspace, select, context=RuleContext(view.workspace), relocate=relocate)
            if any(p.rule in ("NP072", "NP074") for p in view.workspace.kustomize_problems):
                found = [f for f in found if f.rule not in ABSENCE_RULES]
        results[view.name] = (inputs, found)
        contexts[view.name] = RuleContext(view.workspace)
        per_view.append((view, found))
    by_path = _by_path(merge_findings(views, per_view))
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
