"""NP083 tier-pass-to-nothing: a Pass whose traffic meets nothing in the tiers below it, so it is
allowed by default, as an Accept would. An Admin Pass hands the connection to NetworkPolicy and
then to the Baseline tier; a Baseline Pass has nothing below it at all."""
from __future__ import annotations

from ..analysis.tier_checks import meetings, subject_reps, undecided_before

from ..findings import Severity
from ..model.cluster import ADMIN, BASELINE, PASS
from .base import finding

ID = "NP083"
NAME = "tier-pass-to-nothing"
SEVERITY = Severity.INFO
SUMMARY = "a Pass whose traffic no NetworkPolicy or Baseline rule below it decides: it is simply allowed"


def check(ctx):
    tiers = ctx.tiers
    if tiers is None:
        return
    for policy in ctx.cluster_policies():
        subjects = subject_reps(ctx.engine, policy)
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                if rule.action != PASS or rule.fails_closed:
                    continue
                if policy.tier == BASELINE:
                    yield finding(ID, f"{rule.label} is a Pass in the Baseline tier: nothing comes after it, so the "
                                  "traffic it matches is allowed, as with Accept. Write Accept (or Allow) to say so",
                                  policy.path, (rule.action_node or rule.node).span)
                elif subjects and _reaches_nothing(ctx, policy, rule, subjects, direction):
                    yield finding(ID, f"{rule.label} passes traffic that no NetworkPolicy isolates ({direction}) and "
                                  "no Baseline rule matches: it is allowed by default, as with Accept",
                                  policy.path, (rule.action_node or rule.node).span)


def _reaches_nothing(ctx, policy, rule, subjects, direction) -> bool:
    tiers, engine = ctx.tiers, ctx.engine
    met = False
    for meeting in meetings(engine, subjects, direction):
        matches = meeting.matches(tiers)
        own = tiers.rule_hit(rule, matches, meeting.destination)
        if own.is_empty():
            continue
        undecided, _ = undecided_before(tiers, meeting, direction, policy, rule)
        passed = own & undecided
        if passed.is_empty():
            continue
        met = True
        if engine.side(meeting.subject, direction) is not None:
            return False  # a NetworkPolicy decides it
        for _p, base_rule in tiers.chain(meeting.subject, direction, BASELINE):
            if not (tiers.rule_hit(base_rule, matches, meeting.destination) & passed).is_empty():
                return False
    return met and policy.tier == ADMIN


