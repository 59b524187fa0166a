"""NP023 obsolete-default-deny: the net.beta.kubernetes.io/network-policy namespace annotation,
which Kubernetes ignores since 1.7 (NetworkPolicy v1 replaced it with policies that select `{}`)."""
from __future__ import annotations

from ..findings import Severity
from ..manifests.nodes import Mapping
from ..model import Namespace
from .base import finding

ID = "NP023"
NAME = "obsolete-default-deny"
SEVERITY = Severity.WARNING
SUMMARY = "the net.beta.kubernetes.io/network-policy namespace annotation, ignored since Kubernetes 1.7"

ANNOTATION = "net.beta.kubernetes.io/network-policy"


def check(ctx):
    for source in ctx.files():
        for obj in source.objects:
            if not isinstance(obj, Namespace) or ANNOTATION not in obj.annotations:
                continue
            meta = obj.node.get("metadata")
            annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
            key = annotations.key(ANNOTATION) if isinstance(annotations, Mapping) else None
            span = key.span if key is not None else obj.kind_span
            yield finding(ID, f"namespace {obj.name} carries the {ANNOTATION} annotation, which Kubernetes "
                          "ignores since 1.7, so it isolates no pod by itself. Isolate the namespace with a "
                          "NetworkPolicy that selects every pod (podSelector: {}, policyTypes: [Ingress]) and remove "
                          "the annotation", source.path, span)
