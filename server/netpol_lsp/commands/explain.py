"""`netpol-lsp explain`: the hover text, in the terminal.

Without --workload/--policy: every policy, then every workload of the paths, sorted by
namespace and name. With one: only it (every kind of that name, if several share it).
"""
from __future__ import annotations

import sys

from ..cli import UsageError
from .common import load, require_objects, rendered_workspace, unknown_name


def _key(obj) -> tuple:
    return (obj.namespace, obj.name, obj.kind, obj.path, obj.doc_index)


def _named(objects, given: str) -> list:
    """Objects a NS/NAME names: ns/name, ns/name[Kind], or a workload's controller endpoint; a
    cluster-scoped policy by its name."""
    found = []
    for obj in objects:
        names = {f"{obj.namespace}/{obj.name}", f"{obj.namespace}/{obj.name}[{obj.kind}]"}
        if not obj.namespace:
            names.update({obj.name, f"{obj.name}[{obj.kind}]"})
        endpoint = getattr(obj, "endpoint", None)
        if endpoint:
            names.update({endpoint, endpoint.split("[", 1)[0]})
        if given in names:
            found.append(obj)
    return found


def caveat_header(workspace, markdown: bool) -> str:
    """What the explanations below cannot see (analysis/caveats.py), first."""
    from ..analysis.caveats import caveats

    lines = caveats(workspace)
    if not lines:
        return ""
    bullet = "> **Caveat:** " if markdown else "Caveat: "
    return "".join(f"{bullet}{line}\n" for line in lines) + "\n"


def run_explain(args) -> int:
    from ..analysis.explain import explain_policy, explain_workload
    from ..analysis.explain_tiers import explain_cluster_policy
    from ..rules.base import RuleContext

    loaded = load(args.paths, args.config, use_cache=not args.no_cache)
    require_objects(loaded, args.paths)
    workspace = rendered_workspace(loaded.workspace, args.kustomize)
    ctx = RuleContext(workspace)
    markdown = args.format == "markdown"
    policies = sorted(workspace.policies, key=_key) + list(workspace.index.cluster_policies)
    workloads = sorted(workspace.workloads, key=_key)
    if args.policy:
        policies = _named(policies, args.policy)
        if not policies:
            known = [f"{p.namespace}/{p.name}" for p in workspace.policies]
            known += [p.name for p in workspace.index.cluster_policies]
            raise UsageError(unknown_name("policy", args.policy, known, "policies"))
        workloads = []
    elif args.workload:
        workloads = _named(workloads, args.workload)
        if not workloads:
            raise UsageError(unknown_name("workload", args.workload,
                                          [f"{w.namespace}/{w.name}" for w in workspace.workloads]))
        policies = []
    if not policies and not workloads:
        print("netpol-lsp: no NetworkPolicy and no workload in the given paths", file=sys.stderr)
        return 0
    texts = [explain_cluster_policy(ctx, p, markdown) if not p.namespace else explain_policy(ctx, p, markdown)
             for p in policies]
    texts += [explain_workload(ctx, w, markdown) for w in workloads]
    separator = "\n---\n\n" if markdown else "\n" + "-" * 72 + "\n\n"
    sys.stdout.write(caveat_header(workspace, markdown) + separator.join(texts))
    return 0
