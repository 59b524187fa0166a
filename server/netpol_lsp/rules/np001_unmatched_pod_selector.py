"""NP001 unmatched-pod-selector: a policy's spec.podSelector selects no workload in the workspace."""
from __future__ import annotations

from ..findings import Severity
from . import fixes
from .base import describe_workload, did_you_mean, finding, related_workload

ID = "NP001"
NAME = "unmatched-pod-selector"
SEVERITY = Severity.WARNING
SUMMARY = "a policy's spec.podSelector selects no workload in the workspace"


def check(ctx):
    index = ctx.workspace.index
    for policy in ctx.policies():
        selector = policy.pod_selector
        if ctx.resolver.selected(policy) or not selector.valid:
            continue
        candidates = index.workloads_by_ns.get(policy.namespace, [])
        if selector.is_empty():
            continue  # `{}` in a namespace with no workloads here: a default policy, nothing to say
        if index.unknown_pods_by_ns.get(policy.namespace):
            continue  # it may select pods an operator makes of a kind nobody described (NP097 says so)
        if not candidates:
            message = (f"podSelector matches no workload in namespace {policy.namespace}: the workspace has no "
                       f"workloads there, so the policy ({selector.text()}) applies to nothing it can see")
            yield finding(ID, message, policy.path, selector.anchor)
            continue
        message = (f"podSelector matches no workload in namespace {policy.namespace}: "
                   f"no pod template has {selector.text()}")
        guess = did_you_mean(selector, candidates)
        if guess:
            message += f" (did you mean {guess[1]}, on {describe_workload(guess[2])}?)"
        message += ". The policy isolates and allows nothing."
        related = [related_workload(w, f"{describe_workload(w)} has labels "
                                       f"{_labels(w.template_labels)}") for w in candidates[:5]]
        found = finding(ID, message, policy.path, selector.anchor, related)
        if guess:
            fix = fixes.replace_label(ctx, policy.path, selector, guess[0], guess[1], describe_workload(guess[2]))
            if fix is not None:
                found.fixes.append(fix)
        yield found


def _labels(labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items()) or "(none)"
