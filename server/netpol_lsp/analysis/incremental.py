"""The analysis of a workspace after an edit, reusing the analysis before it where it can.

A file's findings depend on the file itself, on the interface of every other file (what rules
read of other files' objects: interface.py), and on positions in other files, but only through
Related locations (NP001's workloads, NP070's covering rule, ...). So when every changed file
keeps the shape of its objects (kind, name, namespace, in order), but for NetworkPolicies put
in or taken out (a policy pasted, a document deleted):

- the index is the previous one with the changed files' objects swapped for their new versions
  (and pasted policies put in, deleted ones taken out);
- the files that can see the change are checked with the rules scoped to their objects
  (RuleContext.scope), resolving against the whole workspace: the changed files, the files whose
  findings point into them, and
  - a policy changed, pasted or deleted: the policies and workloads of its namespace (a policy
    selects and isolates pods of its own namespace only; NP070 compares a namespace's policies);
  - a workload's facts changed: the policies of its namespace, and elsewhere only the policies
    with a namespaceSelector peer reaching its namespace whose podSelector reads a changed label
    key (or, for ports and images, matches it), plus those whose unmatched peer's did-you-mean
    reads that namespace (peer_index.py);
  - NP025's files when a namespace may have become isolated or open;
- every other file keeps its findings from the previous analysis.

The common keystroke (a comment, a value in a ConfigMap, lines moved) re-checks one file.
Otherwise (any other object added, removed or renamed, a Namespace's labels, a DaemonSet, the
configuration or the rule selection changed, no previous analysis) the whole workspace is
analysed, as `check` does. Either way the findings are exactly those of `analyze()` on the new
workspace (tests/test_incremental.py holds it to that).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress, count
from operator import is_not
from typing import Iterable, Optional

from ..findings import Finding
from ..model import K8sObject, NetworkPolicy, Workload
from ..rules.base import RuleContext
from ..workspace import SourceFile, Workspace, reuse_index
from . import isolation
from .interface import interface, object_interface as interface_of, reaches_only_its_namespace
from .peer_index import CrossPeers
from ..rules.np025_namespace_not_isolated import MIN_SISTERS
from .run import analyze, rule_selection


def has_kustomizations(workspace: Workspace) -> bool:
    from .views import has_kustomizations as has

    return has(workspace)


def analyze_views_incrementally(workspace, select, previous):
    from .rendered import analyze_views_incrementally as views

    return views(workspace, select, previous)

_serials = count(1)


@dataclass
class Analysis:
    workspace: Workspace
    select: tuple[str, ...]
    context: RuleContext  # unscoped, over the whole workspace: hover and navigation use it
    by_path: dict[str, list[Finding]]  # the findings of each file that has some, sorted
    # the files other than itself that each file's findings point into (Related locations)
    points_into: dict[str, frozenset[str]] = field(default_factory=dict)
    # the files whose findings were computed anew; None: all of them (a full analysis)
    rechecked: Optional[frozenset[str]] = None
    # the serial of the analysis the others' findings were taken from (a number, not a
    # reference: a chain of analyses would keep every old workspace alive)
    base: Optional[int] = None
    serial: int = field(default_factory=lambda: next(_serials))
    # the files with unmatched-peer (NP002) findings, and where those are: their did-you-mean
    # reads other namespaces' labels
    unmatched: dict[str, frozenset] = field(default_factory=dict)
    _cross_peers: Optional[CrossPeers] = None  # built when an edit first needs it

    def cross_peers(self) -> CrossPeers:
        if self._cross_peers is None:
            self._cross_peers = CrossPeers.build(self.workspace.index.policies)
        return self._cross_peers
    # a workspace with Kustomize roots: its views (analysis/rendered.py) and each view's
    # (input files, findings), reused while none of its input files changes
    views: Optional[object] = None
    view_results: dict = field(default_factory=dict)
    placement: Optional[object] = None  # the views' findings placed and merged (rendered.Placement)
    # whether any object's facts (interface.py) may differ from the previous analysis's
    facts_changed: bool = True

    def findings(self) -> list[Finding]:
        """Every finding, in analyze()'s order (sorted by path first)."""
        return [found for path in sorted(self.by_path) for found in self.by_path[path]]

    def findings_of(self, path: str) -> list[Finding]:
        return self.by_path.get(path, [])


def analyze_workspace(workspace: Workspace, select: Iterable[str] = (),
                      previous: Optional[Analysis] = None) -> Analysis:
    """The findings of `workspace`, reusing `previous` (an analysis of an earlier state of the
    same workspace) where no change can reach. A workspace with Kustomize roots is analysed
    view by view (rendered.py), each view like this."""
    select = tuple(select)
    if has_kustomizations(workspace):
        return analyze_views_incrementally(workspace, select, previous)
    return analyze_plain(workspace, select, previous if previous is None or previous.views is None else None)


def analyze_plain(workspace: Workspace, select: tuple[str, ...], previous: Optional[Analysis] = None,
                  only: Optional[frozenset[str]] = None) -> Analysis:
    """analyze_workspace for one view: every file as it is. only: the files whose findings are
    wanted (a Kustomize root's view reports on its root's files alone: the loose files beside
    it are not checked in it); the others' findings are left out, or stale."""
    if previous is not None and previous.select == select and previous.workspace.config is workspace.config:
        swapped = workspace.swapped
        if swapped is not None and swapped[0]() is previous.workspace:
            paths = set(swapped[1])  # a superset at most: a path swapped for the same file is re-checked
        else:
            paths = changed_paths(previous.workspace.files, workspace.files)
        tiers = bool(previous.workspace.index.cluster_policies)
        change = compare(previous.workspace.files, workspace.files, paths, tiers) if paths is not None else None
        if change is not None and _touches_copies(previous.workspace.index, change):
            change = None  # which copy the index keeps, and NP071 at the others, may change
        if change is not None and (not (change.added or change.removed)
                                   or previous.workspace.index.policies_changing(change.added, change.removed)):
            return _recheck(workspace, select, previous, change, only)
    return _full(workspace, select, only)


def _touches_copies(index, change: "Change") -> bool:
    """Whether a change reaches an object defined twice (one copy of identical ones is left out
    of the index, which replacing() cannot swap), or pastes a second definition of a policy."""
    from .duplicates import identity

    twice = index.defined_twice
    if twice and any(identity(old) in twice for old, _ in change.pairs + [(p, p) for p in change.removed]):
        return True
    keys = [identity(p) for p in change.added]
    return len(set(keys)) < len(keys) or any(
        identity(other) == key for policy, key in zip(change.added, keys)
        for other in index.policies_by_ns.get(policy.namespace, ()))


_last_compared: list = [(None, None, None)]  # (before, after, answer) of the last changed_paths: one tuple,
# replaced whole (the hover's analysis may run in another thread)


def changed_paths(before: dict[str, SourceFile], after: dict[str, SourceFile]) -> Optional[set[str]]:
    """Paths added, removed, or holding another version of their file; None when the files both
    hold are not in the same order (a file removed and read again moves to the end, and the
    order of files decides which of two same-named Namespaces the index keeps). The last answer
    is kept: an edit asks it of the same two tables several times (views, quiet change), and
    each asking walks 10,000 files. File tables are not changed once analysed."""
    known_before, known_after, answer = _last_compared[0]
    if known_before is before and known_after is after:
        return None if answer is None else set(answer)
    found = _changed_paths(before, after)
    _last_compared[0] = (before, after, None if found is None else frozenset(found))
    return found


def remember_changes(before: dict[str, SourceFile], after: dict[str, SourceFile], paths: set[str]) -> None:
    """Tells changed_paths its answer for two tables whose files differ at most at `paths`,
    in the same order (the server knows what it put in between): no walk of every file."""
    changed = frozenset(p for p in paths if before.get(p) is not after.get(p))
    _last_compared[0] = (before, after, changed)


def _changed_paths(before: dict[str, SourceFile], after: dict[str, SourceFile]) -> Optional[set[str]]:
    if len(before) == len(after) and list(before) == list(after):  # the usual case: an edit
        return set(compress(after, map(is_not, before.values(), after.values())))
    if [p for p in before if p in after] != [p for p in after if p in before]:
        return None
    return {p for p in before.keys() | after.keys() if before.get(p) is not after.get(p)}


@dataclass
class Change:
    paths: set[str]  # the files changed
    pairs: list[tuple[K8sObject, K8sObject]] = field(default_factory=list)  # (old, new) versions of their objects
    namespaces: set[str] = field(default_factory=set)  # whose policies' facts changed
    # (old, new) versions of the workloads whose facts changed
    workloads: list[tuple[Workload, Workload]] = field(default_factory=list)
    # NetworkPolicies pasted into or deleted from a file (the others kept their shapes)
    added: list[NetworkPolicy] = field(default_factory=list)
    removed: list[NetworkPolicy] = field(default_factory=list)


def compare(before: dict[str, SourceFile], after: dict[str, SourceFile], paths: set[str],
            tiers: bool = False) -> Optional[Change]:
    """What changed, when the previous index can be reused: every object kept its shape (same
    kind, name and namespace, in the same order; a file without objects has none, so adding or
    removing one changes nothing for the others), and those whose facts changed reach only
    their namespace. None otherwise: then everything is analysed again. tiers: the workspace
    has cluster policies, whose subjects and peers reach every namespace: any change of facts
    is analysed whole."""
    change = Change(paths)
    for path in paths:
        old, new = before.get(path), after.get(path)
        old_interface, new_interface = _interface(old), _interface(new)
        if old_interface == new_interface:
            pass
        else:
            old_objects = old.objects if old is not None else []
            new_objects = new.objects if new is not None else []
            aligned = _align(old_interface, new_interface)
            if aligned is None or (tiers and (aligned[1] or aligned[2])):
                return None
            kept, added, removed = aligned
            change.added += [new_objects[j] for j in added]
            change.removed += [old_objects[i] for i in removed]
            change.namespaces.update(new_interface[j].shape[3] for j in added)
            change.namespaces.update(old_interface[i].shape[3] for i in removed)
            for i, j in kept:
                o, n, old_obj, new_obj = old_interface[i], new_interface[j], old_objects[i], new_objects[j]
                if o.facts != n.facts:
                    if tiers or not reaches_only_its_namespace(o.shape):
                        return None
                    if isinstance(new_obj, NetworkPolicy):
                        change.namespaces.add(o.shape[3])
                    elif isinstance(new_obj, Workload):
                        change.workloads.append((old_obj, new_obj))
                    # a Service: no rule reads it
                if old_obj is not new_obj:  # a document the edit left in place keeps its objects
                    change.pairs.append((old_obj, new_obj))
            continue
        if old is not None and new is not None:
            change.pairs.extend(pair for pair in zip(old.objects, new.objects) if pair[0] is not pair[1])
    return change


def _align(before: tuple, after: tuple) -> Optional[tuple[list, list, list]]:
    """(kept (i, j) pairs, added j, removed i) between two files' interfaces, when they differ
    only by NetworkPolicies put in or taken out (a policy pasted, a document deleted); None
    for any other change of shape."""
    kept, added, removed = [], [], []
    i = j = 0
    while i < len(before) or j < len(after):
        if i < len(before) and j < len(after) and before[i].shape == after[j].shape:
            kept.append((i, j))
            i, j = i + 1, j + 1
        elif j < len(after) and after[j].shape[0] == "NetworkPolicy" and \
                (i >= len(before) or after[j].shape not in [b.shape for b in before[i:]]):
            added.append(j)
            j += 1
        elif i < len(before) and before[i].shape[0] == "NetworkPolicy":
            removed.append(i)
            i += 1
        else:
            return None
    return kept, added, removed


def _interface(source: Optional[SourceFile]) -> tuple:
    return interface(source) if source is not None else ()


def _full(workspace: Workspace, select: tuple[str, ...], only: Optional[frozenset[str]] = None) -> Analysis:
    context = RuleContext(workspace)
    scoped = context if only is None else RuleContext(workspace, context.resolver, scope=only)
    by_path = _by_path(analyze(workspace, select, context=scoped))
    return Analysis(workspace, select, context, by_path, _points_into(by_path), unmatched=_unmatched(by_path))


def _recheck(workspace: Workspace, select: tuple[str, ...], previous: Analysis, change: Change,
             only: Optional[frozenset[str]] = None) -> Analysis:
    reuse_index(workspace, previous.workspace, change.pairs, change.added, change.removed)
    index = workspace.index
    # a file whose findings show a position in a changed file must show the new position
    pointing = {path for path, targets in previous.points_into.items() if not targets.isdisjoint(change.paths)}
    scope = change.paths | pointing | _files_in(index, change.namespaces)
    cross_peers = previous._cross_peers
    if change.workloads:
        # a policy's change reaches its own namespace only (what it selects and isolates, NP070
        # among its policies); a workload's change reaches the policies of its namespace and
        # the peers elsewhere whose match of it can change (peer_index.py)
        cross_peers = previous.cross_peers().replacing(
            change.paths, [o for path in change.paths if path in workspace.files
                           for o in workspace.files[path].objects if isinstance(o, NetworkPolicy)])
        for old, new in change.workloads:
            scope |= {p.path for p in index.policies_by_ns.get(new.namespace, ())}
            labels_only = _facts_but_labels(old) == _facts_but_labels(new)
            scope |= cross_peers.reaching(index.namespace(new.namespace).labels, old.template_labels,
                                          new.template_labels, labels_only, previous.unmatched,
                                          previous.unmatched.get)
    elif cross_peers is not None:
        cross_peers = cross_peers.replacing(
            change.paths, [o for path in change.paths if path in workspace.files
                           for o in workspace.files[path].objects if isinstance(o, NetworkPolicy)])
    context = RuleContext(workspace)
    # NP025 compares namespaces: a namespace whose policies or workloads changed may have become
    # isolated or open
    changed_namespaces = change.namespaces | {new.namespace for _, new in change.workloads}
    scope = frozenset(scope | _sister_anchors(previous, context, changed_namespaces))
    if only is not None:
        scope &= only
    scoped = RuleContext(workspace, context.resolver, scope=scope)
    fresh = _by_path(analyze(workspace, select, context=scoped))
    by_path, points_into = dict(previous.by_path), dict(previous.points_into)
    for path in scope:
        by_path.pop(path, None)
        points_into.pop(path, None)
    by_path.update(fresh)
    points_into.update(_points_into(fresh))
    unmatched = {path: spans for path, spans in previous.unmatched.items() if path not in scope}
    unmatched.update(_unmatched(fresh))
    return Analysis(workspace, select, context, by_path, points_into, scope, previous.serial, unmatched=unmatched,
                    _cross_peers=cross_peers,
                    facts_changed=bool(change.namespaces or change.workloads or change.added or change.removed))


def _counted(index) -> int:
    """How many namespaces NP025 compares, counted up to one past the fewest it needs."""
    found = 0
    for ns in index.workloads_by_ns:
        if isolation.counts(index, ns):
            found += 1
            if found > MIN_SISTERS:
                break
    return found


def _files_in(index, namespaces: set[str]) -> set[str]:
    """The files of the policies and workloads of the namespaces."""
    return {obj.path for ns in namespaces
            for obj in (*index.workloads_by_ns.get(ns, ()), *index.policies_by_ns.get(ns, ()))}


def _facts_but_labels(workload: Workload) -> tuple:
    return interface_of(workload).facts[1:]


def _unmatched(by_path: dict[str, list[Finding]]) -> dict[str, frozenset]:
    """The spans of each file's NP002 findings, for the files that have some."""
    found = {}
    for path, findings in by_path.items():
        spans = frozenset([f.span for f in findings if f.rule == "NP002"])
        if spans:
            found[path] = spans
    return found


def _sister_anchors(previous: Analysis, context: RuleContext, namespaces: set[str]) -> set[str]:
    """NP025 compares every namespace with its sisters: when a changed namespace became isolated
    or open (or stopped counting), the findings of every namespace may change, so the files they
    are reported in are re-checked. Otherwise nothing of NP025 can change."""
    if not namespaces or "NP025" not in {rule.ID for rule, _ in rule_selection(context.config.rules, previous.select)}:
        return set()
    before_index, before_resolver = previous.workspace.index, previous.context.resolver
    index, resolver = context.workspace.index, context.resolver
    if max(_counted(before_index), _counted(index)) <= MIN_SISTERS:
        return set()  # too few namespaces for NP025 to say anything, before or after
    for ns in namespaces:
        if isolation.isolated(before_index, before_resolver, ns) != isolation.isolated(index, resolver, ns):
            return isolation.anchor_paths(index)
    return set()


def _files_selecting_into(index, namespaces: set[str]) -> set[str]:
    """The files of the policies with a peer whose namespaceSelector matches one of the
    namespaces: that peer's pods, named ports and did-you-means come from them."""
    if not namespaces:
        return set()
    labels = [index.namespace(ns).labels for ns in namespaces]
    found = set()
    for policy in index.policies:
        if policy.path not in found and any(selector.matches(ns_labels) for selector in _namespace_selectors(policy)
                                            for ns_labels in labels):
            found.add(policy.path)
    return found


def _namespace_selectors(policy):
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            for peer in rule.peers or ():
                if peer.namespace_selector is not None:
                    yield peer.namespace_selector


def _by_path(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Sorted findings, split by file (each file's keep their order)."""
    out: dict[str, list[Finding]] = {}
    for found in findings:
        out.setdefault(found.path, []).append(found)
    return out


def _points_into(by_path: dict[str, list[Finding]]) -> dict[str, frozenset[str]]:
    out = {}
    for path, findings in by_path.items():
        targets = frozenset(r.path for found in findings for r in found.related if r.path != path)
        if targets:
            out[path] = targets
    return out
