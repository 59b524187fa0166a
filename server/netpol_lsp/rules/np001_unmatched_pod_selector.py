"""NP001 unmatched-pod-selector: a policy's spec.podSelector selects no workload in the workspace."""
from __future__ import annotations

from ..findings import Severity
from . import fixes
from .base import describe_workload, finding, related_workload, suggest_pods

ID = "NP001"
NAME = "unmatched-pod-selector"
SEVERITY = Severity.WARNING
SUMMARY = "a policy's spec.podSelector selects no workload in the workspace"


def check(ctx):
    index = ctx.workspace.index
    unseen: dict[str, list] = {}  # namespace without workloads -> its policies that select by label
    for policy in ctx.policies():
        selector = policy.pod_selector
        candidates = index.workloads_by_ns.get(policy.namespace, [])
        if not candidates:
            by_label = unseen.get(policy.namespace)
            if by_label is None:
                by_label = unseen[policy.namespace] = [p for p in index.policies_by_ns.get(policy.namespace, ())
                                                       if _label_selectors(p)]
            if by_label and by_label[0] is policy:
                yield _unseen(policy, len(by_label))
        if not candidates or selector.is_empty() or not selector.valid or ctx.resolver.selected(policy):
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


def _unseen(policy, count: int):
    """Once per namespace the workspace holds no workloads of (a policy-only folder, pods made
    elsewhere): what could not be checked, as an info on the first policy that selects by label
    there (the workspace order makes it stable)."""
    what = f"the pod selectors of {count} polic{'ies' if count > 1 else 'y'}"
    message = (f"the workspace holds no workloads in namespace {policy.namespace}, so whether {what} there "
               f"({_label_selectors(policy)[0].text()}{', ...' if count > 1 else ''}) select any pod could not "
               "be checked. Add the manifests of its workloads to the checked paths to have them checked")
    return finding(ID, message, policy.path, _label_selectors(policy)[0].anchor, severity=Severity.INFO)


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
