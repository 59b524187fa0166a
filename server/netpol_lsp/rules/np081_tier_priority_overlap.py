"""NP081 tier-priority-overlap: two policies of one tier at the same priority whose rules meet the
same traffic with different actions. The API leaves the order of equal priorities to the
implementation, so which action wins is not defined."""
from __future__ import annotations

from ..analysis.tier_checks import meetings, subject_reps
from ..analysis.tiers import effective_action
from ..findings import Related, Severity
from .base import finding

ID = "NP081"
NAME = "tier-priority-overlap"
SEVERITY = Severity.WARNING
SUMMARY = "two cluster policies of one tier at the same priority whose rules overlap with different actions"


def check(ctx):
    tiers = ctx.tiers
    if tiers is None:
        return
    scoped = {id(p) for p in ctx.cluster_policies()}
    for tier, policies in tiers.by_tier.items():
        for i, first in enumerate(policies):
            for second in policies[i + 1:]:
                if first.priority is None or first.priority != second.priority:
                    continue
                if id(second) not in scoped and id(first) not in scoped:
                    continue
                clash = _clash(ctx, first, second)
                if clash is None:
                    continue
                rule_a, rule_b, meeting, conn = clash
                other = meeting.other.endpoint if meeting.other is not None else str(meeting.atom)
                message = (f"{second.label} and {first.label} share priority {second.priority} and both match "
                           f"{meeting.subject.endpoint} {'->' if rule_a.direction == 'egress' else '<-'} {other} "
                           f"({conn.canonical()}): {rule_b.label} says {effective_action(rule_b)}, "
                           f"{rule_a.label} says {effective_action(rule_a)}; which wins is up to the "
                           "implementation. Give the policies different priorities")
                for policy, theirs, their_rule in ((first, second, rule_b), (second, first, rule_a)):
                    if id(policy) in scoped:  # on both priorities: either may be the one to change
                        anchor = policy.priority_node.span if policy.priority_node is not None else policy.kind_span
                        yield finding(ID, message, policy.path, anchor,
                                      [Related(theirs.path, their_rule.node.span, f"{their_rule.label} of {theirs.label}")])


def _clash(ctx, first, second):
    tiers = ctx.tiers
    common = [w for w in subject_reps(ctx.engine, first) if tiers.subject_selects(second, w)]
    if not common:
        return None
    for direction in ("ingress", "egress"):
        pairs = [(a, b) for a in first.rules(direction) for b in second.rules(direction)
                 if effective_action(a) and effective_action(b) and effective_action(a) != effective_action(b)]
        if not pairs:
            continue
        for meeting in meetings(ctx.engine, common, direction):
            matches = meeting.matches(tiers)
            for a, b in pairs:
                conn = tiers.rule_hit(a, matches, meeting.destination) & tiers.rule_hit(b, matches, meeting.destination)
                if not conn.is_empty():
                    return a, b, meeting, conn
    return None
