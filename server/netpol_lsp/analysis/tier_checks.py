"""What the tier rules (NP080-NP087) ask of the tiers: who a rule meets, and what decides first.

Everything is judged on the workloads of the workspace, one per class (connectivity.py's
classes: same namespace, labels, ports and hostNetwork give the same answers), and, for egress,
on the pieces of the outside world the policies cut it into.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from ..model import ClusterPolicy, TierRule, Workload
from ..model.cluster import ADMIN
from .ipset import IPSet
from .portset import ConnectionSet
from .tiers import Tiers


@dataclass
class Meeting:
    """One subject and one other end (a workload, or an outside address block) of a rule."""

    subject: Workload
    other: Optional[Workload]
    atom: Optional[IPSet]
    destination: Optional[Workload]  # where ports resolve

    def matches(self, tiers: Tiers):
        if self.other is not None:
            return tiers.workload_matcher(self.other)
        return tiers.atom_matcher(self.atom)


def representatives(engine) -> list[Workload]:
    return [cls.rep for cls in engine.classes()]


def meetings(engine, subjects: list[Workload], direction: str, outside: bool = True) -> Iterator[Meeting]:
    """Every (subject, other end) pair of one direction: workloads, then (for egress) the outside."""
    others = representatives(engine)
    for subject in subjects:
        for other in others:
            if other is subject:
                continue
            destination = other if direction == "egress" else subject
            yield Meeting(subject, other, None, destination)
        if outside and direction == "egress":
            for atom in engine.external_atoms():
                yield Meeting(subject, None, atom, None)


def subject_reps(engine, policy: ClusterPolicy) -> list[Workload]:
    tiers = engine.tiers
    return [w for w in representatives(engine) if tiers.subject_selects(policy, w)]


def undecided_before(tiers: Tiers, meeting: Meeting, direction: str, policy: ClusterPolicy, rule: TierRule,
                     ) -> tuple[ConnectionSet, list[tuple[ClusterPolicy, TierRule]]]:
    """What is still undecided when `rule` is reached in its tier for this meeting, and the
    earlier rules that decided something of what `rule` matches. Policies of the same priority
    are not counted as earlier: their order is the implementation's (NP081)."""
    from .ports import ALL

    undecided = ALL
    deciders = []
    matches = meeting.matches(tiers)
    own = tiers.rule_hit(rule, matches, meeting.destination)
    for other_policy, other_rule in tiers.chain(meeting.subject, direction, policy.tier):
        if other_rule is rule:
            break
        if other_policy is not policy and other_policy.priority == policy.priority:
            continue
        hit = tiers.rule_hit(other_rule, matches, meeting.destination) & undecided
        if hit.is_empty():
            continue
        if not (hit & own).is_empty():
            deciders.append((other_policy, other_rule))
        undecided = undecided - hit
    return undecided, deciders


def admin_denied(tiers: Tiers, subject: Workload, matches, destination: Optional[Workload], direction: str,
                 ) -> list[tuple[ClusterPolicy, TierRule, ConnectionSet]]:
    """The Admin tier's Deny decisions for one connection direction, before NetworkPolicy."""
    from .ports import ALL
    from .tiers import effective_action

    undecided = ALL
    out = []
    for policy, rule in tiers.chain(subject, direction, ADMIN):
        if undecided.is_empty():
            break
        part = tiers.rule_hit(rule, matches, destination) & undecided
        if part.is_empty():
            continue
        if effective_action(rule) == "Deny":
            out.append((policy, rule, part))
        undecided = undecided - part
    return out
