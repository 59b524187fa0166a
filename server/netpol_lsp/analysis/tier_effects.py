"""What the cluster tiers change in the NetworkPolicy rules' verdicts (NP012, NP020, NP021): an
Admin Accept can open DNS that no NetworkPolicy allows, an Admin or Baseline Deny can close a port
a NetworkPolicy (or no policy) leaves open. Asked only when the workspace has cluster policies;
judged on the workspace's workloads, one per class, and the outside address blocks."""
from __future__ import annotations

from ..model import Workload


def egress_allows_dns(ctx, workload: Workload) -> bool:
    """Whether the workload may reach port 53 (UDP or TCP) somewhere, the tiers included."""
    engine = ctx.engine
    for cls in engine.classes():
        if cls.rep is workload:
            continue
        conn = engine.direction(workload, cls.rep, "egress")
        if conn.contains("UDP", 53) or conn.contains("TCP", 53):
            return True
    for atom in engine.external_atoms():
        conn = engine.external_direction(workload, atom, outward=True)
        if conn.contains("UDP", 53) or conn.contains("TCP", 53):
            return True
    return False


def open_to_every_pod(ctx, workload: Workload, protocol: str, port: int, namespace: str | None = None) -> bool:
    """Whether every other workload of the workspace (of one namespace, if given) may connect to
    the port, as far as the workload's own ingress (tiers and NetworkPolicy) goes."""
    engine = ctx.engine
    own = engine.class_of(workload)
    for cls in engine.classes():
        if cls is own or (namespace is not None and cls.rep.namespace != namespace):
            continue
        if not engine.direction(cls.rep, workload, "ingress").contains(protocol, port):
            return False
    return True


def cluster_ingress_rules_apply(ctx, workload: Workload) -> bool:
    tiers = ctx.tiers
    return tiers is not None and any(tiers.chain(workload, "ingress", tier) for tier in ("Admin", "Baseline"))
