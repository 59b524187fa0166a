"""Inlay hints: at the end of each selector's line, how much it matches.

"→ 3 pods" after spec.podSelector (the workloads the policy selects) and after a peer's
podSelector (the workloads the peer matches, its namespaceSelector ANDed in); "→ 2 namespaces"
after a namespaceSelector, with the pods when the peer has no podSelector. Counts are of
workloads (pod templates), as everywhere else. Two selectors on one line share one hint.
"""
from __future__ import annotations

from typing import Optional

from lsprotocol import types

from ..model import ClusterPolicy, NetworkPolicy, Workload
from ..rules.base import RuleContext
from ..span import Span, utf16_len
from ..workspace import SourceFile
from .tiers_features import hint_items

CAP = 10


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _names(workloads: list[Workload]) -> str:
    lines = [f"- {w.kind} {w.namespace}/{w.name}" for w in workloads[:CAP]]
    if len(workloads) > CAP:
        lines.append(f"- … and {len(workloads) - CAP} more")
    return "\n".join(lines) or "no workload in the workspace"


def inlay_hints(ctx: RuleContext, source: SourceFile, visible: Optional[Span] = None) -> list[types.InlayHint]:
    by_line: dict[int, list[tuple[str, str]]] = {}

    def add(node, label: str, tooltip: str) -> None:
        if node is None:
            return
        line = node.span.start_line
        if visible is None or visible.start_line <= line <= visible.end_line:
            by_line.setdefault(line, []).append((label, tooltip))

    resolver = ctx.resolver
    for policy in source.objects:
        if isinstance(policy, ClusterPolicy):  # the subject and each namespaces/pods peer
            for node, label, workloads in hint_items(ctx, policy):
                add(node, label, f"Selected:\n{_names(workloads)}")
            continue
        if not isinstance(policy, NetworkPolicy):
            continue
        selected = resolver.selected(policy)
        add(policy.pod_selector.key_node if policy.spec_key("podSelector") is not None else None,
            _count(len(selected), "pod"), f"Selected by {policy.namespace}/{policy.name}:\n{_names(selected)}")
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    if not peer.is_cluster_peer:
                        continue
                    workloads = resolver.peer_workloads(policy, peer)
                    tooltip = f"Matched by this peer:\n{_names(workloads)}"
                    if peer.namespace_selector is not None:
                        namespaces = resolver.namespaces_matching(peer.namespace_selector)
                        label = _count(len(namespaces), "namespace")
                        if peer.pod_selector is None:
                            label += f" · {_count(len(workloads), 'pod')}"
                        add(peer.namespace_selector.key_node, label,
                            "Namespaces: " + (", ".join(ns.name for ns in namespaces[:CAP]) or "none")
                            + (f" and {len(namespaces) - CAP} more" if len(namespaces) > CAP else ""))
                    if peer.pod_selector is not None:
                        add(peer.pod_selector.key_node, _count(len(workloads), "pod"), tooltip)
    lines = source.lines
    hints = []
    for line in sorted(by_line):
        labels = by_line[line]
        end = utf16_len(lines[line].rstrip("\r")) if line < len(lines) else 0
        hints.append(types.InlayHint(
            position=types.Position(line=line, character=end), label="→ " + " · ".join(label for label, _ in labels),
            padding_left=True, tooltip="\n\n".join(tip for _, tip in labels)))
    return hints
