"""The views of a workspace that holds Kustomize roots: what each root's cluster holds.

By default (`kustomize.views: shared`) roots that share no file are one system, one view, and
overlays of one base are alternatives, each its own view with the shared roots. With
`kustomize.views: per-root`, each render root is one view: what one `kubectl apply -k ROOT`
creates, beside the files that belong to no kustomization (loose files: applied beside every
root) and the Namespaces other roots define for the namespaces the root deploys into (they must
exist where it is applied). Roots the configuration declares one cluster (`kustomize.clusters`)
are one view. One more view holds every root and the loose files: it reports on the loose
files, and a root's "matches nothing" that another root would answer is not said, but named
once (NP075, rendered.py). A view is a Workspace of its own, made when first read and let go
when the server no longer keeps it (rendered.py); its files that a kustomization reads carry
the rendered objects, its loose files are the workspace's own SourceFiles (shared, not copied).
"""
from __future__ import annotations

import copy

import os
import weakref
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, Optional

from ..manifests import ParseLimits
from ..model import Namespace, build_objects
from ..render.kustomize import Rendered, Renderer, Root, is_kustomization
from ..workspace import SourceFile, Workspace
from .duplicates import facts, identity


class UnknownRoot(Exception):
    """--kustomize named a folder that is not a render root."""


@dataclass
class View:
    name: str  # the roots it renders, as the findings name them ("" for the view of the loose files)
    roots: list[Root]
    made: object  # its Workspace, or a function that makes it (a root's view: made when first read)
    scope: frozenset[str]  # the files checked in this view
    blind: bool = False  # it misses objects (remote or unread resources, fields not applied)
    report: Optional[frozenset[str]] = None  # of those, the files whose findings it reports (None: all)
    make: Optional[Callable[[], Workspace]] = None

    @property
    def workspace(self) -> Workspace:
        if not isinstance(self.made, Workspace):
            self.make = self.made
            self.made = self.made()
        return self.made

    def release(self) -> None:
        """Lets its Workspace go (made again when read): check analyses each root's view once,
        and hundreds of them, each with a table of every loose file, need not live together."""
        if self.make is not None:
            self.made = self.make


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
    readers: dict[str, list[str]] = field(default_factory=dict)  # file -> the folders of the roots that read it
    config_names: dict[str, str] = field(default_factory=dict)  # root folder -> as kustomize.clusters names it
    # roots that read a common file (overlays of one base) are there: the views are alternatives
    alternatives: bool = False
    loose: Optional[object] = None  # _LooseObjects of the loose files (kept while the views are)
    latest: Optional["_Latest"] = None  # the workspace the views not made yet are made from
    live: list[str] = field(default_factory=list)  # the root views the server keeps made (rendered.py)

    def source(self, view: View, path: str):
        """The file as `view` holds it, without making the view when it is not made: its text
        and suppressions are those the view of everything holds."""
        if isinstance(view.made, Workspace) or self.everything is None:
            return view.workspace.files.get(path)
        return self.everything.workspace.files.get(path)

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
                rendered: Optional[Rendered] = None, earlier: Optional[tuple] = None) -> Optional[Views]:
    """The views of the workspace; None when it holds no kustomization (nothing changes then).

    Each root (or group of roots the configuration puts in one cluster) is a view that reports
    on the root's files, resolving against its objects and the loose files'. The loose files
    are reported on in one more view that holds every root's objects too (they may be applied
    beside any of them): a loose policy is not said to match nothing when a root has its pods.
    only: a root folder (--kustomize): its view alone. earlier: (the views, the files) of the
    workspace before an edit of a file a kustomization reads: the roots it does not reach are
    not rendered again, and the view of everything keeps its copies of the files whose objects
    are the same (its incremental analysis then sees only what the edit changed)."""
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
        previous, before = (earlier[0].rendered, earlier[1]) if earlier is not None else (None, None)
        rendered = Renderer(workspace.files, limits, origins=origins).render(named, previous, before)
    folders = [os.path.abspath(os.path.dirname(p)) for p in rendered.kustomizations]
    common = os.path.commonpath(folders) if len(folders) > 1 else None
    names = {}
    for folder in rendered.roots:
        names[folder] = os.path.relpath(os.path.abspath(folder), common) if common else folder
        if names[folder] == ".":
            names[folder] = folder
    groups = _groups(rendered, config, base)
    shared_views = config.kustomize_views == "shared" and not config.kustomize_clusters
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
    latest = _Latest(workspace, rendered, objects)  # what a root's view not made yet is made from
    cached = rendered.memo.get("loose files")  # of a previous build: still these files? (a reused render)
    if cached is None and earlier is not None and earlier[0].rendered.claimed == rendered.claimed:
        # rendered again: the loose files' table and index of the earlier render, if they are the same
        cached = earlier[0].rendered.memo.get("loose files")
        if cached is not None:
            rendered.memo["loose files"] = cached
    if cached is not None:
        now = [(p, s) for p, s in workspace.files.items() if p not in rendered.claimed]
        if len(now) != len(cached[0]) or any(cached[0].get(p) is not s for p, s in now):
            del rendered.memo["loose files"]
    every_root = list(rendered.roots.values())
    every_problem = list(rendered.problems) + [p for r in every_root for p in r.problems]
    views = []
    if only is not None or len(groups) > 1:
        for group in groups:
            files = set().union(*(r.files for r in group))
            if only is not None:
                files = set().union(*(r.files for r in group if os.path.abspath(r.dir) == os.path.abspath(only)))
            problems = [p for r in group for p in r.problems]
            # shared views of alternatives: each is named by its alternative, not the roots all share
            shown = [r for r in group if r.alternative] if shared_views else group
            name = ", ".join(sorted(names[r.dir] for r in shown or group))
            views.append(View(name, group, partial(_view_from, latest, group, problems), frozenset(files),
                              _is_blind(problems)))
        # the view of everything checks the root views' files too (their "matches nothing")
        checked = frozenset(set().union(*(v.scope for v in views))) | (loose if only is None else frozenset())
        report = loose if only is None else frozenset()
    else:  # one group: its view is the view of everything
        checked = frozenset(workspace.files)
        report = None
    reuse = None  # the files of the earlier view of everything, when it was made
    if earlier is not None and earlier[0].everything is not None and isinstance(earlier[0].everything.made, Workspace):
        reuse = earlier[0].everything.made.files
    everything = View("", every_root, _view_workspace(workspace, rendered, every_root, every_problem, objects,
                                                      orphans, reuse), checked, _is_blind(every_problem), report)
    readers: dict[str, list[str]] = {}
    for root in every_root:
        for path in root.files:
            readers.setdefault(path, []).append(root.dir)
    config_names = {folder: os.path.relpath(os.path.abspath(folder), os.path.abspath(base)) for folder in names}
    per_root = config.kustomize_views == "per-root"
    return Views(rendered, views, names, everything, check_absence=per_root and not config.kustomize_clusters,
                 readers=readers, config_names=config_names,
                 alternatives=any(getattr(r, "alternative", False) for r in every_root), loose=objects,
                 latest=latest)


def views_after_edit(views: Views, before: Workspace, after: Workspace, changed=None) -> Optional[Views]:
    """The views of `after` from those of `before`, when only loose files changed (the render
    is reused) and nothing that decides a view's make-up did: no Namespace of a loose file
    (which Namespaces a root view borrows) and no object a root renders (which loose copies are
    dropped). Each made view keeps its files but the edited ones, so its incremental analysis
    sees only them changed; a view not made yet is made from `after` when read. None: build the
    views again (build_views). A keystroke then costs a dict copy per made view instead of
    new views (every loose file scanned, every view's table made again)."""
    from .incremental import changed_paths

    rendered = views.rendered
    if changed is None:
        changed = changed_paths(before.files, after.files)
    wanted = rendered.memo.get("identities")
    if not changed or wanted is None or not changed.isdisjoint(rendered.claimed):
        return None
    defined = []  # the Namespace names the changed files define, before and after
    for workspace in (before, after):
        names = set()
        for path in changed:
            source = workspace.files.get(path)
            for obj in source.objects if source is not None else ():
                if identity(obj) in wanted:
                    return None
                if isinstance(obj, Namespace):
                    names.add(obj.name)
        defined.append(names)
    if defined[0] != defined[1]:
        return None
    rendered.memo.pop("loose files", None)  # the loose files' table of root views: as they were
    # the loose objects a view reads (Namespaces, copies of rendered objects) are those of
    # before, unless a changed file holds a Namespace (its labels may have changed)
    loose = views.loose
    if loose is None or _namespaces_of(before, changed) != _namespaces_of(after, changed):
        loose = _LazyLoose(after, rendered)

    # a view not made yet is kept as it is: it is made from the latest workspace (hundreds of
    # views on every keystroke); only made views follow the edit
    latest = views.latest
    if latest is not None:
        latest.workspace, latest.loose = after, loose

    def follow(view: View) -> View:
        if not isinstance(view.made, Workspace):
            if latest is not None:
                return view
            group, problems = view.roots, view.made.args[3]
            return View(view.name, group, partial(_view_workspace, after, rendered, group, problems, loose),
                        view.scope, view.blind, view.report)
        old = view.made
        workspace = Workspace(after.config)
        workspace.files = dict(old.files)
        for path in changed:
            if path in after.files:
                workspace.files[path] = after.files[path]
            else:
                workspace.files.pop(path, None)
        workspace.kustomize_problems = old.kustomize_problems
        workspace.swapped = (weakref.ref(old), frozenset(changed))  # its analysis need not compare every file
        # a root view can still be let go: made again from the latest workspace (views._Latest)
        return replace(view, made=workspace, make=view.make if latest is not None else None)

    # only the made views are followed (a few of hundreds): the others are kept as they are
    return replace(views, views=[follow(v) if latest is None or isinstance(v.made, Workspace) else v
                                 for v in views.views],
                   everything=follow(views.everything) if views.everything is not None else None,
                   loose=loose, live=list(views.live))


def _namespaces_of(workspace: Workspace, paths) -> list:
    """(name, labels) of the Namespaces of the files, in order."""
    return [(obj.name, obj.labels) for path in sorted(paths) if path in workspace.files
            for obj in workspace.files[path].objects if isinstance(obj, Namespace)]


class _Latest:
    """The workspace (and its loose objects) that the root views not made yet are made from:
    one for every views that follow each other across loose-file edits, moved to each new
    workspace (views_after_edit) instead of every view being bound to it anew."""

    def __init__(self, workspace: Workspace, rendered: Rendered, loose):
        self.workspace, self.rendered, self.loose = workspace, rendered, loose


def _view_from(latest: _Latest, group: list[Root], problems: list) -> Workspace:
    return _view_workspace(latest.workspace, latest.rendered, group, problems, latest.loose)


class _LazyLoose:
    """_LooseObjects of a workspace, scanned when a view made later first reads it."""

    def __init__(self, workspace: Workspace, rendered: Rendered):
        self._args = (workspace, rendered)
        self._made = None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._made is None:
            self._made = _LooseObjects(*self._args)
        return getattr(self._made, name)


def _is_blind(problems) -> bool:
    return any(p.rule in ("NP072", "NP074") for p in problems)


def _groups(rendered: Rendered, config, base: str) -> list[list[Root]]:
    """The roots analysed together. Declared clusters (`kustomize.clusters`) as written, any
    other root alone. Without a declaration: `kustomize.views` (shared or per-root, where each
    root is what one `kubectl apply -k` creates and rendered.py names, once per root, what it
    would see of other roots). Roots that
    read a common file (overlays of one base: prod, staging) are marked alternatives: the
    commands that read one view ask which."""
    roots = list(rendered.roots.values())
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
    for members in families.values():
        for root in members:
            root.alternative = len(members) > 1
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
    if config.kustomize_views == "per-root":  # the server re-checks only the roots an edit reaches
        return [[root] for root in roots]
    # shared (the default): a root alone in its family is part of one system and joins every
    # view; alternatives get a view each. Per-root views cost more per edit in the server (the
    # findings of every root's view merged on each edit: benchmarks/README.md)
    shared = [r for members in families.values() if len(members) == 1 for r in members]
    alternatives = [r for members in families.values() if len(members) > 1 for r in members]
    if not alternatives:
        return [roots] if roots else []
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
        self.namespaces: set[str] = set()  # the Namespaces the loose files define
        self.namespace_labels: dict[str, list[dict]] = {}  # name -> the labels of each of them
        claimed = rendered.claimed
        for path, source in workspace.files.items():
            if path not in claimed:
                for obj in source.objects:
                    if isinstance(obj, Namespace):
                        self.namespaces.add(obj.name)
                        self.namespace_labels.setdefault(obj.name, []).append(obj.labels)
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
                    loose: _LooseObjects, orphans: frozenset[str] = frozenset(),
                    reuse: Optional[dict] = None) -> Workspace:
    """A view: the loose files as they are (less any object a root renders identically), and the
    files of the group's roots with their rendered objects (built once per render: the same
    SourceFiles while the render is reused, so an incremental analysis sees them unchanged)."""
    # the loose Namespaces decide which of other roots' a view borrows: a loose edit may change them
    key = (tuple(sorted(r.dir for r in group)), orphans, frozenset(loose.namespaces))
    built = rendered.memo.get(key)
    if built is None:
        built = rendered.memo[key] = _rendered_sources(workspace, rendered, group, orphans, loose.namespaces, reuse)
    sources, rendered_objects = built
    dropped = set()  # loose copies of a rendered object (a pre-rendered bundle): the source line wins
    if loose.by_identity:  # every copy: install.yaml and namespace-install.yaml both hold it
        for obj in rendered_objects:
            for other in loose.by_identity.get(identity(obj), ()):
                if facts(other) == facts(obj):
                    dropped.add(id(other))
    view = Workspace(workspace.config)
    view.kustomize_problems = problems
    if not dropped and orphans == frozenset() and len(group) < len(rendered.roots):
        # a root's view: the loose files (their table and index made once per render), then the
        # root's files, the index joined from the loose files' one and the root's objects
        loose_files = rendered.memo.get("loose files")
        if loose_files is None:
            alone = Workspace(workspace.config)
            alone.files = {p: s for p, s in workspace.files.items() if p not in rendered.claimed}
            loose_files = rendered.memo["loose files"] = (alone.files, alone.index)
        view.files = dict(loose_files[0])
        view.files.update(sources)
        mine = Workspace(workspace.config)
        mine.files = dict(sources)
        view._index = loose_files[1].joined(mine.index, workspace.config)
        return view
    for path, source in workspace.files.items():
        if path not in rendered.claimed:
            if dropped and any(id(obj) in dropped for obj in source.objects):
                source = _same_copy(reuse, source, [o for o in source.objects if id(o) not in dropped],
                                    source.model_problems, source.cache)
            view.files[path] = source
        elif path in sources:
            view.files[path] = sources[path]
    return view


def _rendered_sources(workspace: Workspace, rendered: Rendered, group: list[Root], orphans: frozenset[str],
                      loose_namespaces: set[str] = frozenset(), reuse: Optional[dict] = None):
    """(path -> the view's SourceFile of each file of the group, every rendered object kept),
    with the Namespaces other roots define for namespaces the group deploys into and nothing
    else in the view defines (borrowed: see _borrowed_namespaces)."""
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
            sources[path] = _same_copy(reuse, source, objects.get(path, []), model_problems.get(path, []), cache)
    for path, borrowed in _borrowed_namespaces(workspace, rendered, group, kept, loose_namespaces).items():
        if path not in sources and path in workspace.files:  # not a file of the view: nothing reported on it
            sources[path] = _same_copy(reuse, workspace.files[path], borrowed, [], {})
    return sources, kept


def _borrowed_namespaces(workspace: Workspace, rendered: Rendered, group: list[Root], kept: list,
                         loose_namespaces: set[str]) -> dict[str, list]:
    """path -> the Namespaces of other roots the group's view takes in: those of namespaces the
    group's objects live in that neither the group nor a loose file defines. `kubectl apply -k`
    of the group fails unless they exist in its cluster, and the repository's definition is
    what says their labels; taken only when every root that defines one defines it alike."""
    if len(group) == len(rendered.roots):
        return {}
    defined = {o.name for o in kept if isinstance(o, Namespace)} | loose_namespaces
    needed = {o.namespace for o in kept if not isinstance(o, Namespace)} - defined
    if not needed:
        return {}
    by_name = rendered.memo.get("namespaces")
    if by_name is None:  # name -> (root folder, Namespace) of every root: once per render
        by_name = rendered.memo["namespaces"] = {}
        for root in rendered.roots.values():
            for obj in _built(root, workspace.config):
                if isinstance(obj, Namespace):
                    by_name.setdefault(obj.name, []).append((root.dir, obj))
    mine = {r.dir for r in group}
    found: dict[str, list] = {}
    for name in sorted(needed):
        copies = [obj for folder, obj in by_name.get(name, ()) if folder not in mine]
        if copies:
            found[name] = copies
    out: dict[str, list] = {}
    for copies in found.values():
        if all(facts(c) == facts(copies[0]) for c in copies):
            out.setdefault(copies[0].path, []).append(copies[0])
    return out


def render_reusable(before: Workspace, after: Workspace, rendered: Rendered) -> bool:
    """Whether a render of `before` is that of `after`: the same paths, and every file a
    kustomization reads (kustomizations too) the same version."""
    if before.config is not after.config or before.files.keys() != after.files.keys():
        return False
    return all(before.files[p] is after.files[p] for p in rendered.claimed)


def _same_copy(reuse: Optional[dict], source: SourceFile, objects: list, model_problems: list,
               cache: dict) -> SourceFile:
    """_copy, or the earlier view's copy of the same file version when it holds the same objects
    (the very ones: a root not rendered again keeps them) and model problems."""
    earlier = reuse.get(source.path) if reuse is not None else None
    if earlier is not None and earlier is not source and earlier.text is source.text and \
            earlier.documents is source.documents and len(earlier.objects) == len(objects) and \
            all(a is b for a, b in zip(earlier.objects, objects)) and earlier.model_problems == model_problems:
        return earlier
    return _copy(source, objects, model_problems, cache)


def _copy(source: SourceFile, objects: list, model_problems: list, cache: dict) -> SourceFile:
    # a copy, not SourceFile(..., source.text, ...): a text kept compressed (model/slim.py) stays so
    copied = copy.copy(source)
    copied.objects, copied.model_problems, copied.cache, copied.rendered = objects, model_problems, dict(cache), False
    return copied
