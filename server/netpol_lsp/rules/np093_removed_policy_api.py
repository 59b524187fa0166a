"""NP093 removed-policy-api: a NetworkPolicy in an API version the API server no longer serves
(extensions/v1beta1, networking.k8s.io/v1beta1). kubectl rejects it, so it never applies; the
analysis still reads it as networking.k8s.io/v1, so its other mistakes are found too."""
from __future__ import annotations

from ..findings import Fix, Severity, TextEdit
from ..manifests.nodes import Scalar
from ..model.policy_kinds import REMOVED_POLICY_VERSIONS
from . import fixes
from .base import finding

ID = "NP093"
NAME = "removed-policy-api"
SEVERITY = Severity.ERROR
SUMMARY = "a NetworkPolicy in an API version the API server no longer serves (extensions/v1beta1)"

SERVED = "networking.k8s.io/v1"


def check(ctx):
    for policy in ctx.policies():
        why = REMOVED_POLICY_VERSIONS.get(policy.api_version)
        if why is None:
            continue
        node = policy.node.get("apiVersion")
        span = node.span if node is not None else policy.kind_span
        found = finding(ID, f"{why}: the API server rejects this policy, so it never applies. Write "
                        f"apiVersion: {SERVED} (the same fields); analysed here as {SERVED}",
                        policy.path, span)
        if isinstance(node, Scalar) and "\n" not in node.value and fixes.wanted():
            found.fixes.append(Fix(f"Write apiVersion: {SERVED}", (TextEdit(node.span, SERVED),)))
        yield found
