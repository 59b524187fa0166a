"""NP021 database-not-isolated: a database workload that no ingress policy selects."""
from __future__ import annotations

from ..analysis.databases import _images, database_ports
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
        if workload.ports:
            evidence = f"declares database port {port_text}"
        else:
            images = ", ".join(_images(workload))
            evidence = f"runs {images} (a database image serving {port_text}) and declares no ports"
        who = describe_workload(workload)
        if workload.host_network:
            message = (f"{who} {evidence} on the host network, which NetworkPolicy does not reach on most CNIs, so "
                       "every pod in the cluster can connect to it. Restrict it with the node's firewall, or run it "
                       "off the host network behind an ingress policy")
        else:
            message = (f"{who} {evidence}, and no NetworkPolicy isolates its ingress, so every pod in the cluster can "
                       "connect to it. Add an ingress policy that admits only its clients")
        yield finding(ID, message, workload.path, workload.kind_span)
