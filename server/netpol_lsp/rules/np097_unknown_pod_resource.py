"""NP097 unknown-pod-resource: a custom resource of a kind that makes pods (it has a
spec.podMetadata, spec.podTemplate or spec.template) which no built-in operator rule and no
configured `operators:` entry describes, once per kind, with the configuration that would
declare it."""
from __future__ import annotations

from ..findings import Severity
from ..model.objects import PodMakingResource
from ..render.operators import group_of
from .base import finding

ID = "NP097"
NAME = "unknown-pod-resource"
SEVERITY = Severity.INFO
SUMMARY = "a custom resource that makes pods of a kind the analysis does not know (once per kind)"


def check(ctx):
    if not ctx.workspace.index.unknown_pods_by_ns:
        return  # no such resource anywhere (the index holds every one: they are never merged)
    first_of_kind = {}
    for source in ctx.workspace.files.values():  # the first of each kind in the whole workspace
        for obj in source.objects:
            if isinstance(obj, PodMakingResource):
                key = (obj.kind, group_of(obj.api_version))
                if key not in first_of_kind or _order(obj) < _order(first_of_kind[key]):
                    first_of_kind[key] = obj
    for (kind, group), obj in sorted(first_of_kind.items()):
        if ctx.in_scope(obj.path):
            yield finding(ID, message(obj, kind, group), obj.path, obj.kind_span)


def _order(obj):
    return (obj.path, obj.doc_index)


def message(obj, kind: str, group: str) -> str:
    prefix = obj.pod_field  # spec.podTemplate, spec.podMetadata or spec.template
    labels = f"{prefix}.labels" if prefix == "spec.podMetadata" else f"{prefix}.metadata.labels"
    containers = "" if prefix == "spec.podMetadata" else f", containers: [{prefix}.spec.containers]"
    return (f"{kind} ({group}) has {prefix}: an operator makes pods of it, with labels and ports this analysis "
            f"does not know, so they take no part in connectivity, and selectors in namespaces holding one are not "
            f"reported as matching nothing (NP001, NP002). Declare the kind in "
            f".netpol-lsp.yaml: operators: [{{kind: {kind}, group: {group}, podLabels: [{labels}]{containers}, "
            f"labels: {{<label the operator adds>: \"{{name}}\"}}}}]")
