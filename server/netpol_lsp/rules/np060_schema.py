"""NP060 schema: a NetworkPolicy that breaks the Kubernetes schema (unknown field, wrong type, bad enum),
and fields of other objects with a shape the cluster would reject."""
from __future__ import annotations

from ..findings import Severity
from ..manifests.nodes import Mapping, Scalar
from ..model.policy_kinds import REMOVED_POLICY_VERSIONS, is_kubernetes_policy
from ..schema_check import validate
from .base import finding

ID = "NP060"
NAME = "schema"
SEVERITY = Severity.ERROR
SUMMARY = "a manifest that breaks the NetworkPolicy schema (unknown field, wrong type, bad enum)"

SCHEMA = "networkpolicy.schema.json"
# the network-policy-api kinds, told from Antrea's own ClusterNetworkPolicy by their API group
CLUSTER_SCHEMAS = {
    "ClusterNetworkPolicy": "clusternetworkpolicy.schema.json",
    "AdminNetworkPolicy": "adminnetworkpolicy.schema.json",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicy.schema.json",
}


def check(ctx):
    for source in ctx.files():
        # A file's schema errors depend on that file alone: computed once per version of it, so
        # a keystroke elsewhere re-validates nothing.
        problems = source.cache.get(ID)
        if problems is None:
            problems = source.cache[ID] = per_file(source)
        for message, span in problems:
            yield finding(ID, message, source.path, span)


def per_file(source) -> list:
    """(message, span) of every schema problem of one file: computed where the file is read."""
    out = []
    reported = set()
    for doc in source.documents:
        for root, schema in _policies(doc.root):
            removed = root.get("apiVersion").value in REMOVED_POLICY_VERSIONS  # NP093 says it
            for error in validate(root, schema):
                if _explained_elsewhere(error) or (removed and tuple(error.path) == ("apiVersion",)):
                    continue
                key = error.span.start_line  # the schema and the model may both see it: once a line
                if key not in reported:
                    reported.add(key)
                    out.append((error.message, error.span))
    for problem in source.model_problems:
        key = problem.span.start_line
        if key not in reported:
            reported.add(key)
            out.append((problem.message[0].upper() + problem.message[1:], problem.span))
    return out


def _policies(root):
    if not isinstance(root, Mapping):
        return
    kind = root.get("kind")
    if not isinstance(kind, Scalar):
        return
    version = root.get("apiVersion")
    version = version.value if isinstance(version, Scalar) else ""
    if is_kubernetes_policy(kind.value, version):  # removed versions too: analysed as v1 (NP093)
        yield root, SCHEMA
    elif kind.value in CLUSTER_SCHEMAS and version.startswith("policy.networking.k8s.io/"):
        yield root, CLUSTER_SCHEMAS[kind.value]
    elif kind.value.endswith("List"):
        items = root.get("items")
        for item in getattr(items, "items", ()):
            yield from _policies(item)


def _explained_elsewhere(error) -> bool:
    """endPort ordering (NP041) and CIDR text (NP050) have their own, better messages."""
    last = error.path[-1] if error.path else ""
    return last in ("endPort", "cidr") or "except" in error.path
