"""NP075: what a render root would see of other roots, said once instead of "matches nothing".

A root is analysed as what one `kubectl apply -k ROOT` creates (views.py). When one of its
selectors matches nothing there but matches objects another root deploys (the view of every
root finds no absence), whether it matches anything in its cluster depends on whether those
roots are applied to the same cluster, which only the configuration can say
(`kustomize.clusters`). So the absence findings are not reported, and one info per root names
the roots it depends on and how to declare the cluster.
"""
from __future__ import annotations

import re
from typing import Optional

from ..findings import Finding, Related, Severity
from ..model import NetworkPolicy, Workload

ID = "NP075"
NAME = "cross-root-dependency"
MAX_RELATED = 20
_NAMED = re.compile(r"namespace '([^']+)'")  # NP003's messages name the namespace so


def note(views, view, elsewhere: list[Finding], severity: Severity, ctx: list) -> list[Finding]:
    """The one NP075 of a root view, at the first of the absence findings `elsewhere` (found in
    the view, answered in the view of every root), with each of them as a related location.
    ctx: a one-place holder for the context of the view of everything (made once, if needed)."""
    if not ctx:
        from ..rules.base import RuleContext

        ctx.append(RuleContext(views.everything.workspace))
    elsewhere = sorted(elsewhere, key=Finding.sort_key)
    mine = {root.dir for root in view.roots}
    others: set[str] = set()  # the folders of the roots that deploy what answers them
    for found in elsewhere:
        for obj in _answering(views, view, found, ctx[0]):
            others.update(folder for folder in views.readers.get(obj.path, ()) if folder not in mine)
    first = elsewhere[0]
    count = len(elsewhere)
    named = ", ".join(sorted(views.root_names[f] for f in others)) if others else "other roots"
    listed = sorted(views.config_names[f] for f in mine) + sorted(views.config_names[f] for f in others)[:3]
    declared = ", ".join(listed) + ("" if others and len(others) <= 3 else ", ...")
    one = count == 1
    message = (f"what this root creates leaves {'this reference' if one else f'{count} references'} unmatched "
               f"({_rules(elsewhere)}), but objects "
               f"that {named} deploy{'s' if len(others) == 1 else ''} would match {'it' if one else 'them'}: "
               "whether those roots are applied to the same cluster is not declared, so "
               f"{'that finding is' if one else 'those findings are'} not reported. If they are, declare it in "
               f".netpol-lsp.yaml (kustomize: clusters: [[{declared}]], folders relative to that file); if not, "
               f"{'that finding holds' if one else 'those findings (the related locations) hold'} where this root "
               "is applied")
    related = [Related(f.path, f.span, f"{f.rule}: {f.message}") for f in elsewhere[1:MAX_RELATED + 1]]
    return [Finding(ID, NAME, severity, message, first.path, first.span, related)]


def _rules(findings: list[Finding]) -> str:
    return ", ".join(sorted({f.rule for f in findings}))


def _answering(views, view, found: Finding, ctx) -> list:
    """The objects of the view of every root that answer an absence finding of a root view:
    the workloads a selector at its place matches, the namespaces a namespaceSelector matches,
    the policies that select a workload there. Empty when the place holds none of them."""
    source = views.source(view, found.path)
    if source is None:
        return []
    resolver = ctx.resolver
    out: list = []
    for obj in _objects(view, found.path, source, ctx.workspace.config):
        if isinstance(obj, NetworkPolicy):
            if obj.pod_selector.anchor == found.span:
                out += resolver.workloads_matching(obj.namespace, obj.pod_selector)
            for direction in ("ingress", "egress"):
                for rule in obj.rules(direction):
                    for peer in rule.peers or ():
                        anchors = [s.anchor for s in (peer.pod_selector, peer.namespace_selector) if s is not None]
                        if found.span in anchors or _inside(found, rule):
                            out += resolver.peer_workloads(obj, peer)
                            out += [ns.defined_by for ns in resolver.peer_namespaces(obj, peer)
                                    if ns.defined_by is not None]
        elif isinstance(obj, Workload) and _contains(obj.node.span, found.span):
            out += resolver.selecting(obj)
    if not out:  # a namespace name (NP003): whoever defines it or deploys into it
        name = _namespace_named(source, found)
        if name is not None:
            index = ctx.workspace.index
            defined = index.defined_namespaces.get(name)
            out += ([defined] if defined is not None else []) + list(index.workloads_by_ns.get(name, ()))
    return out


def _objects(view, path: str, source, config) -> list:
    """The objects of a file in the root's view, without making the view: what its roots
    render there (the view of every root holds other roots' renders of a shared file too)."""
    from ..workspace import Workspace
    from .views import _built_per_resource

    if isinstance(view.made, Workspace):
        return view.made.files[path].objects if path in view.made.files else []
    return [obj for root in view.roots for res, built, _problems in _built_per_resource(root, config)
            if res.path == path for obj in built] or \
        [obj for obj in source.objects if path not in view.scope]


def _inside(found: Finding, rule) -> bool:
    """A finding on a rule's port (NP040): the rule's peers are what it reaches."""
    node = getattr(rule, "node", None)
    return node is not None and found.rule == "NP040" and _contains(node.span, found.span)


def _contains(outer, inner) -> bool:
    return (outer.start_line, outer.start_col) <= (inner.start_line, inner.start_col) and \
        (inner.end_line, inner.end_col) <= (outer.end_line, outer.end_col)


def _namespace_named(source, found: Finding) -> Optional[str]:
    """The namespace an NP003 names: from its message (a namespace a kustomization wrote has
    its finding at a written place, whose text in the resource file is not the name), else the
    text at its place."""
    if found.rule != "NP003":
        return None
    named = _NAMED.search(found.message)
    if named:
        return named.group(1)
    lines = source.text.split("\n")
    if found.span.start_line >= len(lines) or found.span.start_line != found.span.end_line:
        return None
    text = lines[found.span.start_line][found.span.start_col:found.span.end_col].strip("'\" ")
    return text or None
