"""The views of a workspace that holds Kustomize roots: what each root's cluster holds.

Each render root, or each group of roots analysed together (declared clusters; or, by default,
each alternative root beside the roots that share nothing with others), is one view: its
rendered objects beside the files that belong to no kustomization. One more view holds every
root and the loose files: it reports on the loose files. A view is a Workspace of its own; its
files that a kustomization reads carry the rendered objects.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Optional

from ..manifests import ParseLimits
from ..model import build_objects
from ..render.kustomize import Rendered, Renderer, Root, is_kustomization
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


def build_views(workspace: Workspace, only: Optional[str] = None, origins=None,
                rendered: Optional[Rendered] = None) -> Optional[Views]:
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
    if rendered is None:  # else: the previous render, still that of these files (render_reusable)
        rendered = Renderer(workspace.files, limits, origins=origins).render(named)
    folders = [os.path.abspath(os.path.dirname(p)) for p in rendered.kustomizations]
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
    orphans = frozenset(rendered.claimed - in_roots)  # components or bases no root reads: their syntax still counts
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
    """The objects of the files no kustomization reads that share an identity with a rendered
    object (the candidates for a merge), by identity: computed once for all views."""

    def __init__(self, workspace: Workspace, rendered: Rendered):
        wanted = rendered.memo.get("identities")
        if wanted is None:
            wanted = rendered.memo["identities"] = {identity(o) for root in rendered.roots.values()
                                                    for o in _built(root, workspace.config)}
        self.by_identity: dict[tuple, list] = {}
        claimed = rendered.claimed
        for path, source in workspace.files.items():
            if path not in claimed:
                for obj in source.objects:
                    key = identity(obj)
                    if key in wanted:
                        self.by_identity.setdefault(key, []).append(obj)


def _built(root: Root, config) -> list:
    """The objects of a root's rendered resources."""
    return [obj for _res, objects, _problems in _built_per_resource(root, config) for obj in objects]


def _built_per_resource(root: Root, config) -> list:
    """(resource, its objects, its model problems) of a root, built once per render."""
    done = getattr(root, "built", None)
    if done is None:
        done = root.built = [(res, *build_objects(res.root, res.path, res.doc_index, config.default_namespace))
                             for res in root.objects]
    return done


def _view_workspace(workspace: Workspace, rendered: Rendered, group: list[Root], problems: list,
                    loose: _LooseObjects, orphans: frozenset[str] = frozenset()) -> Workspace:
    """A view: the loose files as they are (less any object a root renders identically), and the
    files of the group's roots with their rendered objects (built once per render: the same
    SourceFiles while the render is reused, so an incremental analysis sees them unchanged)."""
    key = (tuple(sorted(r.dir for r in group)), orphans)
    built = rendered.memo.get(key)
    if built is None:
        built = rendered.memo[key] = _rendered_sources(workspace, rendered, group, orphans)
    sources, rendered_objects = built
    dropped = set()  # loose copies of a rendered object (a pre-rendered bundle): the source line wins
    if loose.by_identity:  # every copy: install.yaml and namespace-install.yaml both hold it
        for obj in rendered_objects:
            for other in loose.by_identity.get(identity(obj), ()):
                if facts(other) == facts(obj):
                    dropped.add(id(other))
    view = Workspace(workspace.config)
    for path, source in workspace.files.items():
        if path not in rendered.claimed:
            if dropped and any(id(obj) in dropped for obj in source.objects):
                source = _copy(source, [o for o in source.objects if id(o) not in dropped],
                               source.model_problems, source.cache)
            view.files[path] = source
        elif path in sources:
            view.files[path] = sources[path]
    view.kustomize_problems = problems
    view.rendered_key = key  # which group's rendered objects it holds (views_after_edit)
    return view


def views_after_edit(views: Views, before: Workspace, after: Workspace) -> Views:
    """The views of `after`, from those of `before`, when the render is reusable
    (render_reusable): only files no kustomization reads changed, and a loose file is the same
    in every view but for the objects a root renders identically, which are dropped from it
    (as _view_workspace does). Every other file keeps its SourceFile, so each view's
    incremental analysis sees only the edited files changed. Costs a dict copy per view
    instead of a new set of views (_LooseObjects, _view_workspace) on every keystroke."""
    from .incremental import changed_paths

    changed = changed_paths(before.files, after.files)  # the same paths (render_reusable): never None
    rendered = views.rendered

    def follow(view: View) -> View:
        old = view.workspace
        workspace = Workspace(after.config)
        workspace.files = dict(old.files)
        copies = _rendered_by_identity(rendered, old.rendered_key)
        for path in changed:
            workspace.files[path] = _without_copies(after.files[path], copies)
        workspace.kustomize_problems = old.kustomize_problems
        workspace.rendered_key = old.rendered_key
        return replace(view, workspace=workspace)

    return replace(views, views=[follow(v) for v in views.views],
                   everything=follow(views.everything) if views.everything is not None else None)


def _rendered_by_identity(rendered: Rendered, key: tuple) -> dict[tuple, list]:
    """A group's rendered objects by identity (what a loose copy is compared with), once per render."""
    memo_key = ("by identity", key)
    found = rendered.memo.get(memo_key)
    if found is None:
        found = rendered.memo[memo_key] = {}
        for obj in rendered.memo[key][1]:
            found.setdefault(identity(obj), []).append(obj)
    return found


def _without_copies(source: SourceFile, copies: dict[tuple, list]) -> SourceFile:
    """A loose file less the objects a root of the view renders identically."""
    dropped = [o for o in source.objects
               if any(facts(o) == facts(r) for r in copies.get(identity(o), ()))] if copies else []
    if not dropped:
        return source
    return _copy(source, [o for o in source.objects if all(o is not d for d in dropped)],
                 source.model_problems, source.cache)


def _rendered_sources(workspace: Workspace, rendered: Rendered, group: list[Root], orphans: frozenset[str]):
    """(path -> the view's SourceFile of each file of the group, every rendered object kept)."""
    config = workspace.config
    objects: dict[str, list] = {}
    model_problems: dict[str, list] = {}
    seen: dict[tuple, object] = {}
    kept = []
    for root in group:
        for res, built, found in _built_per_resource(root, config):
            model_problems.setdefault(res.path, []).extend(found)
            for obj in built:
                other = seen.get(identity(obj))
                if other is not None and facts(other) == facts(obj):
                    continue  # the same object from two roots of one cluster: merged
                seen[identity(obj)] = obj
                objects.setdefault(res.path, []).append(obj)
                kept.append(obj)
    files = set().union(*(r.files for r in group)) | orphans if group else set(orphans)
    resources = {res.path for root in group for res in root.objects}
    sources = {}
    for path in files:
        source = workspace.files.get(path)
        if source is not None:
            # a patch or a kustomization is not a manifest of its own: no schema check on it
            cache = source.cache if path in resources else {"NP060": []}
            sources[path] = _copy(source, objects.get(path, []), model_problems.get(path, []), cache)
    return sources, kept


def render_reusable(before: Workspace, after: Workspace, rendered: Rendered) -> bool:
    """Whether a render of `before` is that of `after`: the same paths, and every file a
    kustomization reads (kustomizations too) the same version."""
    if before.config is not after.config or before.files.keys() != after.files.keys():
        return False
    return all(before.files[p] is after.files[p] for p in rendered.claimed)


def _copy(source: SourceFile, objects: list, model_problems: list, cache: dict) -> SourceFile:
    return SourceFile(source.path, source.text, source.documents, objects, source.parse_problems, model_problems,
                      source.skipped, dict(cache), source.lean)
