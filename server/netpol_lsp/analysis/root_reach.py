"""Which Kustomize roots' views an edit of loose files can reach (rendered.py re-checks only those).

A root's view is its own objects beside the loose files (views.py), and it reports on the
root's files alone. After an edit of loose files only (the render kept), a root's findings can
change only through what incremental.py's re-check of that view would read:

- a policy changed, pasted or deleted, or a workload's facts changed, in a namespace the root
  deploys into (its policies select there, its workloads are selected there, NP070 compares);
- a changed workload that one of the root's cross-namespace peers may match before or after
  (peer_index.py), whatever labels its namespace has in that view (every definition of it is
  tried), or a did-you-mean of an unmatched peer that reads that namespace;
- a finding of the root that points into a changed file (a related location);
- NP025: a namespace of the loose files becoming isolated or open (its sisters' findings move).

Anything this cannot follow (a Namespace or a cluster policy in a changed file, a workload in a
namespace the loose files did not know before, tiers anywhere) reaches every root: None.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..model import ClusterPolicy, Namespace, NetworkPolicy, Workload
from ..model.objects import NAMESPACE_NAME_LABEL, ForeignPolicy, PodMakingResource
from ..workspace import BUILTIN_NAMESPACES
from . import isolation
from .incremental import Change, _facts_but_labels, compare
from .peer_index import CrossPeers, _reads
from .suggest import one_edit_apart


class RootSummary:
    """What the reach test reads of the roots, once per render: each root's namespaces, the
    roots with a workload or a Namespace (where NP025 may report), every root's Namespaces by
    name, the cross-namespace peers of every root's policies, whether a root holds tiers."""

    def __init__(self, views):
        from .views import _built

        config = views.everything.workspace.config if views.everything is not None else None
        self.namespaces: dict[str, frozenset[str]] = {}
        self.anchored: set[str] = set()
        self.defined: dict[str, list[dict]] = {}
        self.tiers = False
        policies = []
        for folder, root in views.rendered.roots.items():
            names = set()
            for obj in _built(root, config):
                if isinstance(obj, Namespace):
                    self.defined.setdefault(obj.name, []).append(obj.labels)
                    self.anchored.add(root.dir)
                    names.add(obj.name)
                    continue
                names.add(obj.namespace)
                if isinstance(obj, Workload):
                    self.anchored.add(root.dir)
                elif isinstance(obj, NetworkPolicy):
                    policies.append(obj)
                elif isinstance(obj, ClusterPolicy):
                    self.tiers = True
            self.namespaces[root.dir] = frozenset(names)
        self.cross = CrossPeers.build(policies)


def summary(views) -> RootSummary:
    found = views.rendered.memo.get("reach summary")
    if found is None:
        found = views.rendered.memo["reach summary"] = RootSummary(views)
    return found


def reached_roots(views, before: dict, after: dict, paths: set[str], pointing: set[str], unmatched, np025: bool,
                  loose_before, loose_after, loose_labels: dict[str, list[dict]],
                  assumed: dict[str, dict]) -> Optional[set[str]]:
    """The folders of the roots whose views' findings the change of the loose files `paths`
    (from `before` to `after`, path -> SourceFile) can reach; None: every root.

    pointing: the folders of the roots whose findings point into a changed file (a related
    location: NP001's workloads, NP070's covering rule, ...); unmatched(): file -> the spans of
    the unmatched peers (NP002) of any root's view there, asked only when a workload changed;
    loose_before/after: namespace -> (workloads, policies) of the loose files there, for NP025;
    loose_labels: namespace name -> labels of the loose files' Namespaces of that name;
    assumed: the configuration's assumed namespaces."""
    facts = summary(views)
    tiers = facts.tiers or _has_tiers(before, after, paths)
    change = compare(before, after, paths, tiers=tiers)
    coarse = change is None  # then each workload is (itself, itself): every label of it counts as changed
    if change is None:
        change = _coarse(before, after, paths)
        if change is None:
            return None
    elif tiers and (change.namespaces or change.workloads or change.added or change.removed):
        return None
    for policy in (*change.added, *change.removed):  # a namespace known only by its policies comes or goes
        ns = policy.namespace
        if not (loose_before(ns)[0] or ns in loose_labels or ns in BUILTIN_NAMESPACES or ns in assumed):
            return None
    touched = set(change.namespaces)
    for old, new in change.workloads:
        touched.update((old.namespace, new.namespace))
    found = {folder for folder, names in facts.namespaces.items() if not names.isdisjoint(touched)}
    found |= pointing
    if change.workloads:
        unmatched = unmatched()
        reached_paths: set[str] = set()
        for old, new in change.workloads:
            labels_only = not coarse and _facts_but_labels(old) == _facts_but_labels(new)
            for labels in _namespace_labels(new.namespace, facts, loose_labels, assumed):
                reached_paths |= _reaching(facts.cross, labels, old.template_labels, new.template_labels,
                                           labels_only, unmatched, coarse)
        for path in reached_paths:
            found.update(views.readers.get(path, ()))
    if np025 and touched and any(_isolated(loose_before, ns) != _isolated(loose_after, ns) for ns in touched):
        found |= facts.anchored
    return found


def _reaching(cross: CrossPeers, namespace_labels: dict, old: dict, new: dict, labels_only: bool,
              unmatched: dict[str, set], coarse: bool = False) -> set[str]:
    """CrossPeers.reaching, but a peer whose podSelector reads a changed label key is reached
    only when it matches the workload before or after (else what it matches is the same): the
    roots' peers are many, and most read `app`."""
    found = set()
    if labels_only:
        changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        paths: set[str] = set()
        for key in changed:
            paths |= cross.by_key.get(key, frozenset())
        for path in paths:
            if any(peer.pod_selector is not None and not _reads(peer.pod_selector).isdisjoint(changed)
                   and (peer.pod_selector.matches(old) or peer.pod_selector.matches(new))
                   and peer.namespace_selector.matches(namespace_labels) for peer in cross.by_path[path]):
                found.add(path)
    else:
        found = cross.reaching(namespace_labels, old, new, False, (), lambda _path: set())
    # a did-you-mean of an unmatched peer reads the labels of the namespaces it reaches: it can
    # change only through a changed label pair equal to, or one typo from, one of its pairs
    # (suggest.py changes one pair of matchLabels, and counts the workloads the fix matches)
    changed_pairs = {(key, labels[key]) for labels in (old, new) for key in labels
                     if coarse or old.get(key) != new.get(key)}
    if not changed_pairs:
        return found
    for path in cross.suggesting.intersection(unmatched):
        if path not in found and any(peer.pod_selector is not None and peer.pod_selector.match_labels
                                     and peer.pod_selector.anchor in unmatched[path]
                                     and _near(peer.pod_selector.match_labels, changed_pairs)
                                     and peer.namespace_selector.matches(namespace_labels)
                                     for peer in cross.by_path[path]):
            found.add(path)
    return found


def _near(match_labels: dict, pairs: set) -> bool:
    """Whether a label pair is one of the selector's, or one typo from one (same key, or same value)."""
    return any((key == k and (value == v or one_edit_apart(value, v))) or (value == v and one_edit_apart(key, k))
               for k, v in match_labels.items() for key, value in pairs)


def _has_tiers(before: dict, after: dict, paths: Iterable[str]) -> bool:
    return any(isinstance(obj, ClusterPolicy) for files in (before, after) for path in paths
               for obj in (files[path].objects if path in files else ()))


def _coarse(before: dict, after: dict, paths: set[str]) -> Optional[Change]:
    """A change compare() cannot follow (an object added, removed or renamed): every object of
    the changed files as changed, when none is a Namespace, a cluster policy or a DaemonSet
    (the CNI is detected from DaemonSets: NP030 everywhere) and the
    namespaces their objects live in stay the same (which namespaces are known, NP003 and
    namespaceSelectors read)."""
    change = Change(paths)
    homes = []
    for files in (before, after):
        home = set()
        for path in paths:
            for obj in files[path].objects if path in files else ():
                if isinstance(obj, (Namespace, ClusterPolicy, ForeignPolicy, PodMakingResource)) or \
                        obj.kind == "DaemonSet":
                    return None  # labels, tiers, policies, pods or the CNI the analysis reads everywhere
                change.namespaces.add(obj.namespace)
                home.add((obj.namespace, isinstance(obj, Workload), isinstance(obj, NetworkPolicy)))
                if isinstance(obj, Workload):
                    change.workloads.append((obj, obj))
        homes.append(home)
    if homes[0] != homes[1]:
        return None
    return change


def _namespace_labels(name: str, facts: RootSummary, loose_labels: dict, assumed: dict) -> list[dict]:
    """Every label set the namespace may have in some root's view: as a loose file or a root
    defines it, as the configuration assumes it, or just its name label."""
    out = {((NAMESPACE_NAME_LABEL, name),): {NAMESPACE_NAME_LABEL: name}}
    candidates = [*loose_labels.get(name, ()), *facts.defined.get(name, ())]
    candidates += [{**labels, NAMESPACE_NAME_LABEL: name} for labels in candidates]
    if name in assumed:
        candidates.append({**assumed[name], NAMESPACE_NAME_LABEL: name})
    for labels in candidates:
        out.setdefault(tuple(sorted(labels.items())), labels)
    return list(out.values())


def _isolated(loose, namespace: str) -> Optional[bool]:
    """isolation.isolated() of a namespace among the loose files' objects alone (a root's view
    that deploys nothing there sees just those)."""
    if namespace in isolation.SYSTEM_NAMESPACES:
        return None
    workloads, policies = loose(namespace)
    workloads = [w for w in workloads if not w.host_network]
    if not workloads:
        return None
    return any(p.pod_selector.valid and p.pod_selector.matches(w.template_labels) and
               (p.affects("ingress") or p.affects("egress")) for w in workloads for p in policies)
