"""NP084 admin-deny-overrides: a NetworkPolicy rule whose every allowed connection an Admin-tier
Deny drops first: the allow is dead. Reported on the NetworkPolicy's rule, naming the Admin rules.

Judged on the workloads of this workspace; rules with ipBlock peers or no peers (which also
reach outside the cluster) are left alone."""
from __future__ import annotations

from ..analysis.ports import NONE
from ..analysis.tier_checks import admin_denied
from ..findings import Related, Severity
from .base import finding

ID = "NP084"
NAME = "admin-deny-overrides"
SEVERITY = Severity.WARNING
SUMMARY = "a NetworkPolicy allow that an Admin-tier Deny always drops first"


def check(ctx):
    tiers = ctx.tiers
    if tiers is None or not tiers.by_tier["Admin"]:
        return
    engine = ctx.engine
    for policy in ctx.policies():
        selected = _reps(engine, ctx.resolver.selected(policy))
        if not selected:
            continue
        for direction in ("ingress", "egress"):
            if not policy.affects(direction):
                continue
            for rule in policy.rules(direction):
                if rule.all_peers or any(not p.is_cluster_peer for p in rule.peers):
                    continue
                deniers = _deniers(ctx, policy, rule, selected, direction)
                if not deniers:
                    continue
                names = "; ".join(f"{r.label} of {p.label}" for p, r in deniers[:3])
                word = "from" if direction == "ingress" else "to"
                anchor = (rule.peers_key or rule.node).span
                yield finding(ID, f"this {direction} rule allows nothing: the Admin tier denies every connection it "
                              f"allows ({word} its peers) before NetworkPolicy is consulted, by {names}",
                              policy.path, anchor,
                              [Related(p.path, r.node.span, f"{r.label} of {p.label}: Deny") for p, r in deniers])


def _reps(engine, workloads):
    seen = {}
    for workload in workloads:
        seen.setdefault(engine.class_of(workload).index, workload)
    return list(seen.values())


def _deniers(ctx, policy, rule, selected, direction):
    tiers, engine = ctx.tiers, ctx.engine
    peers = _reps(engine, [w for peer in rule.peers for w in ctx.resolver.peer_workloads(policy, peer)])
    found = {}
    met = False
    for subject in selected:
        for other in peers:
            if other is subject:
                continue
            destination = other if direction == "egress" else subject
            allowed = engine.rule_ports(rule, destination)
            if allowed.is_empty():
                continue
            met = True
            denied = NONE
            for p, r, conn in admin_denied(tiers, subject, tiers.workload_matcher(other),
                                           destination, direction):
                if not (conn & allowed).is_empty():
                    found.setdefault((id(p), id(r)), (p, r))
                denied = denied | conn
            if not denied.covers(allowed):
                return []
    return list(found.values()) if met else []
