"""NP010 implicit-policy-types: policyTypes is absent; say what Kubernetes infers and what it means."""
from __future__ import annotations

from ..findings import Severity
from . import fixes
from .base import finding

ID = "NP010"
NAME = "implicit-policy-types"
SEVERITY = Severity.INFO
SUMMARY = "policyTypes absent: what Kubernetes infers and what that means here"


def check(ctx):
    for policy in ctx.policies():
        if policy.policy_types is not None or policy.spec_node is None:
            continue
        inferred = policy.effective_types
        if "Egress" in inferred:
            meaning = ("Ingress and Egress (egress has rules): the selected pods may receive and send only "
                       "what the rules allow")
        elif policy.egress is not None:
            meaning = ("Ingress only: the empty egress list is ignored, so egress stays open "
                       "(write policyTypes: [Ingress, Egress] to deny all egress)")
        else:
            meaning = "Ingress only: egress of the selected pods stays open"
        span = (policy.node.key("spec") or policy.node).span
        found = finding(ID, f"policyTypes is not set: Kubernetes infers {meaning}. "
                        f"Write policyTypes: [{', '.join(inferred)}] to make it explicit", policy.path, span)
        fix = fixes.explicit_policy_types(ctx, policy)
        if fix is not None:
            found.fixes.append(fix)
        yield found
