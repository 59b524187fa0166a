"""NP086 baseline-not-default: a BaselineAdminNetworkPolicy not named `default`.

The v1alpha1 API keeps one BaselineAdminNetworkPolicy per cluster, and its CRD validation
rejects any other name."""
from __future__ import annotations

from ..findings import Severity
from .base import finding

ID = "NP086"
NAME = "baseline-not-default"
SEVERITY = Severity.ERROR
SUMMARY = "a BaselineAdminNetworkPolicy not named default"


def check(ctx):
    for policy in ctx.cluster_policies():
        if policy.kind != "BaselineAdminNetworkPolicy" or policy.name == "default":
            continue
        node = policy.name_node
        anchor = node.span if node is not None else policy.kind_span
        yield finding(ID, f"BaselineAdminNetworkPolicy is named '{policy.name}': the API accepts only one, named "
                      "'default', and rejects this one, so none of its rules apply. Rename it to default",
                      policy.path, anchor)
