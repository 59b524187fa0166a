"""NP021 database-not-isolated: a database workload that no ingress policy selects."""
from __future__ import annotations

from ..analysis.databases import database_ports
from ..analysis.tier_effects import cluster_ingress_rules_apply, open_to_every_pod
from ..findings import Severity
from .base import describe_workload, finding
from .np094_policy_kind_not_analysed import may_be_isolated_by_unseen

ID = "NP021"
NAME = "database-not-isolated"
SEVERITY = Severity.WARNING
SUMMARY = "a database workload that no ingress policy selects"


def check(ctx):
    for workload in ctx.workloads():
        ports = database_ports(workload, ctx.config.database_ports)
        if not ports or ctx.resolver.isolating(workload, "ingress") \
                or may_be_isolated_by_unseen(ctx, workload.namespace):
            continue
        if cluster_ingress_rules_apply(ctx, workload) and \
                not all(open_to_every_pod(ctx, workload, "TCP", p) for p in ports):
            continue  # an Admin or Baseline rule restricts who connects: not "every pod"
        port_text = ", ".join(str(p) for p in ports)
        yield finding(ID, f"{describe_workload(workload)} serves a database (port {port_text}) but no NetworkPolicy "
                      "isolates its ingress: every pod in the cluster can connect to it",
                      workload.path, workload.kind_span)
