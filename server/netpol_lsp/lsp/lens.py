"""Code lens above each NetworkPolicy: what it selects and what it lets through, in numbers.

"selects 3 workloads · ingress from 2 · egress to 1": the workloads spec.podSelector matches,
then for each direction the policy enforces the distinct workloads its peers match ("from
anywhere" when a rule has no peers, "deny all" when there is no rule, "+ 1 ipBlock" for
address peers). The lens's command carries the same locations as go to definition on the
podSelector, with the arguments of VS Code's `editor.action.showReferences` (uri, position,
locations) as plain LSP JSON, so any client can map it to its own references view.
"""
from __future__ import annotations

from typing import Callable

from lsprotocol import types

from ..model import ClusterPolicy, NetworkPolicy
from ..rules.base import RuleContext
from ..workspace import SourceFile
from .navigation import Place, workload_place
from .positions import to_range
from .tiers_features import lens_title as cluster_lens_title, subject_places

COMMAND = "netpol-lsp.showReferences"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def lens_title(ctx: RuleContext, policy: NetworkPolicy) -> str:
    parts = [f"selects {_count(len(ctx.resolver.selected(policy)), 'workload')}"]
    for direction, word in (("ingress", "from"), ("egress", "to")):
        if not policy.affects(direction):
            continue
        rules = policy.rules(direction)
        if not rules:
            parts.append(f"{direction}: deny all")
            continue
        if any(rule.all_peers for rule in rules):
            parts.append(f"{direction} {word} anywhere")
            continue
        workloads, blocks = set(), 0
        for rule in rules:
            for peer in rule.peers:
                if peer.ip_block is not None:
                    blocks += 1
                elif peer.is_cluster_peer:
                    workloads.update(id(w) for w in ctx.resolver.peer_workloads(policy, peer))
        text = f"{direction} {word} {len(workloads)}"
        if blocks:
            text += f" + {_count(blocks, 'ipBlock')}"
        parts.append(text)
    return " · ".join(parts)


def location_json(uri_for: Callable[[str], str], place: Place) -> dict:
    rng = to_range(place[1])
    return {"uri": uri_for(place[0]),
            "range": {"start": {"line": rng.start.line, "character": rng.start.character},
                      "end": {"line": rng.end.line, "character": rng.end.character}}}


def code_lenses(ctx: RuleContext, source: SourceFile, uri: str,
                uri_for: Callable[[str], str]) -> list[types.CodeLens]:
    lenses = []
    for policy in source.objects:
        if isinstance(policy, ClusterPolicy):
            lenses.append(_cluster_lens(ctx, policy, uri, uri_for))
            continue
        if not isinstance(policy, NetworkPolicy):
            continue
        start = types.Position(line=policy.node.span.start_line, character=policy.node.span.start_col)
        places = [workload_place(ctx, w) for w in ctx.resolver.selected(policy)]
        command = types.Command(title=lens_title(ctx, policy), command=COMMAND, arguments=[
            uri, {"line": start.line, "character": start.character}, [location_json(uri_for, p) for p in places]])
        lenses.append(types.CodeLens(range=types.Range(start=start, end=start), command=command))
    return lenses


def _cluster_lens(ctx: RuleContext, policy: ClusterPolicy, uri: str, uri_for: Callable[[str], str]) -> types.CodeLens:
    """Above a ClusterNetworkPolicy or Admin/BaselineAdminNetworkPolicy: its tier and priority, what
    its subject selects and its rules by action; the command lists the subject's workloads."""
    start = types.Position(line=policy.node.span.start_line, character=policy.node.span.start_col)
    places = subject_places(ctx, policy, workload_place)
    command = types.Command(title=cluster_lens_title(ctx, policy), command=COMMAND, arguments=[
        uri, {"line": start.line, "character": start.character}, [location_json(uri_for, p) for p in places]])
    return types.CodeLens(range=types.Range(start=start, end=start), command=command)
