"""NP012 egress-blocks-dns: egress isolation that leaves no way to DNS (UDP/TCP 53)."""
from __future__ import annotations

from ..analysis.dns import allows_dns
from ..analysis.tier_effects import egress_allows_dns
from ..findings import Severity
from . import fixes
from .base import covering_policies, describe_workload, finding

ID = "NP012"
NAME = "egress-blocks-dns"
SEVERITY = Severity.WARNING
SUMMARY = "egress isolation that leaves no way to DNS (UDP/TCP 53)"


def check(ctx):
    for policy in ctx.policies():
        if "Egress" not in policy.effective_types or allows_dns(policy.rules("egress")):
            continue
        selected = ctx.resolver.selected(policy)
        blocked = [w for w in selected
                   if not any(allows_dns(p.rules("egress")) for p in ctx.resolver.isolating(w, "egress"))]
        if ctx.tiers is not None:  # an Admin-tier Accept can open DNS before NetworkPolicy is consulted
            blocked = [w for w in blocked if not egress_allows_dns(ctx, w)]
        if selected and not blocked:
            continue  # another policy selecting the same pods opens DNS
        if not selected and any(allows_dns(other.rules("egress")) for other in covering_policies(ctx, policy, "egress")):
            continue  # no pods visible: a policy that selects at least these pods opens DNS
        key = policy.spec_key("policyTypes") or policy.node.key("spec") or policy.node
        who = (f"{describe_workload(blocked[0])}" + (f" and {len(blocked) - 1} more" if len(blocked) > 1 else "")
               if blocked else "the selected pods")
        found = finding(ID, f"egress is isolated for {who} and no egress rule of the policies selecting "
                        f"{'it' if len(blocked) == 1 else 'them'} allows DNS (UDP or TCP 53), so name lookups will "
                        "time out. Allow UDP and TCP 53 to kube-dns in kube-system",
                        policy.path, key.span)
        fix = fixes.allow_dns(ctx, policy)
        if fix is not None:
            found.fixes.append(fix)
        yield found
