"""NP040 unresolved-named-port: a named port that no target pod's containers declare."""
from __future__ import annotations

from ..findings import Severity
from .base import describe_workload, finding

ID = "NP040"
NAME = "unresolved-named-port"
SEVERITY = Severity.WARNING
SUMMARY = "a named port that no target pod's containers declare"


def check(ctx):
    for policy in ctx.policies():
        for direction in ("ingress", "egress"):
            if not policy.affects(direction):
                continue
            for rule in policy.rules(direction):
                named = [s for s in rule.ports or () if isinstance(s.port, str) and s.valid and s.port_node]
                if not named:
                    continue
                targets = _targets(ctx, policy, rule, direction)
                if not targets:
                    continue  # nothing to resolve on: NP001/NP002 already say so
                for spec in named:
                    if any(t.resolve_named_port(spec.port, spec.protocol) for t in targets):
                        continue
                    declared = sorted({f"{p.name}/{p.protocol}" for t in targets for p in t.ports if p.name})
                    hint = f" (declared: {', '.join(declared)})" if declared else " (they declare no named ports)"
                    who = describe_workload(targets[0]) + (f" and {len(targets) - 1} more" if len(targets) > 1 else "")
                    yield finding(ID, f"named port '{spec.port}' ({spec.protocol}) is declared by no container of "
                                  f"{who}{hint}, so this port entry allows nothing. Name the container port, or write "
                                  "the port number", policy.path, spec.port_node.span)


def _targets(ctx, policy, rule, direction):
    if direction == "ingress":
        return ctx.resolver.selected(policy)
    if rule.all_peers:
        return []
    found = []
    for peer in rule.peers:
        found.extend(ctx.resolver.peer_workloads(policy, peer))
    return found
