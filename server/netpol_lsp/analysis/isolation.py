"""Which namespaces have isolated workloads: NP025 compares a namespace with its sisters.

A namespace counts when it holds workloads a policy can reach (not on the host network) and is
not one of the cluster's own (kube-system and the like, which repositories rarely isolate). It
is isolated when some policy isolates one of those workloads in some direction.
"""
from __future__ import annotations

from typing import Optional

from ..span import Span
from .selection import Resolver

SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


def counted(index, namespace: str) -> list:
    """The workloads of a namespace that policies can isolate; [] when it does not count."""
    if namespace in SYSTEM_NAMESPACES:
        return []
    return [w for w in index.workloads_by_ns.get(namespace, ()) if not w.host_network]


def counts(index, namespace: str) -> bool:
    """Whether counted() is not empty, without making its list (asked of every namespace)."""
    if namespace in SYSTEM_NAMESPACES:
        return False
    for workload in index.workloads_by_ns.get(namespace, ()):
        if not workload.host_network:
            return True
    return False


def isolated(index, resolver: Resolver, namespace: str) -> Optional[bool]:
    """None when the namespace does not count; else whether a policy isolates one of its workloads."""
    workloads = counted(index, namespace)
    if not workloads:
        return None
    return any(resolver.isolating(w, "ingress") or resolver.isolating(w, "egress") for w in workloads)


def anchor(index, namespace: str) -> tuple[str, Span]:
    """Where a finding about a whole namespace goes: its Namespace's name, else its first workload."""
    defined = index.defined_namespaces.get(namespace)
    if defined is not None:
        node = defined.name_node
        return defined.path, (node.span if node is not None else defined.kind_span)
    first = index.workloads_by_ns[namespace][0]
    return first.path, first.kind_span


def anchor_path(index, namespace: str) -> str:
    """The file of anchor(): without reading the name's node."""
    defined = index.defined_namespaces.get(namespace)
    return defined.path if defined is not None else index.workloads_by_ns[namespace][0].path


def anchor_paths(index) -> set[str]:
    """The files NP025 may report in: one per counted namespace."""
    return {anchor(index, ns)[0] for ns in index.workloads_by_ns if counts(index, ns)}
