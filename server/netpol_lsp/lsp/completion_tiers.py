"""Completion in ClusterNetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy, as
completion.py does in NetworkPolicies: label keys and values in the subject's and peers'
selectors (namespace labels for namespace selectors, pod template labels for pod selectors),
`tier`, each rule's `action` (the kind's own words), v1alpha1 port protocols, and the named
ports of the pods a rule's ports resolve on (`namedPort`, `destinationNamedPort`)."""
from __future__ import annotations

from typing import Optional

from ..model import ClusterPolicy
from ..model.build import PROTOCOLS
from ..model.cluster import CLUSTER_KINDS

ACTIONS = {
    "ClusterNetworkPolicy": ("Accept", "Deny", "Pass"),
    "AdminNetworkPolicy": ("Allow", "Deny", "Pass"),
    "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
}


def cluster_kind_at(source, lines: list[str], line: int) -> Optional[tuple[str, Optional[ClusterPolicy]]]:
    """The cluster kind of the document at a line, and its parsed policy when it parses."""
    best = None
    for obj in source.objects:
        span = obj.node.span
        if isinstance(obj, ClusterPolicy) and span.start_line <= line <= span.end_line:
            best = obj
    if best is not None:
        return best.kind, best
    for number in range(min(line, len(lines) - 1), -1, -1):
        text = lines[number]
        if text.startswith("---"):
            return None
        if text.startswith("kind:"):
            kind = text[5:].strip().strip("\"'")
            return (kind, None) if kind in CLUSTER_KINDS else None
    return None


def _selector_labels(ctx, policy: Optional[ClusterPolicy], path: list) -> Optional[tuple[list[dict], str]]:
    """(labels of each candidate, noun) for the selector at path."""
    index = ctx.workspace.index
    last = path[-1] if path else None
    namespace_selector = last == "namespaces" or last == "namespaceSelector"
    if namespace_selector:
        return [ns.labels for ns in index.namespaces.values()], "namespace"
    if last == "podSelector":
        names = None
        tiers = ctx.tiers
        if policy is not None and tiers is not None:
            selector = _sibling_namespace_selector(policy, path)
            if selector is not None:
                names = [ns.name for ns in index.namespaces.values() if selector.matches(ns.labels)]
        workloads = index.workloads if names is None else [w for n in names for w in index.workloads_by_ns.get(n, ())]
        return [w.template_labels for w in workloads], "workload"
    return None


def _sibling_namespace_selector(policy: ClusterPolicy, path: list):
    if path[:3] == ["spec", "subject", "pods"]:
        return policy.subject_namespaces
    if len(path) >= 6 and path[1] in ("ingress", "egress") and isinstance(path[2], int) and isinstance(path[4], int):
        rule = next((r for r in policy.rules(path[1]) if r.index == path[2]), None)
        peer = next((p for p in rule.peers if p.index == path[4]), None) if rule is not None else None
        return peer.namespace_selector if peer is not None else None
    return None


def _port_targets(ctx, policy: Optional[ClusterPolicy], direction: str, index) -> list:
    tiers = ctx.tiers
    if policy is None or tiers is None:
        return list(ctx.workspace.workloads)
    if direction == "ingress":
        return tiers.subjects(policy)
    rule = next((r for r in policy.egress if r.index == index), None)
    if rule is None:
        return list(ctx.workspace.workloads)
    return [w for peer in rule.peers for w in tiers.peer_workloads(peer)]


def complete_cluster(ctx, kind: str, policy: Optional[ClusterPolicy], cursor, line: int, before: str):
    from .completion import _named_ports, _words, complete_selector

    path = cursor.path
    in_selector = complete_selector(cursor, line, before, lambda owner: _selector_labels(ctx, policy, owner))
    if in_selector is not None:
        return in_selector
    if cursor.role != "value":
        return []
    if path == ["spec", "tier"] and kind == "ClusterNetworkPolicy":
        return _words(line, cursor, ("Admin", "Baseline"), before, "tier: Admin before NetworkPolicy, Baseline after")
    if len(path) == 4 and path[0] == "spec" and path[1] in ("ingress", "egress") and isinstance(path[2], int):
        if path[3] == "action":
            return _words(line, cursor, ACTIONS[kind], before, f"{kind} rule action")
    if len(path) >= 6 and path[0] == "spec" and path[1] in ("ingress", "egress") and isinstance(path[2], int):
        if path[3] == "ports" and path[-1] == "protocol":
            return _words(line, cursor, PROTOCOLS, before, "protocol (default TCP)")
        if (path[3], path[-1]) in (("ports", "namedPort"), ("protocols", "destinationNamedPort")):
            return _named_ports(line, cursor, _port_targets(ctx, policy, path[1], path[2]), None, before)
    return []
