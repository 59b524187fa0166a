"""NP097 unknown-pod-resource: a custom resource of a kind that makes pods (it has a
spec.podMetadata, spec.podTemplate or spec.template, or its kind is one operators are known to
make pods of: operators.POD_MAKING_KINDS) which no built-in operator rule and no configured
`operators:` entry describes, once per kind, with the configuration that would declare it."""
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
    # the first of each kind in the whole workspace: its file from the index, then the first there
    for (kind, group), path in sorted(ctx.workspace.index.first_pod_makers(ctx.workspace).items()):
        if ctx.in_scope(path):
            first = None
            for obj in ctx.workspace.files[path].objects:
                if isinstance(obj, PodMakingResource) and (obj.kind, group_of(obj.api_version)) == (kind, group) \
                        and (first is None or _order(obj) < _order(first)):
                    first = obj
            yield finding(ID, message(first, kind, group), first.path, first.kind_span)


def _order(obj):
    return (obj.path, obj.doc_index)


def message(obj, kind: str, group: str) -> str:
    where = obj.pod_field  # spec.podTemplate, spec.podMetadata or spec.template; or a known kind's label path
    if where.endswith(".labels") or not where:  # a kind known to make pods (operators.POD_MAKING_KINDS)
        made = f"{kind} ({group}) is made into pods by its operator"
        pod_labels = f", podLabels: [{where}]" if where else ""
        containers = ""
    else:
        made = f"{kind} ({group}) has {where}: an operator makes pods of it"
        labels = f"{where}.labels" if where == "spec.podMetadata" else f"{where}.metadata.labels"
        pod_labels = f", podLabels: [{labels}]"
        containers = "" if where == "spec.podMetadata" else f", containers: [{where}.spec.containers]"
    return (f"{made}, with labels and ports this analysis does not know, so they take no part in connectivity, "
            f"and selectors in namespaces holding one are not reported as matching nothing (NP001, NP002). "
            f"Declare the kind in .netpol-lsp.yaml: operators: [{{kind: {kind}, group: {group}{pod_labels}"
            f"{containers}, labels: {{<label the operator adds>: \"{{name}}\"}}}}]")
