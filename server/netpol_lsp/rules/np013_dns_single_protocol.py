"""NP013 dns-single-protocol: egress allows DNS on UDP 53 or on TCP 53, but not both."""
from __future__ import annotations

from ..analysis.dns import DNS_PORT_NAMES, dns_protocols
from ..analysis.ports import port_spec_set
from ..findings import Severity
from .base import covering_policies, describe_workload, finding

ID = "NP013"
NAME = "dns-single-protocol"
SEVERITY = Severity.WARNING
SUMMARY = "DNS allowed on UDP or TCP 53 but not both"

WHY = {
    "UDP": ("answers too large for one UDP packet (DNSSEC, many records, long TXT) come back truncated "
            "and are retried over TCP 53, and those lookups fail"),
    "TCP": ("resolvers ask over UDP 53 first, so lookups wait for a timeout before trying TCP, "
            "or fail outright"),
}


def check(ctx):
    for policy in ctx.policies():
        if "Egress" not in policy.effective_types:
            continue
        rules = policy.rules("egress")
        protocols = dns_protocols(rules)
        if len(protocols) != 1:
            continue  # none: NP012 says so; both: fine
        (only,) = protocols
        missing = "TCP" if only == "UDP" else "UDP"
        selected = ctx.resolver.selected(policy)
        lacking = [w for w in selected
                   if missing not in _union(p.rules("egress") for p in ctx.resolver.isolating(w, "egress"))]
        if selected and not lacking:
            continue  # another policy selecting the same pods opens the other protocol
        if not selected and missing in _union(p.rules("egress") for p in covering_policies(ctx, policy, "egress")):
            continue  # no pods visible: a policy that selects at least these pods opens it
        who = (describe_workload(lacking[0]) + (f" and {len(lacking) - 1} more" if len(lacking) > 1 else "")
               if lacking else "the selected pods")
        yield finding(ID, f"DNS is allowed only over {only} 53 for {who}: {WHY[only]}. "
                      f"Allow {missing} 53 to the DNS servers as well", policy.path, _anchor(rules, only).span)


def _union(rule_lists) -> set[str]:
    found: set[str] = set()
    for rules in rule_lists:
        found |= dns_protocols(rules)
    return found


def _anchor(rules, protocol):
    """The ports entry that opens DNS (its port value when written), else the rule."""
    for rule in rules:
        for spec in rule.ports or ():
            named = isinstance(spec.port, str) and spec.port in DNS_PORT_NAMES and spec.protocol == protocol
            if named or port_spec_set(spec, None).contains(protocol, 53):
                return spec.port_node or spec.node
    return rules[0].node
