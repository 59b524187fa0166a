"""NP011 ignored-rules: egress (ingress) rules that the effective policyTypes leave unenforced."""
from __future__ import annotations

from ..analysis.cni_detect import describe
from ..cni import POLICY_TYPES_DEPARTURES
from ..findings import Severity
from . import fixes
from .base import finding

ID = "NP011"
NAME = "ignored-rules"
SEVERITY = Severity.WARNING
SUMMARY = "egress (ingress) rules that the effective policyTypes leave unenforced"


def check(ctx):
    for policy in ctx.policies():
        if policy.policy_types is None:
            continue  # inferred types always cover the rules that exist
        count = policy.types_count
        if count < 0:  # not built by model/build.py: read the node
            written = policy.spec_node.get("policyTypes") if policy.spec_node is not None else None
            count = len(getattr(written, "items", ()))
        if count != len(policy.policy_types):
            continue  # a value the API rejects (NP060 says so): the whole policy is refused
        for direction, type_name in (("ingress", "Ingress"), ("egress", "Egress")):
            rules = policy.rules(direction)
            if not rules or type_name in policy.effective_types:
                continue
            key = policy.spec_key(direction)
            written = ", ".join(policy.policy_types) or "nothing"
            count = f"{len(rules)} {direction} rule{'s' if len(rules) > 1 else ''}"
            them = "it" if len(rules) == 1 else "them"
            departure = POLICY_TYPES_DEPARTURES.get((ctx.cni.name, direction)) if ctx.cni is not None else None
            if departure is not None:  # the API ignores them, this cluster's CNI does not
                reason = (f"{count} outside policyTypes [{written}]: the Kubernetes API ignores {them}, but the "
                          f"cluster's CNI, {describe(ctx.cni)}, {departure}")
            else:
                stays = ("follows other policies" if _isolated_elsewhere(ctx, policy, direction) else "stays open")
                reason = (f"{count} ignored: policyTypes is [{written}] without {type_name}, so Kubernetes does not "
                          f"enforce {them} and {direction} of the selected pods {stays}")
            found = finding(ID, f"{reason}. Add {type_name} to policyTypes, or remove the rules",
                            policy.path, (key or policy.node).span)
            for fix in (fixes.add_policy_type(ctx, policy, type_name), fixes.remove_rules(ctx, policy, direction)):
                if fix is not None:
                    found.fixes.append(fix)
            yield found


def _isolated_elsewhere(ctx, policy, direction) -> bool:
    for workload in ctx.resolver.selected(policy):
        if ctx.resolver.isolating(workload, direction):
            return True
    return False
