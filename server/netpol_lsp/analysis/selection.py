"""Selector resolution: which workloads and namespaces a policy's selectors match.

Every answer is cached per workspace generation, so rules, hover and the connectivity engine
share one resolution. Selectors with matchLabels look their candidates up in a per-namespace
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
        self._namespaces: dict[int, list[NamespaceInfo]] = {}
        self._positions: dict[str, dict[int, int]] = {}

    # -- label index -------------------------------------------------------------------------

    def workloads_matching(self, namespace: str, selector: Selector) -> list[Workload]:
        """The workloads of one namespace whose template labels the selector matches, in
        workspace order. Kept on the index by the selector's content (an edit that keeps a
        namespace's workloads keeps the answers about it: the index carries them over)."""
        if not selector.valid:
            return []
        key = selector_key(selector)
        if key is None:
            return self._workloads_matching(namespace, selector)
        cache = self.index.matches.pods.get(namespace)
        if cache is None:
            cache = self.index.matches.pods[namespace] = {}
        found = cache.get(key)
        if found is None:
            found = cache[key] = self._workloads_matching(namespace, selector)
        return found

    def _workloads_matching(self, namespace: str, selector: Selector) -> list[Workload]:
        workloads = self.index.workloads_by_ns.get(namespace, ())
        candidates = workloads
        if (selector.match_labels or selector.expressions) and len(workloads) > 4:
            postings = self.index.matches.postings.get(namespace)
            if postings is None:
                postings = {}
                for workload in workloads:
                    for pair in workload.template_labels.items():
                        postings.setdefault(pair, []).append(workload)
                self.index.matches.postings[namespace] = postings
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
            content = selector_key(selector)
            found = self.index.matches.namespaces.get(content) if content is not None else None
        if found is None:
            candidates: Iterable[NamespaceInfo] = self.index.namespaces.values()
            if selector.valid and selector.match_labels:
                postings = self.index.namespace_postings
                for pair in selector.match_labels.items():
                    posting = postings.get(pair, [])
                    if len(posting) < len(candidates):  # type: ignore[arg-type]
                        candidates = posting
            found = [ns for ns in candidates if selector.matches(ns.labels)]
            if content is not None:
                self.index.matches.namespaces[content] = found
        self._namespaces[key] = found
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
            by_ns = self.index.workloads_by_ns
            pod_selector = peer.pod_selector
            namespaces = self.peer_namespaces(policy, peer)
            # a broad namespaceSelector (every team's prod and staging) reaches most namespaces:
            # its answer is kept on the index too, until a workload of one of them changes
            content = None
            if peer.namespace_selector is not None and len(namespaces) > 1:
                content = (selector_key(peer.namespace_selector),
                           selector_key(pod_selector) if pod_selector is not None else ())
                if None in content:
                    content = None
                else:
                    kept = self.index.matches.peers.get(content)
                    if kept is not None:
                        self._peer_workloads[key] = kept
                        return kept
            for ns in namespaces:
                if pod_selector is None:
                    found.extend(by_ns.get(ns.name, ()))
                else:
                    found.extend(self.workloads_matching(ns.name, pod_selector))
            if content is not None:
                self.index.matches.peers[content] = found
                self.index.matches.peer_namespaces[content] = frozenset(ns.name for ns in namespaces)
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


def selector_key(selector: Selector):
    """A selector's content as a hashable key (kept on the selector: selectors never change),
    or None when it holds something unhashable (a malformed value)."""
    found = selector._key
    if found is False:
        try:
            found = (selector.valid, tuple(selector.match_labels.items()),
                     tuple((r.key, r.operator, tuple(r.values)) for r in selector.expressions))
            found = shared(found)
        except TypeError:
            found = None
        selector._key = found
    return found


# Equal values kept once: a repository repeats the same selectors thousands of times (31,713
# policies at policy factor 10 hold ~290k selectors), and what is kept per selector (its key,
# NP070's implied keys, a rule's port summary) was one copy each: 110 MB of NP070's caches at
# policy factor 5. Cleared when large (a long editing session types many distinct selectors):
# that only loses the sharing.
_SHARED: dict = {}
SHARED_LIMIT = 200_000


def shared(value):
    """The one kept copy of a hashable value equal to `value` (raises TypeError if unhashable)."""
    found = _SHARED.get(value)
    if found is None:
        if len(_SHARED) >= SHARED_LIMIT:
            _SHARED.clear()
        found = _SHARED[value] = value
    return found
