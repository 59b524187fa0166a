"""NP030 cni-not-enforcing: the workspace's CNI (declared or detected) does not enforce NetworkPolicy."""
from __future__ import annotations

from ..cni import display_name, enforces
from ..findings import Related, Severity
from .base import finding

ID = "NP030"
NAME = "cni-not-enforcing"
SEVERITY = Severity.WARNING
SUMMARY = "the workspace's CNI (declared or detected) does not enforce NetworkPolicy"


def check(ctx):
    cni = ctx.cni
    if cni is None or enforces(cni.name):
        return
    how = ("declared in the configuration" if cni.source == "configuration"
           else f"detected from DaemonSet {cni.workload.namespace}/{cni.workload.name}")
    related = []
    if cni.workload is not None:
        related.append(Related(cni.workload.path, cni.workload.kind_span, f"the {display_name(cni.name)} DaemonSet"))
    for policy in ctx.policies():
        yield finding(ID, f"the cluster's CNI is {display_name(cni.name)} ({how}), which does not enforce "
                      "NetworkPolicy: the API server accepts this policy and nothing applies it. Use a CNI that "
                      "enforces policies (Calico, Cilium, Canal, ...)", policy.path, policy.kind_span, related)
