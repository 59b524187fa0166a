"""Selector resolution: which workloads and namespaces a policy's selectors match.

Every answer is cached per workspace generation, so rules, hover and the connectivity engine
share one resolution.
"""
from __future__ import annotations

from typing import Optional

from ..model import NetworkPolicy, Peer, Selector, Workload
from ..workspace import NamespaceInfo, Workspace


class Resolver:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.index = workspace.index
        self._selected: dict[int, list[Workload]] = {}
        self._peer_workloads: dict[int, list[Workload]] = {}
        self._selecting: Optional[dict[int, list[NetworkPolicy]]] = None

    # -- what a policy selects -------------------------------------------------------------

    def selected(self, policy: NetworkPolicy) -> list[Workload]:
        """The workloads of the policy's namespace that spec.podSelector matches."""
        key = id(policy)
        found = self._selected.get(key)
        if found is None:
            found = [w for w in self.index.workloads_by_ns.get(policy.namespace, ())
                     if policy.pod_selector.matches(w.template_labels)]
            self._selected[key] = found
        return found

    def namespaces_matching(self, selector: Selector) -> list[NamespaceInfo]:
        return [ns for ns in self.index.namespaces.values() if selector.matches(ns.labels)]

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
            for ns in self.peer_namespaces(policy, peer):
                for workload in by_ns.get(ns.name, ()):
                    if pod_selector is None or pod_selector.matches(workload.template_labels):
                        found.append(workload)
        self._peer_workloads[key] = found
        return found

    # -- what selects a workload -----------------------------------------------------------

    def selecting(self, workload: Workload) -> list[NetworkPolicy]:
        """The policies whose spec.podSelector matches the workload."""
        if self._selecting is None:
            table: dict[int, list[NetworkPolicy]] = {}
            for policy in self.index.policies:
                for selected in self.selected(policy):
                    table.setdefault(id(selected), []).append(policy)
            self._selecting = table
        return self._selecting.get(id(workload), [])

    def isolating(self, workload: Workload, direction: str) -> list[NetworkPolicy]:
        """The policies that isolate the workload for a direction ("ingress" or "egress")."""
        return [p for p in self.selecting(workload) if p.affects(direction)]
