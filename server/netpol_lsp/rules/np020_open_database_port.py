"""NP020 open-database-port: a database port reachable from every pod, every namespace or outside the cluster."""
from __future__ import annotations

from ..analysis.connectivity import ip_block_set
from ..analysis.databases import database_ports
from ..analysis.tier_effects import open_to_every_pod
from ..analysis.ports import rule_ports
from ..findings import Related, Severity
from .base import describe_workload, finding

ID = "NP020"
NAME = "open-database-port"
SEVERITY = Severity.WARNING
SUMMARY = "a database port reachable from every pod, every namespace or outside the cluster"

WIDE_PREFIX = 8  # an ipBlock of /8 or wider counts as "outside the cluster at large"


def check(ctx):
    ports = ctx.config.database_ports
    for policy in ctx.policies():
        if "Ingress" not in policy.effective_types:
            continue
        databases = [(w, database_ports(w, ports)) for w in ctx.resolver.selected(policy)]
        databases = [(w, p) for w, p in databases if p]
        if not databases:
            continue
        for rule in policy.rules("ingress"):
            audience = _audience(rule, policy)
            if audience is None:
                continue
            for workload, db_ports in databases:
                allowed = rule_ports(rule, workload)
                opened = [p for p in db_ports if allowed.contains("TCP", p)]
                if opened and ctx.tiers is not None and ctx.tiers.chain(workload, "ingress", "Admin") \
                        and not audience.startswith("addresses outside"):
                    # an Admin-tier Deny decides before this rule: open to every pod only if none is denied
                    only = policy.namespace if audience.startswith("every pod in namespace") else None
                    opened = [p for p in opened if open_to_every_pod(ctx, workload, "TCP", p, only)]
                if not opened:
                    continue
                anchor = rule.peers_key or rule.node
                port_text = ", ".join(f"TCP {p}" for p in opened)
                yield finding(ID, f"{port_text} of {describe_workload(workload)} (a database) is open to {audience}, "
                              "so anything that lands there can reach its data. Admit only the workloads that use it "
                              "(a podSelector, with a namespaceSelector beside it for other namespaces)",
                              policy.path, anchor.span,
                              [Related(workload.path, workload.kind_span, f"the database {describe_workload(workload)}")])
                break


def _audience(rule, policy):
    """Who the rule admits, when that is 'everyone' in some sense; None otherwise."""
    if rule.all_peers:
        return "every source, inside and outside the cluster (the rule has no 'from')"
    for peer in rule.peers:
        if peer.ip_block is not None:
            block = ip_block_set(peer.ip_block.cidr, [])
            prefix = peer.ip_block.cidr.rsplit("/", 1)[-1]
            if block is not None and prefix.isdigit() and int(prefix) <= WIDE_PREFIX:
                return f"addresses outside the cluster ({peer.ip_block.cidr})"
            continue
        ns, pod = peer.namespace_selector, peer.pod_selector
        if ns is not None and ns.is_empty() and (pod is None or pod.is_empty()):
            return "every pod in every namespace (namespaceSelector: {})"
        if ns is None and pod is not None and pod.is_empty():
            return f"every pod in namespace {policy.namespace} (podSelector: {{}})"
    return None
