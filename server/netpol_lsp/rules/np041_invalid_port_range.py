"""NP041 invalid-port-range: endPort below port, with a named port, or without port."""
from __future__ import annotations

from ..findings import Severity
from . import fixes
from .base import finding

ID = "NP041"
NAME = "invalid-port-range"
SEVERITY = Severity.ERROR
SUMMARY = "endPort below port, with a named port, or without port"


def check(ctx):
    for policy in ctx.policies():
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for spec in rule.ports or ():
                    message = _problem(spec)
                    if message:
                        anchor = spec.end_port_node or spec.port_node or spec.node
                        found = finding(ID, message + ", so the API server rejects the whole policy. Write a numeric "
                                        "port no greater than endPort", policy.path,
                                        anchor.span)
                        if _reversed(spec):
                            fix = fixes.swap_range(ctx, policy.path, spec)
                            if fix is not None:
                                found.fixes.append(fix)
                        yield found


def _problem(spec):
    if spec.end_port is None:
        return None
    if spec.port is None:
        return f"endPort {spec.end_port} without a port"
    if isinstance(spec.port, str):
        return f"endPort {spec.end_port} with the named port '{spec.port}' (a range needs a numeric port)"
    if spec.end_port < spec.port:
        return f"endPort {spec.end_port} is below port {spec.port} (swap them)"
    return None


def _reversed(spec) -> bool:
    return isinstance(spec.port, int) and spec.end_port is not None and spec.end_port < spec.port
