"""NP071 duplicate-object: two different definitions of the same object (group, kind, namespace,
name) in one analysed view (a repository's files, or one Kustomize root's render): the cluster
keeps one of them, whichever is applied last. Identical definitions (a manifest and a
pre-rendered bundle of it, a base rendered into two roots of one cluster) are merged silently:
the index keeps one (workspace._identical_copies), and Kustomize views merge rendered copies."""
from __future__ import annotations

from ..findings import Related, Severity
from ..analysis.duplicates import MERGED_KINDS, facts, identity
from .base import finding

_KINDS = MERGED_KINDS

ID = "NP071"
NAME = "duplicate-object"
SEVERITY = Severity.WARNING
SUMMARY = "two different definitions of one object in one view: the cluster keeps one, by apply order"


def _place(obj) -> str:
    return f"{obj.path}:{obj.kind_span.start_line + 1}"


def check(ctx):
    twice = ctx.workspace.index.defined_twice
    if not twice:
        return
    wanted = twice  # with a scope, only the identities of the objects reported on
    if ctx.scope is not None:
        wanted = {key for path in ctx.scope if path in ctx.workspace.files
                  for key in map(identity, ctx.workspace.files[path].objects) if key in twice}
        if not wanted:
            return
    groups: dict[tuple, list] = {}
    for obj in ctx.workspace.objects():
        if isinstance(obj, _KINDS):
            key = identity(obj)
            if key in wanted:
                groups.setdefault(key, []).append(obj)
    for key, objects in groups.items():
        if len(objects) < 2:
            continue
        distinct = []
        for obj in objects:
            if all(facts(obj) != facts(other) for other in distinct):
                distinct.append(obj)
        if len(distinct) < 2:
            continue  # identical copies: the cluster gets the same object whichever wins
        for obj in objects:  # every copy, an identical one of another too, names those that differ
            if not ctx.in_scope(obj.path):
                continue
            others = [o for o in distinct if facts(o) != facts(obj)]
            where = ", ".join(_place(o) for o in others)
            namespace = f"{obj.namespace}/" if obj.kind != "Namespace" else ""
            yield finding(ID, f"{obj.kind} {namespace}{obj.name} is also defined, differently, at {where}: the "
                          "cluster keeps only one of them, whichever is applied last, so what this analysis "
                          "assumes of it may not hold", obj.path, obj.kind_span,
                          [Related(o.path, o.kind_span, "the other definition") for o in others])
