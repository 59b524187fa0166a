"""NP082 tier-shadowed-rule: a cluster policy rule that never decides anything, because earlier
rules of its policy or policies of its tier with a lower priority number decide all the traffic it
matches first (judged on the workloads and outside addresses of this workspace)."""
from __future__ import annotations

from ..analysis.tier_checks import meetings, subject_reps, undecided_before
from ..findings import Related, Severity
from .base import finding

ID = "NP082"
NAME = "tier-shadowed-rule"
SEVERITY = Severity.WARNING
SUMMARY = "a cluster policy rule that earlier rules or higher-precedence policies always decide first"


def check(ctx):
    tiers = ctx.tiers
    if tiers is None:
        return
    for policy in ctx.cluster_policies():
        subjects = subject_reps(ctx.engine, policy)
        if not subjects:
            continue  # NP080's business
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                if not rule.action or rule.fails_closed:
                    continue
                shadow = _shadowers(ctx, policy, rule, subjects, direction)
                if not shadow:
                    continue
                names = "; ".join(f"{r.label} of {p.name}" if p is not policy else r.label for p, r in shadow[:3])
                yield finding(ID, f"{rule.label} never decides anything: every connection it matches here is "
                              f"decided first by {names}. Move it up, or remove it", policy.path,
                              rule.node.span, [Related(p.path, r.node.span, f"{r.label} of {p.label}") for p, r in shadow])


def _shadowers(ctx, policy, rule, subjects, direction):
    """The earlier rules that decide all of the rule's traffic, or [] when it decides some (or
    matches nothing here: then there is nothing to shadow)."""
    tiers = ctx.tiers
    met = False
    found = {}
    for meeting in meetings(ctx.engine, subjects, direction):
        own = tiers.rule_hit(rule, meeting.matches(tiers), meeting.destination)
        if own.is_empty():
            continue
        met = True
        undecided, deciders = undecided_before(tiers, meeting, direction, policy, rule)
        if not (own & undecided).is_empty():
            return []
        for pair in deciders:
            found.setdefault((id(pair[0]), id(pair[1])), pair)
    return list(found.values()) if met else []
