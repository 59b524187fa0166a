"""NP025 namespace-not-isolated: a namespace none of whose workloads any policy isolates, while
every sister namespace of the workspace has isolated workloads (info, once per namespace)."""
from __future__ import annotations

from typing import Optional

from ..analysis.isolation import anchor, anchor_path, counted, counts, isolated
from ..findings import Severity
from .base import finding

ID = "NP025"
NAME = "namespace-not-isolated"
SEVERITY = Severity.INFO
SUMMARY = "a namespace no policy isolates while its sister namespaces are all isolated"

MIN_SISTERS = 2  # with one sister, "all the others" says too little


def check(ctx):
    index, resolver = ctx.workspace.index, ctx.resolver
    statuses: dict[str, bool] = {}

    def status(ns: str):
        if ns not in statuses:
            statuses[ns] = isolated(index, resolver, ns)
        return statuses[ns]

    # the namespaces reported on first (a scoped check, a Kustomize root's view: a few of them)
    reported = [ns for ns in index.workloads_by_ns
                if (ctx.scope is None or anchor_path(index, ns) in ctx.scope) and counts(index, ns)]
    for ns in reported:
        if status(ns) is not False:
            continue
        sisters = _isolated_sisters(index, ns, status)
        if sisters is None or len(sisters) < MIN_SISTERS:
            continue
        path, span = anchor(index, ns)
        names = ", ".join(sisters[:3]) + (f" and {len(sisters) - 3} more" if len(sisters) > 3 else "")
        workloads = counted(index, ns)
        what = "the workload" if len(workloads) == 1 else f"any of the {len(workloads)} workloads"
        yield finding(ID, f"no NetworkPolicy isolates {what} of namespace {ns}, while its {len(sisters)} sister "
                      f"namespaces ({names}) all have isolated workloads, so every pod here accepts every connection. "
                      "Add a policy that selects every pod (podSelector: {}) and allow what they serve, unless this "
                      "namespace is open on purpose", path, span)


def _isolated_sisters(index, ns: str, status) -> Optional[list[str]]:
    """The other counted namespaces, in the index's order, when every one is isolated; None at
    the first that is open (most open namespaces have an open sister early: no walk of all)."""
    sisters = []
    for other in index.workloads_by_ns:
        if other == ns or not counts(index, other):
            continue
        if not status(other):
            return None
        sisters.append(other)
    return sisters
