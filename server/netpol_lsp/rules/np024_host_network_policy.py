"""NP024 host-network-policy: a policy that selects only hostNetwork pods, which most CNIs do
not apply NetworkPolicy to: the policy does nothing for them."""
from __future__ import annotations

from ..findings import Severity
from .base import describe_workload, finding, related_workload

ID = "NP024"
NAME = "host-network-policy"
SEVERITY = Severity.WARNING
SUMMARY = "a policy that selects only hostNetwork pods, which most CNIs do not apply policies to"


def check(ctx):
    for policy in ctx.policies():
        selected = ctx.resolver.selected(policy)
        if not selected or not all(w.host_network for w in selected):
            continue
        who = describe_workload(selected[0]) + (f" and {len(selected) - 1} more" if len(selected) > 1 else "")
        related = [related_workload(w, f"{describe_workload(w)} runs with hostNetwork: true") for w in selected[:5]]
        yield finding(ID, f"this policy selects only pods on the host network ({who}, hostNetwork: true), which "
                      "most CNIs do not apply NetworkPolicy to, so it neither isolates nor protects them. Protect "
                      "their ports with the node's firewall (or host policies of your CNI), or remove the policy",
                      policy.path, policy.pod_selector.anchor, related)
