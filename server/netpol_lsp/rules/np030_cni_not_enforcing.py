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
    related = []
    if cni.workload is not None:
        related.append(Related(cni.workload.path, cni.workload.kind_span, f"the {display_name(cni.name)} DaemonSet"))
    # k3s embeds Flannel with a policy controller and shows no DaemonSet: only the configuration can say so
    k3s = ", or declare cni: k3s if this is k3s, whose embedded controller enforces them" if cni.name == "flannel" else ""
    for policy in ctx.policies():
        yield finding(ID, f"the cluster's CNI is {display_name(cni.name)} ({cni.how()}), which does not enforce "
                      "NetworkPolicy, so the API server accepts this policy and nothing applies it. Use a CNI that "
                      f"enforces policies (Calico, Cilium, Canal, Flannel with netpol.enabled){k3s}",
                      policy.path, policy.kind_span, related)
