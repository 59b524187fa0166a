"""Selector resolution: which workloads and namespaces a policy's selectors match.

Every answer is cached per workspace generation, so rules, hover and the connectivity engine
share one resolution. Answers are keyed by what a selector says, not by the selector object:
hundreds of policies repeat the same broad peer (`team Exists` + `component=server`), and
each would otherwise test every namespace's workloads again. Selectors with matchLabels look their candidates up in a per-namespace
label index (the shortest posting list of their pairs) instead of testing every workload.
"""
from __future__ import annotations

from typing import Iterable

from ..model import NetworkPolicy, Peer, Selector, Workload
from ..workspace import NamespaceInfo, Workspace


class Resolver:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.index = workspace.index
        self._selected: dict[int, list[Workload]] = {}
        self._peer_workloads: dict[int, list[Workload]] = {}
        self._selecting: dict[str, dict[int, list[NetworkPolicy]]] = {}  # namespace -> id(workload) -> policies
        self._postings: dict[str, dict[tuple[str, str], list[Workload]]] = {}
        self._namespaces: dict[int, list[NamespaceInfo]] = {}
        self._positions: dict[str, dict[int, int]] = {}
        self._keys: dict[int, tuple] = {}  # id(selector) -> what it says (selector_key)
        self._matching: dict[tuple, list[Workload]] = {}  # (namespace, selector key) -> workloads
        self._namespaces_by_key: dict[tuple, list[NamespaceInfo]] = {}
        self._peers_by_key: dict[tuple, list[Workload]] = {}  # (namespaces, pod selector key) -> workloads

    def selector_key(self, selector: Selector) -> tuple:
        """What the selector says, order aside: equal keys match the same labels."""
        key = self._keys.get(id(selector))
        if key is None:
            key = self._keys[id(selector)] = (
                selector.valid, tuple(sorted(selector.match_labels.items())),
                tuple(sorted((r.key, r.operator, r.values) for r in selector.expressions)))
        return key

    # -- label index -------------------------------------------------------------------------

    def workloads_matching(self, namespace: str, selector: Selector) -> list[Workload]:
        """The workloads of one namespace whose template labels the selector matches, in
        workspace order."""
        key = (namespace, self.selector_key(selector))
        found = self._matching.get(key)
        if found is None:
            found = self._matching[key] = self._workloads_matching(namespace, selector)
        return found

    def _workloads_matching(self, namespace: str, selector: Selector) -> list[Workload]:
        workloads = self.index.workloads_by_ns.get(namespace, ())
        if not selector.valid:
            return []
        candidates = workloads
        if (selector.match_labels or selector.expressions) and len(workloads) > 4:
            postings = self._postings.get(namespace)
            if postings is None:
                postings = {}
                for workload in workloads:
                    for pair in workload.template_labels.items():
                        postings.setdefault(pair, []).append(workload)
                self._postings[namespace] = postings
            for pair in selector.match_labels.items():
                found = postings.get(pair, ())
                if len(found) < len(candidates):
                    candidates = found
                if not candidates:
                    return []
            for requirement in selector.expressions:
                # `key In (v1, v2)`: only the workloads with one of the pairs can match
                if requirement.operator != "In" or len(requirement.values) >= len(candidates):
                    continue
                lists = [postings.get((requirement.key, v), ()) for v in set(requirement.values)]
                if sum(map(len, lists)) < len(candidates):
                    if len(lists) == 1:
                        candidates = lists[0]
                    else:  # several lists: back into workspace order
                        chosen = {id(w) for found in lists for w in found}
                        candidates = [w for w in candidates if id(w) in chosen] if len(chosen) * 4 > len(candidates) \
                            else sorted((w for found in lists for w in found), key=self._position(namespace))
                if not candidates:
                    return []
        return [w for w in candidates if selector.matches(w.template_labels)]

    def _position(self, namespace: str):
        positions = self._positions.get(namespace)
        if positions is None:
            positions = self._positions[namespace] = {
                id(w): i for i, w in enumerate(self.index.workloads_by_ns.get(namespace, ()))}
        return lambda w: positions[id(w)]

    # -- what a policy selects -------------------------------------------------------------

    def selected(self, policy: NetworkPolicy) -> list[Workload]:
        """The workloads of the policy's namespace that spec.podSelector matches."""
        key = id(policy)
        found = self._selected.get(key)
        if found is None:
            found = self.workloads_matching(policy.namespace, policy.pod_selector)
            self._selected[key] = found
        return found

    def namespaces_matching(self, selector: Selector) -> list[NamespaceInfo]:
        key = id(selector)
        found = self._namespaces.get(key)
        if found is None:
            found = self._namespaces[key] = self._namespaces_by_key.get(self.selector_key(selector))
        if found is None:
            candidates: Iterable[NamespaceInfo] = self.index.namespaces.values()
            if selector.valid and selector.match_labels:
                postings = self.index.namespace_postings
                for pair in selector.match_labels.items():
                    posting = postings.get(pair, [])
                    if len(posting) < len(candidates):  # type: ignore[arg-type]
                        candidates = posting
            found = [ns for ns in candidates if selector.matches(ns.labels)]
            self._namespaces[key] = self._namespaces_by_key[self.selector_key(selector)] = found
        return found

    def peer_namespaces(self, policy: NetworkPolicy, peer: Peer) -> list[NamespaceInfo]:
        """The namespaces a cluster peer reaches into: its namespaceSelector's, or the policy's own."""
        if peer.namespace_selector is not None:
            return self.namespaces_matching(peer.namespace_selector)
        return [self.workspace.namespace(policy.namespace)]

    def peer_workloads(self, policy: NetworkPolicy, peer: Peer) -> list[Workload]:
        """Workloads a peer matches: podSelector in the policy's namespace, all pods of the
        namespaceSelector's namespaces, or both ANDed. ipBlock peers match no workload."""
        key = id(peer)
        found = self._peer_workloads.get(key)
        if found is not None:
            return found
        found = []
        if peer.is_cluster_peer:
            pod_selector = peer.pod_selector
            namespaces = self.peer_namespaces(policy, peer)
            said = (tuple(ns.name for ns in namespaces), None if pod_selector is None else self.selector_key(pod_selector))
            cached = self._peers_by_key.get(said)
            if cached is not None:
                found = cached
            else:
                by_ns = self.index.workloads_by_ns
                for ns in namespaces:
                    if pod_selector is None:
                        found.extend(by_ns.get(ns.name, ()))
                    else:
                        found.extend(self.workloads_matching(ns.name, pod_selector))
                self._peers_by_key[said] = found
        self._peer_workloads[key] = found
        return found

    # -- what selects a workload -----------------------------------------------------------

    def selecting(self, workload: Workload) -> list[NetworkPolicy]:
        """The policies whose spec.podSelector matches the workload (only policies of its own
        namespace can: the table is built per namespace, so checking one file stays cheap)."""
        table = self._selecting.get(workload.namespace)
        if table is None:
            table = {}
            for policy in self.index.policies_by_ns.get(workload.namespace, ()):
                for selected in self.selected(policy):
                    table.setdefault(id(selected), []).append(policy)
            self._selecting[workload.namespace] = table
        return table.get(id(workload), [])

    def isolating(self, workload: Workload, direction: str) -> list[NetworkPolicy]:
        """The policies that isolate the workload for a direction ("ingress" or "egress")."""
        return [p for p in self.selecting(workload) if p.affects(direction)]
