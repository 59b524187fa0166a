"""NP022 pod-not-isolated: a workload that no policy isolates, per direction (off by default)."""
from __future__ import annotations

from ..findings import Severity
from .base import describe_workload, finding
from .np094_policy_kind_not_analysed import may_be_isolated_by_unseen

ID = "NP022"
NAME = "pod-not-isolated"
SEVERITY = Severity.INFO
SUMMARY = "a workload that no NetworkPolicy isolates, per direction"
DEFAULT_ENABLED = False

OPEN = {
    "ingress": "every pod in the cluster and every address outside it may connect to it",
    "egress": "it may connect to every pod in the cluster and every address outside it",
}


def check(ctx):
    for workload in ctx.workloads():
        who = describe_workload(workload)
        if workload.host_network:
            yield finding(ID, f"{who} uses hostNetwork: most CNIs do not apply NetworkPolicy to host-network pods, "
                          "so it is not isolated in either direction, whatever the policies select. Protect it with "
                          "the node's firewall, or run it off the host network",
                          workload.path, workload.kind_span)
            continue
        if may_be_isolated_by_unseen(ctx, workload.namespace):
            continue
        for direction in ("ingress", "egress"):
            if ctx.resolver.isolating(workload, direction):
                continue
            type_name = "Ingress" if direction == "ingress" else "Egress"
            yield finding(ID, f"{who} is not isolated for {direction}: no NetworkPolicy selects it with {type_name} "
                          f"in its policyTypes, so {OPEN[direction]}. Select it in a policy with {type_name} in "
                          "policyTypes (a default-deny policy with podSelector: {} covers a whole namespace)",
                          workload.path, workload.kind_span)
