"""The set of files, their objects, and the label indexes the analysis looks things up in.

Files are added, replaced and removed one at a time (the language server does that on every
edit); the indexes are rebuilt lazily, and only from the per-file objects, never by re-parsing.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .config import Config
from .manifests import ParseLimits, ParseProblem, parse_text
from .manifests.parse import ChunkMemo, Document
from .model import ClusterPolicy, K8sObject, ModelProblem, Namespace, NetworkPolicy, Service, Workload, build_objects
from .model.objects import NAMESPACE_NAME_LABEL, PodMakingResource
from .model.reads import object_trie
from .span import Span

# namespaces every cluster has, whether or not the repository defines them
BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


@dataclass(eq=False)
class SourceFile:
    path: str  # as the user or the client named it
    text: str
    documents: list[Document] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    parse_problems: list[ParseProblem] = field(default_factory=list)
    model_problems: list[ModelProblem] = field(default_factory=list)
    skipped: bool = False
    cache: dict = field(default_factory=dict)  # per-file results of single-file rules, by rule id
    lean: bool = False  # only the branches the analysis reads were built (model/reads.py)
    rendered: bool = False  # Helm output placed in its template: nodes point into `text`, not made of it

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def load_source(path: str, text: str, config: Config, extra_problems: Iterable[ParseProblem] = (),
                lean: bool = False, memo: Optional[ChunkMemo] = None) -> SourceFile:
    """lean: build only what the analysis reads (check, and the server's files that are not
    open); an editor's buffer is built whole, for hover, completion and fixes. memo: the
    buffer's previous version (parse.ChunkMemo), so unchanged documents are not parsed again."""
    limits = ParseLimits(max_depth=config.limits.max_depth, max_aliases=config.limits.max_aliases)
    parsed = parse_text(text, limits, keep=object_trie if lean else True, memo=memo)
    source = SourceFile(path, text, parsed.documents, [], list(extra_problems) + parsed.problems,
                        skipped=parsed.skipped, lean=lean)
    # an edited buffer's documents that the edit left where they were are the same nodes as
    # before (parse.ChunkMemo): their objects are built once, not on every keystroke
    before = memo.built if memo is not None else {}
    older = memo.built_older if memo is not None else {}
    built = {}
    for doc in parsed.documents:
        made = before.get(id(doc.root)) or older.get(id(doc.root))
        if made is not None and made[0] is doc.root and made[1] == (path, doc.index) and made[2] is config:
            objects, problems = made[3], made[4]
        else:
            objects, problems = build_objects(doc.root, path, doc.index, config.default_namespace, config.operators)
        if memo is not None and doc.root is not None:
            built[id(doc.root)] = (doc.root, (path, doc.index), config, objects, problems)
        source.objects.extend(objects)
        source.model_problems.extend(problems)
    if memo is not None:
        memo.built, memo.built_older = built, before
    return source


def skipped_source(path: str, message: str, kind: str = "skipped", span: Span = Span(0, 0, 0, 0)) -> SourceFile:
    return SourceFile(path, "", parse_problems=[ParseProblem(span, message, kind)], skipped=True)


class Workspace:
    def __init__(self, config: Optional[Config] = None):
        self.config = config or Config()
        self.files: dict[str, SourceFile] = {}
        self._index: Optional[_Index] = None
        self.render_notes: list = []  # render.helm.RenderNote: charts that could not be analysed (NP096)
        self.generation = 0  # bumped on every change: caches key on it
        # (a weak reference to the workspace this one's files were copied from, the paths then
        # swapped in or out): what changed since it, known without comparing every file (Kustomize
        # views kept across edits). Weak: a strong one would keep every earlier version alive
        self.swapped: Optional[tuple] = None

    # -- changes ---------------------------------------------------------------------------

    def set_text(self, path: str, text: str, extra_problems: Iterable[ParseProblem] = ()) -> SourceFile:
        source = load_source(path, text, self.config, extra_problems)
        self.put(source)
        return source

    def put(self, source: SourceFile) -> None:
        self.files[source.path] = source
        self._changed()

    def remove(self, path: str) -> None:
        if self.files.pop(path, None) is not None:
            self._changed()

    def _changed(self) -> None:
        self._index = None
        self.generation += 1
        self.swapped = None

    # -- lookups ---------------------------------------------------------------------------

    @property
    def index(self) -> "_Index":
        if self._index is None:
            self._index = _Index(self)
        return self._index

    def objects(self) -> Iterable[K8sObject]:
        for source in self.files.values():
            yield from source.objects

    @property
    def workloads(self) -> list[Workload]:
        return self.index.workloads

    @property
    def policies(self) -> list[NetworkPolicy]:
        return self.index.policies

    def namespace(self, name: str) -> "NamespaceInfo":
        return self.index.namespace(name)


@dataclass
class NamespaceInfo:
    """A namespace as the cluster would have it: defined by a manifest, assumed by the config,
    or only implied by objects living in it (then it has just the automatic name label)."""

    name: str
    labels: dict[str, str]
    defined_by: Optional[Namespace] = None
    assumed: bool = False


def _identical_copies(objects: Iterable[K8sObject]) -> tuple[frozenset, frozenset]:
    """(the copies of an object identical to an earlier one, in file order: left out of the
    index; the identities (group, kind, namespace, name) defined more than once)."""
    from .analysis.duplicates import MERGED_KINDS, facts, identity

    first: dict[tuple, object] = {}
    twice: dict[tuple, list] = {}
    for obj in objects:
        if isinstance(obj, MERGED_KINDS):
            key = identity(obj)
            seen = first.setdefault(key, obj)
            if seen is not obj:
                twice.setdefault(key, [seen]).append(obj)
    if not twice:
        return frozenset(), frozenset()
    dropped = set()
    for copies in twice.values():
        kept: list = []
        for obj in copies:
            if any(facts(obj) == facts(other) for other in kept):
                dropped.add(obj)
            else:
                kept.append(obj)
    return frozenset(dropped), frozenset(twice)


def _object_order(obj: K8sObject):
    return (obj.namespace, obj.name, obj.kind, obj.path, obj.doc_index)


class _Index:
    def __init__(self, workspace: Workspace):
        self.workloads: list[Workload] = []
        self.policies: list[NetworkPolicy] = []
        self.services: list[Service] = []
        self.cluster_policies: list[ClusterPolicy] = []  # the tiers: Admin and Baseline
        self.defined_namespaces: dict[str, Namespace] = {}
        self.workloads_by_ns: dict[str, list[Workload]] = {}
        self.policies_by_ns: dict[str, list[NetworkPolicy]] = {}
        # namespace -> "Kind ns/name" of custom resources that make pods nobody described (NP097):
        # selectors there may match pods the analysis cannot see
        self.unknown_pods_by_ns: dict[str, tuple[str, ...]] = {}
        # identical copies of one object (a folder holding a manifest and a pre-rendered bundle
        # of it): the cluster gets one object, so the analysis counts it once; different copies
        # both stay (NP071 says the cluster keeps one of them)
        self.dropped, self.defined_twice = _identical_copies(workspace.objects())
        dropped = self.dropped
        for obj in workspace.objects():
            if dropped and obj in dropped:
                continue
            if isinstance(obj, Workload):
                self.workloads.append(obj)
                self.workloads_by_ns.setdefault(obj.namespace, []).append(obj)
            elif isinstance(obj, NetworkPolicy):
                self.policies.append(obj)
                self.policies_by_ns.setdefault(obj.namespace, []).append(obj)
            elif isinstance(obj, Service):
                self.services.append(obj)
            elif isinstance(obj, ClusterPolicy):
                self.cluster_policies.append(obj)
            elif isinstance(obj, Namespace):
                self.defined_namespaces.setdefault(obj.name, obj)
            elif isinstance(obj, PodMakingResource):
                self.unknown_pods_by_ns.setdefault(obj.namespace, ())
                self.unknown_pods_by_ns[obj.namespace] += (f"{obj.kind} {obj.namespace}/{obj.name}",)
        for ns, names in self.unknown_pods_by_ns.items():
            self.unknown_pods_by_ns[ns] = tuple(sorted(names))
        # a stable order, whatever the order of files and documents: messages name "the first" of them
        self.workloads.sort(key=_object_order)
        self.policies.sort(key=_object_order)
        self.cluster_policies.sort(key=_object_order)
        for group in (*self.workloads_by_ns.values(), *self.policies_by_ns.values()):
            group.sort(key=_object_order)
        self._name_namespaces(workspace.config)

    def _name_namespaces(self, config: Config) -> None:
        self.namespaces: dict[str, NamespaceInfo] = {}
        for name, labels in config.assume_namespaces.items():
            merged = dict(labels)
            merged[NAMESPACE_NAME_LABEL] = name
            self.namespaces[name] = NamespaceInfo(name, merged, assumed=True)
        for name, ns in self.defined_namespaces.items():
            self.namespaces[name] = NamespaceInfo(name, ns.labels, defined_by=ns)
        for name in list(self.workloads_by_ns) + list(self.policies_by_ns) + list(BUILTIN_NAMESPACES):
            if name not in self.namespaces:
                self.namespaces[name] = NamespaceInfo(name, {NAMESPACE_NAME_LABEL: name})
        self.namespaces = dict(sorted(self.namespaces.items()))

    def identities(self) -> frozenset:
        """The identities of the objects whose copies are compared (analysis/duplicates.py)."""
        found = getattr(self, "_identities", None)
        if found is None:
            from .analysis.duplicates import MERGED_KINDS, identity

            found = self._identities = frozenset(
                identity(o) for group in (self.workloads, self.policies, self.services,
                                          self.defined_namespaces.values()) for o in group
                if isinstance(o, MERGED_KINDS)) | self.defined_twice
        return found

    def joined(self, extra: "_Index", config: Config) -> Optional["_Index"]:
        """The index of this one's files and `extra`'s together, without indexing this one's
        again (a Kustomize root's view: the loose files' index, shared by every root, and the
        root's objects). None when the two share an object identity or a Namespace name: then
        which copy an index keeps depends on the order of files, and only indexing them all says."""
        if not self.identities().isdisjoint(extra.identities()) or \
                not self.defined_namespaces.keys().isdisjoint(extra.defined_namespaces):
            return None
        copy = object.__new__(_Index)
        copy.dropped, copy.defined_twice = self.dropped | extra.dropped, self.defined_twice | extra.defined_twice
        copy.workloads = _inserted(self.workloads, extra.workloads)
        copy.policies = _inserted(self.policies, extra.policies)
        copy.cluster_policies = _inserted(self.cluster_policies, extra.cluster_policies)
        copy.services = self.services + extra.services
        copy.defined_namespaces = {**self.defined_namespaces, **extra.defined_namespaces}
        copy.workloads_by_ns, copy.policies_by_ns = dict(self.workloads_by_ns), dict(self.policies_by_ns)
        for mine, theirs in ((copy.workloads_by_ns, extra.workloads_by_ns), (copy.policies_by_ns, extra.policies_by_ns)):
            for ns, group in theirs.items():
                mine[ns] = _inserted(mine.get(ns, []), group)
        # a namespace the extra objects hold no workload of keeps this one's workloads, and answers
        copy._matches = self.matches.shared_with(set(extra.workloads_by_ns))
        copy.unknown_pods_by_ns = dict(self.unknown_pods_by_ns)
        for ns, names in extra.unknown_pods_by_ns.items():
            copy.unknown_pods_by_ns[ns] = tuple(sorted(copy.unknown_pods_by_ns.get(ns, ()) + names))
        # as _name_namespaces() names them: assumed, then defined over them, then implied
        copy.namespaces = dict(self.namespaces)
        for name, ns in extra.defined_namespaces.items():
            copy.namespaces[name] = NamespaceInfo(name, ns.labels, defined_by=ns)
        for name in list(extra.workloads_by_ns) + list(extra.policies_by_ns):
            if name not in copy.namespaces:
                copy.namespaces[name] = NamespaceInfo(name, {NAMESPACE_NAME_LABEL: name})
        if len(copy.namespaces) > len(self.namespaces) or extra.defined_namespaces:
            copy.namespaces = dict(sorted(copy.namespaces.items()))
        # its namespace postings: this one's, with the namespaces the extra objects define or add
        changed = sorted({name for name in (*extra.defined_namespaces, *extra.workloads_by_ns, *extra.policies_by_ns)
                          if copy.namespaces.get(name) is not self.namespaces.get(name)})
        copy._postings_from = (self, changed)
        _join_namespace_labels(self, copy, changed)
        return copy

    def namespace(self, name: str) -> NamespaceInfo:
        info = self.namespaces.get(name)
        return info if info is not None else NamespaceInfo(name, {NAMESPACE_NAME_LABEL: name})

    def is_known_namespace(self, name: str) -> bool:
        return (name in self.defined_namespaces or name in self.workloads_by_ns or name in BUILTIN_NAMESPACES
                or (name in self.namespaces and self.namespaces[name].assumed))

    def policies_changing(self, added: list[NetworkPolicy], removed: list[NetworkPolicy]) -> bool:
        """Whether NetworkPolicies can be added and removed by `replacing` without changing the
        namespaces the index knows: each one's namespace is known whatever its policies (a
        Namespace, a workload, an assumption, a built-in one) or keeps another policy."""
        gone: dict[str, int] = {}
        for policy in removed:
            gone[policy.namespace] = gone.get(policy.namespace, 0) + 1
        for policy in (*added, *removed):
            ns = policy.namespace
            if ns not in self.namespaces:
                return False
            info = self.namespaces[ns]
            if not (info.assumed or ns in self.defined_namespaces or ns in self.workloads_by_ns
                    or ns in BUILTIN_NAMESPACES
                    or len(self.policies_by_ns.get(ns, ())) + sum(p.namespace == ns for p in added) > gone.get(ns, 0)):
                return False
        return True

    def replacing(self, pairs: list[tuple[K8sObject, K8sObject]], added: Iterable[NetworkPolicy] = (),
                  removed: Iterable[NetworkPolicy] = ()) -> "_Index":
        """A copy of this index with each (old, new) pair's old object replaced by the new one.
        A new version must sort where the old one did (same kind, name, namespace, path and
        place in its file): an incremental analysis swaps the objects of a file whose interface
        did not change (analysis/interface.py) instead of indexing every file again. Each old
        object is found by bisection, so this costs little whatever the workspace's size. This
        index is left as it is: another thread may still be reading it."""
        copy = object.__new__(_Index)
        copy.workloads = _swapped(self.workloads, pairs, Workload)
        copy.policies = _swapped(self.policies, pairs, NetworkPolicy)
        copy.services = _swapped(self.services, pairs, Service, in_order=False)
        copy.cluster_policies = _swapped(self.cluster_policies, pairs, ClusterPolicy)
        copy.workloads_by_ns = dict(self.workloads_by_ns)
        copy.policies_by_ns = dict(self.policies_by_ns)
        for ns in {old.namespace for old, _ in pairs}:
            in_ns = [(old, new) for old, new in pairs if old.namespace == ns]
            for groups, kind in ((copy.workloads_by_ns, Workload), (copy.policies_by_ns, NetworkPolicy)):
                if ns in groups:
                    groups[ns] = _swapped(groups[ns], in_ns, kind)
        # NetworkPolicies pasted or deleted (policies_changing said the namespaces stay as they are)
        removed, added = list(removed), list(added)
        if removed or added:
            copy.policies = list(copy.policies)
            for policy in removed:
                _drop(copy.policies, policy)
                group = copy.policies_by_ns[policy.namespace] = list(copy.policies_by_ns[policy.namespace])
                _drop(group, policy)
                if not group:
                    del copy.policies_by_ns[policy.namespace]
            for policy in added:
                insort(copy.policies, policy, key=_object_order)
                group = copy.policies_by_ns[policy.namespace] = list(copy.policies_by_ns.get(policy.namespace, ()))
                insort(group, policy, key=_object_order)
        copy.dropped, copy.defined_twice = self.dropped, self.defined_twice  # no pair is a copy (incremental.py)
        copy.defined_namespaces = dict(self.defined_namespaces)
        copy.unknown_pods_by_ns = self.unknown_pods_by_ns  # names only: the same when shapes are
        copy.namespaces = dict(self.namespaces)
        matches = getattr(self, "_matches", None)
        if matches is not None:
            copy._matches = matches.after(pairs)
        _carry_object_tables(self, copy, pairs, added)
        postings = getattr(self, "_namespace_postings", None)
        if postings is not None:
            copy._namespace_postings = postings = dict(postings)
        for old, new in pairs:
            if isinstance(old, Namespace) and self.defined_namespaces.get(old.name) is old:
                copy.defined_namespaces[old.name] = new
                info = self.namespaces[old.name]
                copy.namespaces[old.name] = NamespaceInfo(info.name, new.labels, defined_by=new, assumed=info.assumed)
                if postings is not None:  # the same labels (the interface did not change), a new object
                    for pair in info.labels.items():
                        postings[pair] = [copy.namespaces[old.name] if ns is info else ns for ns in postings[pair]]
        return copy

    def identity_paths(self, workspace: Workspace) -> dict[tuple, list[str]]:
        """(API group, kind, namespace, name) -> the files holding an object of that identity
        (a workload, policy, service or namespace), in workspace order: NP071's duplicates
        looked up instead of grouping every object on each edit. Built once; replacing()
        carries it over (a file listed that no longer holds the identity is harmless: the
        lookup reads the file's objects)."""
        found = getattr(self, "_identity_paths", None)
        if found is None:
            from .analysis.duplicates import identity

            found = {}
            for path, source in workspace.files.items():
                for obj in source.objects:
                    if isinstance(obj, IDENTIFIED_KINDS):
                        paths = found.setdefault(identity(obj), [])
                        if not paths or paths[-1] != path:
                            paths.append(path)
            self._identity_paths = found
        return found

    def first_pod_makers(self, workspace: Workspace) -> dict[tuple, str]:
        """(kind, API group) of every custom resource that makes pods -> the first path (in
        path order) holding one: NP097 reports the first of each kind. Carried over like
        identity_paths."""
        found = getattr(self, "_first_pod_makers", None)
        if found is None:
            from .render.operators import group_of

            found = {}
            for path, source in workspace.files.items():
                for obj in source.objects:
                    if isinstance(obj, PodMakingResource):
                        key = (obj.kind, group_of(obj.api_version))
                        if key not in found or path < found[key]:
                            found[key] = path
            self._first_pod_makers = found
        return found

    @property
    def matches(self) -> "Matches":
        """What selectors matched, by their content (analysis/selection.py): kept across edits."""
        found = getattr(self, "_matches", None)
        if found is None:
            found = self._matches = Matches()
        return found

    @property
    def namespace_postings(self) -> dict[tuple[str, str], list[NamespaceInfo]]:
        """(label, value) -> the namespaces that have it, in name order: namespaceSelectors look
        their candidates up here. Built once per index (replacing() carries it over)."""
        postings = getattr(self, "_namespace_postings", None)
        if postings is None and getattr(self, "_postings_from", None) is not None:
            postings = self._namespace_postings = _joined_postings(self, *self._postings_from)
        if postings is None:
            postings = {}
            for ns in self.namespaces.values():
                for pair in ns.labels.items():
                    postings.setdefault(pair, []).append(ns)
            self._namespace_postings = postings
        return postings


IDENTIFIED_KINDS = (Workload, NetworkPolicy, Service, Namespace)  # what NP071 compares


def _carry_object_tables(index: _Index, copy: _Index, pairs: list, added: list) -> None:
    """identity_paths and first_pod_makers for a copy of the index whose objects were swapped
    for new versions of the same shape (and NetworkPolicies added): dropped (built again when
    asked) when an object's API group changed, or a policy of an identity some other file
    holds was added."""
    from .analysis.duplicates import identity
    from .render.operators import group_of

    regrouped = any(group_of(old.api_version) != group_of(new.api_version) for old, new in pairs)
    makers = getattr(index, "_first_pod_makers", None)
    if makers is not None and not regrouped:
        copy._first_pod_makers = makers
    paths = getattr(index, "_identity_paths", None)
    if paths is None or regrouped:
        return
    for policy in added:
        key = identity(policy)
        known = paths.get(key)
        if known is None:
            if paths is index._identity_paths:
                paths = dict(paths)
            paths[key] = [policy.path]
        elif policy.path not in known:
            return  # where it goes among the others: found when asked
    copy._identity_paths = paths


def _joined_postings(joined: "_Index", base: "_Index", names: list[str]) -> dict:
    """The namespace postings of an index joined from `base` (a Kustomize root's view beside the
    loose files): the base's (built once for every root), with the namespaces `names` (those the
    joined objects define or add) put in, in name order as both indexes keep their namespaces,
    instead of every namespace's labels gone through again for each root."""
    from bisect import bisect_left

    postings = dict(base.namespace_postings)
    for name in names:
        old, new = base.namespaces.get(name), joined.namespaces.get(name)
        if old is not None:
            for pair in old.labels.items():
                postings[pair] = [ns for ns in postings[pair] if ns is not old]
                if not postings[pair]:
                    del postings[pair]
        if new is not None:
            for pair in new.labels.items():
                found = list(postings.get(pair, ()))
                found.insert(bisect_left([ns.name for ns in found], name), new)
                postings[pair] = found
    return postings


def _join_namespace_labels(base: "_Index", joined: "_Index", changed: list[str]) -> None:
    """Gives a joined index the label index of its namespaces ("did you mean" reads it) as the
    base's plus its added namespaces, when that is exact: a namespace it redefines keeps every
    label the base gave it (a namespace only implied there has just its name label).
    changed: the names whose NamespaceInfo is not the base's, in name order (the others are)."""
    from .analysis.suggest import LabelIndex

    added = []
    for name in changed:
        info = joined.namespaces[name]
        before = base.namespaces.get(name)
        if before is None:
            added.append(info)
        elif before is not info:
            if not before.labels.items() <= info.labels.items():
                return
            added.append(info)
    kept = base.matches.labels
    shared = kept.get(None)
    if shared is None:
        shared = kept[None] = LabelIndex(base.namespaces.values(), lambda ns: ns.labels)
    joined.matches.labels[None] = LabelIndex(added, lambda ns: ns.labels, base=shared)


class _Shared(dict):
    """A table of per-namespace answers whose namespaces but `own` (and None: the namespaces'
    own labels, which differ per view) are read from and written to a shared table."""

    def __init__(self, shared: dict, own: set[str]):
        super().__init__()
        self.shared, self.own = shared, own

    def get(self, key, default=None):
        if key is None or key in self.own:
            return dict.get(self, key, default)
        return self.shared.get(key, default)

    def __getitem__(self, key):
        if key is None or key in self.own:
            return dict.__getitem__(self, key)
        return self.shared[key]

    def __setitem__(self, key, value) -> None:
        if key is None or key in self.own:
            dict.__setitem__(self, key, value)
        else:
            self.shared[key] = value


class Matches:
    """Answers of the selector resolution that outlive one analysis, keyed by selector content
    (selection.selector_key): the workloads a pod selector matches in a namespace, a
    namespace's label postings, the namespaces a namespaceSelector matches, and the workloads
    a peer with a namespaceSelector matches. An incremental analysis's index carries them
    over (after): a namespace whose workloads changed loses its answers; a Namespace object
    replaced drops the namespace answers (its labels are the same then, but not the object)."""

    LIMIT = 200_000  # answers kept at most: selectors typed and undone over a long session

    def __init__(self):
        self.pods: dict[str, dict[tuple, list]] = {}  # namespace -> selector -> workloads
        self.postings: dict[str, dict] = {}  # namespace -> (label, value) -> workloads
        self.namespaces: dict[tuple, list] = {}  # namespaceSelector -> NamespaceInfos
        self.peers: dict[tuple, list] = {}  # (namespaceSelector, podSelector or ()) -> workloads
        self.peer_namespaces: dict[tuple, frozenset] = {}  # the namespaces each of those reached
        self.labels: dict = {}  # namespace (None: the namespaces' own labels) -> suggest.LabelIndex

    def shared_with(self, own: set[str]) -> "Matches":
        """The answers of an index that holds this one's workloads but for the namespaces `own`
        (a Kustomize root's view: the loose files' index joined with the root's objects): the
        per-namespace answers of every other namespace are this one's, read and written here,
        so hundreds of root views look a namespace's workloads up once."""
        copy = Matches()
        copy.pods, copy.postings, copy.labels = (_Shared(table, own) for table in (self.pods, self.postings,
                                                                                   self.labels))
        return copy

    def after(self, pairs: list[tuple[K8sObject, K8sObject]]) -> "Matches":
        # the tables may be shared with an analysis running in another thread (hover's), which
        # may add answers meanwhile: each is read through list(), one step under the GIL
        changed = {old.namespace for old, _ in pairs if isinstance(old, Workload)}
        copy = Matches()
        if sum(map(len, list(self.pods.values()))) + len(self.peers) > self.LIMIT:
            return copy
        namespaces_kept = not any(isinstance(old, Namespace) for old, _ in pairs)
        if namespaces_kept:
            copy.namespaces = self.namespaces
        if not changed and namespaces_kept:
            copy.pods, copy.postings, copy.labels = self.pods, self.postings, self.labels
            copy.peers, copy.peer_namespaces = self.peers, self.peer_namespaces
            return copy
        copy.labels = {ns: found for ns, found in list(self.labels.items())
                       if ns not in changed and (ns is not None or namespaces_kept)}
        copy.pods = {ns: found for ns, found in list(self.pods.items()) if ns not in changed}
        copy.postings = {ns: found for ns, found in list(self.postings.items()) if ns not in changed}
        copy.peer_namespaces = {key: names for key, names in list(self.peer_namespaces.items())
                                if names.isdisjoint(changed)}
        copy.peers = {key: self.peers[key] for key in copy.peer_namespaces if key in self.peers}
        return copy


def _swapped(objects: list, pairs: list[tuple[K8sObject, K8sObject]], kind: type, in_order: bool = True) -> list:
    """A copy of `objects` (which holds every object of `kind` of the pairs) with the old objects
    replaced by the new ones; `in_order`: the list is in the index's order, so bisection finds them."""
    copy = None
    for old, new in pairs:
        if not isinstance(old, kind):
            continue
        start = bisect_left(objects, _object_order(old), key=_object_order) if in_order else 0
        at = objects.index(old, start)  # the first of equal keys at or after start (identity: eq=False)
        if copy is None:
            copy = list(objects)
        copy[at] = new
    return objects if copy is None else copy


def _inserted(objects: list, more: list) -> list:
    """A copy of `objects` (in the index's order) with `more` put in their places."""
    if not more:
        return objects
    copy = list(objects)
    for obj in more:
        insort(copy, obj, key=_object_order)
    return copy


def _drop(objects: list, obj: K8sObject) -> None:
    start = bisect_left(objects, _object_order(obj), key=_object_order)
    del objects[objects.index(obj, start)]


def reuse_index(workspace: Workspace, base: Workspace, pairs: list[tuple[K8sObject, K8sObject]],
                added: Iterable[NetworkPolicy] = (), removed: Iterable[NetworkPolicy] = ()) -> None:
    """Gives `workspace` the index of `base` with the objects of `pairs` replaced, `added`
    policies put in and `removed` ones taken out (see _Index.replacing): `workspace` must hold
    the same objects as `base` but for those."""
    workspace._index = base.index.replacing(pairs, added, removed)


object_order = _object_order  # the index's order of objects, for lists of them built elsewhere
