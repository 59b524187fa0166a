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


def may_be_isolated_by_unseen(ctx, namespace: str) -> bool:
    """Whether a policy the analysis does not model may select pods of the namespace: one in
    that namespace, or a cluster-scoped one anywhere. Rules that would say "nothing isolates
    this pod" stay silent then (NP094 has said what is not seen). Reads only the kind, name and
    namespace of other files' objects, which their interface's shape holds."""
    seen = ctx.__dict__.get("_unseen_policies")
    if seen is None:
        namespaces, cluster_wide = set(), False
        for obj in ctx.workspace.objects():
            if isinstance(obj, ForeignPolicy):
                if obj.kind in CLUSTER_SCOPED_KINDS:
                    cluster_wide = True
                else:
                    namespaces.add(obj.namespace)
        seen = ctx.__dict__["_unseen_policies"] = (namespaces, cluster_wide)
    return seen[1] or namespace in seen[0]
