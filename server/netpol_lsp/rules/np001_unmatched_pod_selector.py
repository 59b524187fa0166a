"""NP001 unmatched-pod-selector: a policy's spec.podSelector selects no workload in the workspace."""
from __future__ import annotations

from ..analysis.isolation import SYSTEM_NAMESPACES
from ..findings import Severity
from . import fixes
from .base import describe_workload, finding, related_workload, suggest_pods

ID = "NP001"
NAME = "unmatched-pod-selector"
SEVERITY = Severity.WARNING
SUMMARY = "a policy's spec.podSelector selects no workload in the workspace"


def check(ctx):
    index = ctx.workspace.index
    # namespace not (wholly) shown -> its policies with a label selector that matches nothing shown
    unseen: dict[str, list] = {}
    for policy in ctx.policies():
        selector = policy.pod_selector
        candidates = index.workloads_by_ns.get(policy.namespace, [])
        if index.unknown_pods_by_ns.get(policy.namespace):
            continue  # it may select pods an operator makes of a kind nobody described (NP097 says so)
        if not candidates or policy.namespace in SYSTEM_NAMESPACES:
            by_label = unseen.get(policy.namespace)
            if by_label is None:
                by_label = unseen[policy.namespace] = [
                    p for p in index.policies_by_ns.get(policy.namespace, ())
                    if any(not ctx.resolver.workloads_matching(p.namespace, s) for s in _label_selectors(p))]
            if by_label and by_label[0] is policy:
                first = next(s for s in _label_selectors(policy)
                             if not ctx.resolver.workloads_matching(policy.namespace, s))
                yield _unseen(policy, first, len(by_label), bool(candidates))
            continue
        if selector.is_empty() or not selector.valid or ctx.resolver.selected(policy):
            continue
        message = (f"podSelector matches no workload in namespace {policy.namespace}: "
                   f"no pod template has {selector.text()}")
        guess = suggest_pods(ctx, selector, [policy.namespace])
        if guess:
            message += f" (did you mean {guess.new}, on {describe_workload(guess.owner)}?)"
        message += (", so the policy isolates and allows nothing. Fix the selector to the labels of the pods "
                    "it is meant for")
        related = [related_workload(w, f"{describe_workload(w)} has labels "
                                       f"{_labels(w.template_labels)}") for w in candidates[:5]]
        found = finding(ID, message, policy.path, selector.anchor, related)
        if guess:
            fix = fixes.replace_label(ctx, policy.path, selector, guess.old, guess.new, describe_workload(guess.owner))
            if fix is not None:
                found.fixes.append(fix)
        yield found


def _unseen(policy, selector, count: int, some_seen: bool):
    """Once per namespace the workspace holds no workloads of (a policy-only folder, pods made
    elsewhere), or not all of them (kube-system: the cluster's own components live there): what
    could not be checked, as an info on the first selector that matches nothing shown (the
    workspace order makes it stable)."""
    what = f"{count} polic{'ies' if count > 1 else 'y'}"
    if some_seen:
        reason = (f"namespace {policy.namespace} holds cluster components the workspace does not show, so whether "
                  f"the pod selectors of {what} there ({selector.text()}{', ...' if count > 1 else ''}) select any "
                  "pod could not be checked")
        remedy = f"Compare them with kubectl get pods -n {policy.namespace} --show-labels"
    else:
        reason = (f"the workspace holds no workloads in namespace {policy.namespace}, so whether the pod selectors "
                  f"of {what} there ({selector.text()}{', ...' if count > 1 else ''}) select any pod could not be "
                  "checked")
        remedy = "Add the manifests of its workloads to the checked paths to have them checked"
    return finding(ID, f"{reason}. {remedy}", policy.path, selector.anchor, severity=Severity.INFO)


def _label_selectors(policy) -> list:
    """The selectors of a policy that pick pods of its own namespace by label: its podSelector
    and its pod-only peers, when not empty."""
    found = [policy.pod_selector] if policy.pod_selector.valid and not policy.pod_selector.is_empty() else []
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            for peer in rule.peers or ():
                selector = peer.pod_selector
                if (peer.namespace_selector is None and peer.ip_block is None and selector is not None
                        and selector.valid and not selector.is_empty()):
                    found.append(selector)
    return found


def _labels(labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items()) or "(none)"
