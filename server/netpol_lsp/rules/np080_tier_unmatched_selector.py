"""NP080 tier-unmatched-selector: a ClusterNetworkPolicy, AdminNetworkPolicy or
BaselineAdminNetworkPolicy whose subject, or one of whose namespaces/pods peers, selects no pod.

As NP002 does, namespaces the workspace cannot see into (no workloads here, such as
kube-system) are not guessed at, and neither are namespace labels when the workspace defines
no Namespace at all."""
from __future__ import annotations

from typing import Optional

from ..findings import Severity
from ..model.objects import NAMESPACE_NAME_LABEL
from .base import finding

ID = "NP080"
NAME = "tier-unmatched-selector"
SEVERITY = Severity.WARNING
SUMMARY = "a cluster policy's subject or namespaces/pods peer that selects no pod"


def check(ctx):
    for policy in ctx.cluster_policies():
        if policy.subject_valid and policy.subject_namespaces is not None:
            why = _nothing(ctx, policy.subject_namespaces, policy.subject_pods)
            if why:
                anchor = policy.subject_node.span if policy.subject_node is not None else policy.kind_span
                yield finding(ID, f"subject selects no pod: {why}, so {policy.label} applies to nothing",
                              policy.path, anchor)
        for direction in ("ingress", "egress"):
            word = "from" if direction == "ingress" else "to"
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    if peer.kind not in ("namespaces", "pods"):
                        continue
                    why = _nothing(ctx, peer.namespace_selector, peer.pod_selector if peer.kind == "pods" else None)
                    if why:
                        yield finding(ID, f"'{word}' peer of {rule.label} selects no pod: {why}, so this peer "
                                      f"matches no traffic", policy.path, peer.node.span)


def _nothing(ctx, namespaces_selector, pod_selector) -> Optional[str]:
    """Why the pair of selectors selects no pod, or None when it selects some or we cannot know."""
    index = ctx.workspace.index
    if not namespaces_selector.valid or (pod_selector is not None and not pod_selector.valid):
        return None  # the API server rejects it: NP060 says so
    namespaces = ctx.resolver.namespaces_matching(namespaces_selector)
    if not namespaces:
        names = NAMESPACE_NAME_LABEL in namespaces_selector.match_labels or any(
            r.key == NAMESPACE_NAME_LABEL for r in namespaces_selector.expressions)
        if not index.defined_namespaces and not names:
            return None  # no Namespace defined here: their labels are unknown
        return f"no namespace has {namespaces_selector.text()}"
    populated = [ns for ns in namespaces if index.workloads_by_ns.get(ns.name)]
    if not populated:
        return None  # namespaces whose pods this workspace does not hold
    candidates = [w for ns in populated for w in index.workloads_by_ns[ns.name]]
    matching = [w for w in candidates if pod_selector is None or pod_selector.matches(w.template_labels)]
    where = ", ".join(ns.name for ns in populated[:5]) + (", ..." if len(populated) > 5 else "")
    if not matching:
        return f"no pod template in {where} has {pod_selector.text()}"
    if all(w.host_network for w in matching):
        return f"the pods it matches in {where} all run with hostNetwork: true, which these policies never select"
    return None
