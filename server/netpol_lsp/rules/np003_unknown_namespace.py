"""NP003 unknown-namespace: a policy, or a kubernetes.io/metadata.name selector, names a namespace
the workspace never defines or uses."""
from __future__ import annotations

from ..analysis.suggest import one_edit_apart
from ..findings import Severity
from ..manifests.nodes import Mapping, Scalar, Sequence
from ..model.objects import NAMESPACE_NAME_LABEL
from .base import finding

ID = "NP003"
NAME = "unknown-namespace"
SEVERITY = Severity.WARNING
SUMMARY = "a policy or a kubernetes.io/metadata.name selector names a namespace the workspace never defines"


def check(ctx):
    """A name one typo away from a namespace the workspace holds is a warning with the fix; any
    other unknown name is a namespace this repository does not show (made by an installer, by
    another repository): an info saying what could not be checked, once per namespace for the
    policies that live there."""
    index = ctx.workspace.index
    # names worth suggesting: namespaces that really hold something, not ones a policy merely names
    known = sorted(set(index.defined_namespaces) | set(index.workloads_by_ns))
    for policy in ctx.policies():
        if not index.is_known_namespace(policy.namespace):
            meta = policy.node.get("metadata")
            node = meta.get("namespace") if isinstance(meta, Mapping) else None
            span = node.span if node is not None else policy.kind_span
            guess = _guess(policy.namespace, known)
            if guess:
                yield finding(ID, f"namespace '{policy.namespace}' is not defined in the workspace and no workload "
                              f"lives there (did you mean '{guess}'?), so the policy protects nothing here. Fix the "
                              "namespace, or define it", policy.path, span)
            elif index.policies_by_ns[policy.namespace][0] is policy:
                count = len(index.policies_by_ns[policy.namespace])
                yield finding(ID, f"namespace '{policy.namespace}' is not defined in the workspace and no workload "
                              f"lives there, so what its {count} polic{'ies select' if count > 1 else 'y selects'} could not "
                              "be checked. Define the Namespace, or list it under assumeNamespaces",
                              policy.path, span, severity=Severity.INFO)
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    selector = peer.namespace_selector
                    if selector is None or not isinstance(selector.node, Mapping) or \
                            not _may_name_unknown(index, selector):
                        continue
                    for name, node in _named(selector):
                        if not _unknown(index, name):
                            continue
                        guess = _guess(name, known)
                        if guess:
                            yield finding(ID, f"namespaceSelector names namespace '{name}', which the workspace "
                                          f"never defines or uses (did you mean '{guess}'?), so this peer admits "
                                          "nothing it can see. Fix the name", policy.path, node.span)
                        else:
                            yield finding(ID, f"namespaceSelector names namespace '{name}', which the workspace "
                                          "never defines or uses, so the pods this peer admits there could not be "
                                          "checked. Define the Namespace, or list it under assumeNamespaces",
                                          policy.path, node.span, severity=Severity.INFO)


def _unknown(index, name: str) -> bool:
    return name not in index.namespaces and not index.is_known_namespace(name)


def names_unknown_namespace(index, selector) -> bool:
    """Whether NP003 flags a namespace this selector names (NP002 then stays silent on it)."""
    return isinstance(selector.node, Mapping) and _may_name_unknown(index, selector) and any(
        _unknown(index, name) for name, _ in _named(selector))


def _names_any(selector) -> bool:
    return NAMESPACE_NAME_LABEL in selector.match_labels or any(
        r.key == NAMESPACE_NAME_LABEL and r.operator == "In" for r in selector.expressions)


def _may_name_unknown(index, selector) -> bool:
    """False when the model shows that every namespace the selector names is known: its values
    are the scalars' texts (an empty one, from a null or a non-scalar, is looked up in the
    nodes), so the nodes need not be read (a policy's spec is not kept whole: model/slim.py)."""
    if not _names_any(selector):
        return False
    names = [r_value for r in selector.expressions if r.key == NAMESPACE_NAME_LABEL and r.operator == "In"
             for r_value in r.values]
    if NAMESPACE_NAME_LABEL in selector.match_labels:
        names.append(selector.match_labels[NAMESPACE_NAME_LABEL])
    return any(not name or _unknown(index, name) for name in names)


def _named(selector):
    """(namespace name, value node) for each kubernetes.io/metadata.name the selector names."""
    if not _names_any(selector):
        return  # the model has every matchLabels key: none names a namespace, and no tree is read
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
    """The one known namespace a typo away from name (analysis/suggest.py), or ""."""
    close = [k for k in known if one_edit_apart(name, k)]
    return close[0] if len(close) == 1 else ""
