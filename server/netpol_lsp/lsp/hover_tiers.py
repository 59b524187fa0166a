"""Hover on a ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy: the policy
explained (analysis/explain_tiers.py), its subject's workloads, a peer's workloads, and for a
rule what it really decides for the workspace's workloads once earlier rules had their say."""
from __future__ import annotations

from typing import Optional

from ..analysis.explain import _Out, describe
from ..analysis.explain_tiers import explain_cluster_policy, rule_sentence
from ..analysis.tier_checks import meetings, subject_reps, undecided_before
from ..model import ClusterPolicy


CAP = 10


def cluster_policy_hover(ctx, policy: ClusterPolicy, keys: list, link) -> Optional[str]:
    if keys in (["kind"], ["metadata", "name"]) or keys[:2] in (["spec", "tier"], ["spec", "priority"]):
        return explain_cluster_policy(ctx, policy)
    tiers = ctx.tiers
    if tiers is None:
        return None
    if keys[:2] == ["spec", "subject"]:
        subjects = tiers.subjects(policy)
        lines = [f"**Subject of {policy.label}**: {len(subjects)} workload(s) (host-network pods are never selected)"]
        lines += [f"- {describe(w)} — {link(w.path, w.kind_span)}" for w in subjects[:CAP]]
        if len(subjects) > CAP:
            lines.append(f"- … and {len(subjects) - CAP} more")
        return "\n".join(lines)
    if len(keys) >= 3 and keys[0] == "spec" and keys[1] in ("ingress", "egress") and isinstance(keys[2], int):
        rule = next((r for r in policy.rules(keys[1]) if r.index == keys[2]), None)
        if rule is None:
            return None
        return _rule_hover(ctx, policy, rule, link)
    return None


def _rule_hover(ctx, policy: ClusterPolicy, rule, link) -> str:
    out = _Out(True)
    out.lines.append(f"`{rule.label}` of **{policy.label}**: {rule_sentence(out, ctx, rule)}")
    tiers = ctx.tiers
    decided = []
    for meeting in meetings(ctx.engine, subject_reps(ctx.engine, policy), rule.direction):
        own = tiers.rule_hit(rule, meeting.matches(tiers), meeting.destination)
        if own.is_empty():
            continue
        undecided, _ = undecided_before(tiers, meeting, rule.direction, policy, rule)
        part = own & undecided
        if part.is_empty():
            continue
        other = describe(meeting.other) if meeting.other is not None else str(meeting.atom)
        arrow = "<-" if rule.direction == "ingress" else "->"
        decided.append(f"`{describe(meeting.subject)}` {arrow} `{other}`: {part.canonical()}")
    if decided:
        out.para(f"Decides ({rule.action}) here:")
        for line in decided[:CAP]:
            out.bullet(line)
        if len(decided) > CAP:
            out.bullet(f"… and {len(decided) - CAP} more")
    else:
        out.para("Decides nothing for the workloads of this workspace (earlier rules decide first, or it matches "
                 "no one).")
    return out.text()
