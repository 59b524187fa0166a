"""NP094 policy-kind-not-analysed: a policy of a CNI or vendor (CiliumNetworkPolicy, Calico
NetworkPolicy and GlobalNetworkPolicy, Antrea policies, ...) that the analysis does not model.
It allows or denies traffic in the cluster, so isolation and connectivity computed without it
may be wrong: said once per object, and `connectivity`/`explain` print the same caveat."""
from __future__ import annotations

from ..findings import Severity
from ..model import ForeignPolicy
from ..model.policy_kinds import CLUSTER_SCOPED_KINDS
from .base import finding

ID = "NP094"
NAME = "policy-kind-not-analysed"
SEVERITY = Severity.WARNING
SUMMARY = "a policy kind the analysis does not model (Cilium, Calico, Antrea, ...): its effect is ignored"


def check(ctx):
    for source in ctx.files():
        for obj in source.objects:
            if isinstance(obj, ForeignPolicy):
                yield finding(ID, caveat(obj), source.path, obj.kind_span)


def caveat(obj: ForeignPolicy) -> str:
    name = obj.name if obj.kind in CLUSTER_SCOPED_KINDS else f"{obj.namespace}/{obj.name}"
    return (f"{obj.kind} {name} is not analysed: connectivity and isolation here ignore it "
            f"({obj.vendor} enforces it beside the Kubernetes NetworkPolicies)")


def caveats(workspace) -> list[str]:
    """The caveat of every such object of the workspace, in file order."""
    return [caveat(obj) for path in sorted(workspace.files) for obj in workspace.files[path].objects
            if isinstance(obj, ForeignPolicy)]
