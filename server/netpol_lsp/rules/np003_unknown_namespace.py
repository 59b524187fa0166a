"""NP003 unknown-namespace: a policy, or a kubernetes.io/metadata.name selector, names a namespace
the workspace never defines or uses."""
from __future__ import annotations

import difflib

from ..findings import Severity
from ..manifests.nodes import Mapping, Scalar, Sequence
from ..model.objects import NAMESPACE_NAME_LABEL
from .base import finding

ID = "NP003"
NAME = "unknown-namespace"
SEVERITY = Severity.WARNING
SUMMARY = "a policy or a kubernetes.io/metadata.name selector names a namespace the workspace never defines"


def check(ctx):
    index = ctx.workspace.index
    # names worth suggesting: namespaces that really hold something, not ones a policy merely names
    known = sorted(set(index.defined_namespaces) | set(index.workloads_by_ns))
    for policy in ctx.policies():
        if not index.is_known_namespace(policy.namespace):
            meta = policy.node.get("metadata")
            node = meta.get("namespace") if isinstance(meta, Mapping) else None
            span = node.span if node is not None else policy.kind_span
            yield finding(ID, f"namespace '{policy.namespace}' is not defined in the workspace and no workload lives "
                          f"there{_guess(policy.namespace, known)}: the policy protects nothing here "
                          "(define the Namespace, or list it under assumeNamespaces)", policy.path, span)
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    selector = peer.namespace_selector
                    if selector is None or not isinstance(selector.node, Mapping):
                        continue
                    for name, node in _named(selector):
                        if _unknown(index, name):
                            yield finding(ID, f"namespaceSelector names namespace '{name}', which the workspace "
                                          f"never defines or uses{_guess(name, known)}", policy.path, node.span)


def _unknown(index, name: str) -> bool:
    return name not in index.namespaces and not index.is_known_namespace(name)


def names_unknown_namespace(index, selector) -> bool:
    """Whether NP003 flags a namespace this selector names (NP002 then stays silent on it)."""
    return isinstance(selector.node, Mapping) and any(_unknown(index, name) for name, _ in _named(selector))


def _named(selector):
    """(namespace name, value node) for each kubernetes.io/metadata.name the selector names."""
    labels = selector.node.get("matchLabels")
    if isinstance(labels, Mapping):
        value = labels.get(NAMESPACE_NAME_LABEL)
        if isinstance(value, Scalar):
            yield value.value, value
    for requirement in selector.expressions:
        if requirement.key == NAMESPACE_NAME_LABEL and requirement.operator == "In":
            values = requirement.node.get("values") if isinstance(requirement.node, Mapping) else None
            for item in values.items if isinstance(values, Sequence) else ():
                if isinstance(item, Scalar):
                    yield item.value, item


def _guess(name, known) -> str:
    close = difflib.get_close_matches(name, [k for k in known if k != name], n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
