"""Go to definition and find references: from a selector to what it matches, and back.

- definition on spec.podSelector -> the workloads the policy selects; on a peer's podSelector
  -> the workloads the peer matches (its namespaceSelector ANDed in); on a namespaceSelector ->
  the Namespaces it matches (those the workspace defines); on a named port -> the container
  ports declaring it on the target pods. A workload's place is its pod template's labels (its
  kind when it has none); a Namespace's its labels (or its name).
- references on a workload (its kind, name or pod template labels) -> the policies' podSelectors
  that select it and the from/to peers that match it; on a Namespace -> the namespaceSelectors
  that match it.

Everything is answered from the analysis context the session already has (the Resolver caches
each selector's answer), never by analysing again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from ..manifests.edits import key_value_span, text_of
from ..manifests.nodes import Mapping
from ..model import ClusterPolicy, NetworkPolicy, Peer, PortSpec, Rule, Workload
from ..model.objects import WORKLOAD_KINDS, K8sObject, Namespace
from ..rules.base import RuleContext
from ..span import Span
from ..workspace import SourceFile
from .hover import _declares, _targets
from ..render.origin import is_written
from .node_at import Key, node_path_at, object_at

Place = tuple[str, Span]  # (path, span)


@dataclass
class SelectorAt:
    """A selector under the cursor: which one, in which policy."""

    policy: NetworkPolicy
    kind: str  # "pod" (spec.podSelector) | "peer" (a peer's podSelector) | "namespace" (a namespaceSelector)
    rule: Optional[Rule] = None
    peer: Optional[Peer] = None


def _found(source: SourceFile, line: int, col: int):
    path = node_path_at(source.documents, line, col)
    if path is None:
        return None
    return object_at(source.objects, path)


def selector_of(policy: NetworkPolicy, keys: list[Key]) -> Optional[SelectorAt]:
    """The selector a key path (from the policy's root) is in, if any."""
    if keys[:2] == ["spec", "podSelector"]:
        return SelectorAt(policy, "pod")
    if len(keys) >= 6 and keys[0] == "spec" and keys[1] in ("ingress", "egress") and isinstance(keys[2], int) \
            and keys[3] == ("from" if keys[1] == "ingress" else "to") and isinstance(keys[4], int) \
            and keys[5] in ("podSelector", "namespaceSelector"):
        rule = next((r for r in policy.rules(keys[1]) if r.index == keys[2]), None)
        peer = next((p for p in (rule.peers or ()) if p.index == keys[4]), None) if rule is not None else None
        if peer is None:
            return None
        return SelectorAt(policy, "peer" if keys[5] == "podSelector" else "namespace", rule, peer)
    return None


def _port_of(policy: NetworkPolicy, keys: list[Key], nodes) -> Optional[tuple[Rule, PortSpec]]:
    if len(keys) >= 6 and keys[0] == "spec" and keys[1] in ("ingress", "egress") and isinstance(keys[2], int) \
            and keys[3] == "ports" and isinstance(keys[4], int) and keys[5] == "port":
        rule = next((r for r in policy.rules(keys[1]) if r.index == keys[2]), None)
        spec = next((s for s in (rule.ports or ()) if s.node is nodes[5]), None) if rule is not None else None
        if spec is not None and isinstance(spec.port, str):
            return rule, spec
    return None


# --- places ---------------------------------------------------------------------------------

def _span(ctx: RuleContext, path: str, key, value) -> Optional[Span]:
    source = ctx.workspace.files.get(path)
    if source is None or is_written(value.span) or (key is not None and is_written(key.span)):
        return None  # written by a kustomization (render/origin.py): no text of its own here
    return key_value_span(text_of(source), key, value)


def workload_place(ctx: RuleContext, workload: Workload) -> Place:
    """The pod template's `labels:` with its labels; the kind when there are none."""
    node = workload.node
    for step in WORKLOAD_KINDS.get(workload.kind, ()):
        node = node.get(step) if isinstance(node, Mapping) else None
    meta = node.get("metadata") if isinstance(node, Mapping) else None
    if isinstance(meta, Mapping) and meta.key("labels") is not None:
        span = _span(ctx, workload.path, meta.key("labels"), meta.get("labels"))
        if span is not None:
            return workload.path, span
    return workload.path, workload.kind_span


def namespace_place(ctx: RuleContext, namespace: Namespace) -> Place:
    meta = namespace.node.get("metadata")
    if isinstance(meta, Mapping):
        if meta.key("labels") is not None:
            span = _span(ctx, namespace.path, meta.key("labels"), meta.get("labels"))
            if span is not None:
                return namespace.path, span
        if meta.get("name") is not None:
            return namespace.path, meta.get("name").span
    return namespace.path, namespace.kind_span


def pod_selector_place(ctx: RuleContext, policy: NetworkPolicy) -> Place:
    selector = policy.pod_selector
    span = _span(ctx, policy.path, selector.key_node, selector.node) if selector.key_node is not None else None
    return policy.path, span or policy.kind_span


def peer_place(ctx: RuleContext, policy: NetworkPolicy, peer: Peer) -> Place:
    span = _span(ctx, policy.path, None, peer.node)
    return policy.path, span or peer.node.span


def namespace_selector_place(ctx: RuleContext, policy: NetworkPolicy, peer: Peer) -> Place:
    selector = peer.namespace_selector
    span = _span(ctx, policy.path, selector.key_node, selector.node) if selector is not None else None
    return policy.path, span or peer.node.span


# --- definition -----------------------------------------------------------------------------

def matched_places(ctx: RuleContext, at: SelectorAt) -> list[Place]:
    """Where the things a selector matches are written."""
    resolver = ctx.resolver
    if at.kind == "pod":
        return [workload_place(ctx, w) for w in resolver.selected(at.policy)]
    if at.kind == "peer":
        return [workload_place(ctx, w) for w in resolver.peer_workloads(at.policy, at.peer)]
    return [namespace_place(ctx, ns.defined_by) for ns in resolver.namespaces_matching(at.peer.namespace_selector)
            if ns.defined_by is not None]


def definition(ctx: RuleContext, source: SourceFile, line: int, col: int) -> Optional[list[Place]]:
    found = _found(source, line, col)
    if found is not None and isinstance(found[0], ClusterPolicy):
        from .tiers_features import definition as cluster_definition

        return cluster_definition(ctx, found[0], found[1], workload_place)
    if found is None or not isinstance(found[0], NetworkPolicy):
        return None
    policy, keys, nodes = found
    at = selector_of(policy, keys)
    if at is not None:
        return matched_places(ctx, at)
    port = _port_of(policy, keys, nodes)
    if port is not None:
        rule, spec = port
        return [(w.path, _span(ctx, w.path, None, p.node) or p.node.span)
                for w in _targets(ctx, policy, rule) for p in w.ports if _declares(p, spec)]
    return None


# --- references -----------------------------------------------------------------------------

def _peers(policy: NetworkPolicy) -> Iterator[Peer]:
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            yield from rule.peers or ()


def _on_identity_or_labels(obj: K8sObject, keys: list[Key]) -> bool:
    if keys in (["kind"], ["metadata", "name"]):
        return True
    labels = list(WORKLOAD_KINDS.get(obj.kind, ())) + ["metadata", "labels"] if isinstance(obj, Workload) \
        else ["metadata", "labels"]
    return keys[:len(labels)] == labels


def selecting_places(ctx: RuleContext, workload: Workload) -> list[Place]:
    """The podSelectors of the policies selecting a workload, then the peers matching it."""
    resolver = ctx.resolver
    places = [pod_selector_place(ctx, p) for p in resolver.selecting(workload)]
    for policy in ctx.workspace.policies:
        for peer in _peers(policy):
            if peer.is_cluster_peer and any(w is workload for w in resolver.peer_workloads(policy, peer)):
                places.append(peer_place(ctx, policy, peer))
    return places


def namespace_selecting_places(ctx: RuleContext, name: str) -> list[Place]:
    places = []
    for policy in ctx.workspace.policies:
        for peer in _peers(policy):
            if peer.namespace_selector is not None and peer.ip_block is None and any(
                    ns.name == name for ns in ctx.resolver.namespaces_matching(peer.namespace_selector)):
                places.append(namespace_selector_place(ctx, policy, peer))
    return places


def references(ctx: RuleContext, source: SourceFile, line: int, col: int,
               include_declaration: bool) -> Optional[list[Place]]:
    found = _found(source, line, col)
    if found is None:
        return None
    obj, keys, _nodes = found
    if not _on_identity_or_labels(obj, keys):
        return None
    if isinstance(obj, Workload):
        places = selecting_places(ctx, obj)
        return ([workload_place(ctx, obj)] if include_declaration else []) + places
    if isinstance(obj, Namespace):
        places = namespace_selecting_places(ctx, obj.name)
        return ([namespace_place(ctx, obj)] if include_declaration else []) + places
    return None
