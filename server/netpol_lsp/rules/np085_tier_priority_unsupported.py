"""NP085 tier-priority-unsupported: an Admin-tier priority outside what the cluster's CNI accepts.

The API allows priorities 0 to 1000; some implementations take fewer. Checked only when the
CNI is known (configured, or detected from its DaemonSet)."""
from __future__ import annotations

from ..cni import display_name
from ..findings import Severity
from ..model.cluster import ADMIN
from .base import finding

ID = "NP085"
NAME = "tier-priority-unsupported"
SEVERITY = Severity.WARNING
SUMMARY = "an Admin-tier priority outside the range the known CNI accepts (OVN-Kubernetes: 0-99)"

# CNI -> the Admin-tier priorities it implements
SUPPORTED = {"ovn-kubernetes": (0, 99)}


def check(ctx):
    cni = ctx.cni
    if cni is None or cni.name not in SUPPORTED:
        return
    low, high = SUPPORTED[cni.name]
    how = "configured" if cni.source == "configuration" else f"detected from {cni.workload.kind} {cni.workload.namespace}/{cni.workload.name}"
    for policy in ctx.cluster_policies():
        if policy.tier != ADMIN or policy.priority is None or low <= policy.priority <= high:
            continue
        yield finding(ID, f"priority {policy.priority} is outside {low}-{high}, what {display_name(cni.name)} "
                      f"({how}) implements for the Admin tier: it does not apply this policy. "
                      f"Use a priority from {low} to {high}", policy.path, policy.priority_node.span)
