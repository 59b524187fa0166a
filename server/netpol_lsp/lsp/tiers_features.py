"""Code lens, inlay hints and go to definition on the cluster policies (ClusterNetworkPolicy,
Admin/BaselineAdminNetworkPolicy), as lens.py, inlay.py and navigation.py give them on
NetworkPolicies: what the subject and each peer select, and where those workloads are written."""
from __future__ import annotations

from typing import Optional

from ..model import ClusterPolicy, Workload
from ..span import Span

Place = tuple[str, Span]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def lens_title(ctx, policy: ClusterPolicy) -> str:
    """"Admin tier, priority 10 · selects 3 workloads · ingress: 1 Deny, 1 Pass · egress: 2 Accept"."""
    tiers = ctx.tiers
    head = f"{policy.tier} tier" + (f", priority {policy.priority}" if policy.priority is not None else "")
    parts = [head, f"selects {_count(len(tiers.subjects(policy)) if tiers else 0, 'workload')}"]
    for direction in ("ingress", "egress"):
        rules = policy.rules(direction)
        if not rules:
            continue
        counts: dict[str, int] = {}
        for rule in rules:
            counts[rule.written_action or "?"] = counts.get(rule.written_action or "?", 0) + 1
        parts.append(f"{direction}: " + ", ".join(f"{n} {action}" for action, n in counts.items()))
    return " · ".join(parts)


def subject_places(ctx, policy: ClusterPolicy, place_of) -> list[Place]:
    tiers = ctx.tiers
    return [] if tiers is None else [place_of(ctx, w) for w in tiers.subjects(policy)]


def hint_items(ctx, policy: ClusterPolicy) -> list[tuple[object, str, list[Workload]]]:
    """(node to put the hint on, label, workloads) for the subject and each namespaces/pods peer."""
    tiers = ctx.tiers
    if tiers is None:
        return []
    items = []
    if policy.subject_valid and policy.subject_node is not None:
        subjects = tiers.subjects(policy)
        items.append((policy.subject_node, _count(len(subjects), "pod"), subjects))
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            for peer in rule.peers:
                if peer.kind in ("namespaces", "pods"):
                    workloads = tiers.peer_workloads(peer)
                    items.append((peer.node, _count(len(workloads), "pod"), workloads))
    return items


def definition(ctx, policy: ClusterPolicy, keys: list, place_of) -> Optional[list[Place]]:
    """From the subject or a peer to the workloads it selects."""
    tiers = ctx.tiers
    if tiers is None or len(keys) < 2 or keys[0] != "spec":
        return None
    if keys[1] == "subject":
        return subject_places(ctx, policy, place_of)
    if keys[1] in ("ingress", "egress") and len(keys) >= 5 and isinstance(keys[2], int) \
            and keys[3] in ("from", "to") and isinstance(keys[4], int):
        rule = next((r for r in policy.rules(keys[1]) if r.index == keys[2]), None)
        peer = next((p for p in rule.peers if p.index == keys[4]), None) if rule is not None else None
        if peer is not None:
            return [place_of(ctx, w) for w in tiers.peer_workloads(peer)]
    return None
