"""The analysis of a workspace after an edit, reusing the analysis before it where it can.

A file's findings depend on the file itself, on the interface of every other file (what rules
read of other files' objects: interface.py), and on positions in other files, but only through
Related locations (NP001's workloads, NP070's covering rule, ...). So when every changed file
keeps the shape of its objects (kind, name, namespace, in order):

- the index is the previous one with the changed files' objects swapped for their new versions;
- the files that can see the change are checked with the rules scoped to their objects
  (RuleContext.scope), resolving against the whole workspace: the changed files, the files whose
  findings point into them, and, when facts of workloads or policies changed (labels, ports,
  selectors...), the files of those namespaces and of the policies whose namespaceSelectors
  match them;
- every other file keeps its findings from the previous analysis.

The common keystroke (a comment, a value in a ConfigMap, lines moved) re-checks one file.
Otherwise (an object added, removed or renamed, a Namespace's labels, a DaemonSet, the
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
from ..model import K8sObject
from ..rules.base import RuleContext
from ..workspace import SourceFile, Workspace, reuse_index
from . import isolation
from .interface import interface, reaches_only_its_namespace
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
    # a workspace with Kustomize roots: its views (analysis/rendered.py) and each view's
    # (input files, findings), reused while none of its input files changes
    views: Optional[object] = None
    view_results: dict = field(default_factory=dict)

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


def analyze_plain(workspace: Workspace, select: tuple[str, ...], previous: Optional[Analysis] = None) -> Analysis:
    """analyze_workspace for one view: every file as it is."""
    if previous is not None and previous.select == select and previous.workspace.config is workspace.config:
        paths = changed_paths(previous.workspace.files, workspace.files)
        tiers = bool(previous.workspace.index.cluster_policies)
        change = compare(previous.workspace.files, workspace.files, paths, tiers) if paths is not None else None
        if change is not None:
            return _recheck(workspace, select, previous, change)
    return _full(workspace, select)


def changed_paths(before: dict[str, SourceFile], after: dict[str, SourceFile]) -> Optional[set[str]]:
    """Paths added, removed, or holding another version of their file; None when the files both
    hold are not in the same order (a file removed and read again moves to the end, and the
    order of files decides which of two same-named Namespaces the index keeps)."""
    if len(before) == len(after) and list(before) == list(after):  # the usual case: an edit
        return set(compress(after, map(is_not, before.values(), after.values())))
    if [p for p in before if p in after] != [p for p in after if p in before]:
        return None
    return {p for p in before.keys() | after.keys() if before.get(p) is not after.get(p)}


@dataclass
class Change:
    paths: set[str]  # the files changed
    pairs: list[tuple[K8sObject, K8sObject]] = field(default_factory=list)  # (old, new) versions of their objects
    namespaces: set[str] = field(default_factory=set)  # whose objects' facts changed


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
        elif [o.shape for o in old_interface] != [n.shape for n in new_interface]:
            return None
        else:
            for o, n in zip(old_interface, new_interface):
                if o.facts != n.facts:
                    if tiers or not reaches_only_its_namespace(o.shape):
                        return None
                    change.namespaces.add(o.shape[3])
        if old is not None and new is not None:
            change.pairs.extend(zip(old.objects, new.objects))
    return change


def _interface(source: Optional[SourceFile]) -> tuple:
    return interface(source) if source is not None else ()


def _full(workspace: Workspace, select: tuple[str, ...]) -> Analysis:
    context = RuleContext(workspace)
    by_path = _by_path(analyze(workspace, select, context=context))
    return Analysis(workspace, select, context, by_path, _points_into(by_path))


def _recheck(workspace: Workspace, select: tuple[str, ...], previous: Analysis, change: Change) -> Analysis:
    reuse_index(workspace, previous.workspace, change.pairs)
    index = workspace.index
    # a file whose findings show a position in a changed file must show the new position
    pointing = {path for path, targets in previous.points_into.items() if not targets.isdisjoint(change.paths)}
    context = RuleContext(workspace)
    scope = frozenset(change.paths | pointing | _files_in(index, change.namespaces)
                      | _files_selecting_into(index, change.namespaces)
                      | _sister_anchors(previous, context, change.namespaces))
    scoped = RuleContext(workspace, context.resolver, scope=scope)
    fresh = _by_path(analyze(workspace, select, context=scoped))
    by_path, points_into = dict(previous.by_path), dict(previous.points_into)
    for path in scope:
        by_path.pop(path, None)
        points_into.pop(path, None)
    by_path.update(fresh)
    points_into.update(_points_into(fresh))
    return Analysis(workspace, select, context, by_path, points_into, scope, previous.serial)


def _counted(index) -> int:
    """How many namespaces NP025 compares, counted up to one past the fewest it needs."""
    found = 0
    for ns in index.workloads_by_ns:
        if ns not in isolation.SYSTEM_NAMESPACES and any(not w.host_network for w in index.workloads_by_ns[ns]):
            found += 1
            if found > MIN_SISTERS:
                break
    return found


def _files_in(index, namespaces: set[str]) -> set[str]:
    """The files of the policies and workloads of the namespaces."""
    return {obj.path for ns in namespaces
            for obj in (*index.workloads_by_ns.get(ns, ()), *index.policies_by_ns.get(ns, ()))}


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
