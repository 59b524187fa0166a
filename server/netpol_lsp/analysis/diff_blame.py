"""Which NetworkPolicies a connectivity change goes through, on each side of a diff.

A pair gains connections through a policy whose rules let more of them through now than before
(or that isolated an end before when nothing does now); it loses them through a policy whose
rules let them through before and no longer do, or that isolates an end nothing isolated before.
Policies are named `ns/name` so both sides speak of the same one; the lens above a policy in
the editor and the review output name these.
"""
from __future__ import annotations

from typing import Optional

from ..model import NetworkPolicy, Workload
from ..workspace import Workspace
from .conndiff import PairChange, is_external, parse_external
from .connectivity import Engine, ip_block_set
from .ipset import IPSet
from .portset import ConnectionSet

NONE = ConnectionSet.none()


def policy_key(policy: NetworkPolicy) -> str:
    return f"{policy.namespace}/{policy.name}"


class DiffSide:
    """One side of a diff: its workspace, engine and endpoint names -> pods."""

    def __init__(self, workspace: Workspace, endpoints: dict[str, list[Workload]], engine: Optional[Engine] = None):
        self.workspace = workspace
        self.engine = engine or Engine(workspace)
        self.endpoints = endpoints
        self._policies: Optional[dict[str, NetworkPolicy]] = None

    @property
    def policies(self) -> dict[str, NetworkPolicy]:
        if self._policies is None:
            self._policies = {}
            for policy in self.workspace.policies:
                self._policies.setdefault(policy_key(policy), policy)
        return self._policies

    def pods(self, endpoint: str) -> list[Workload]:
        return [] if is_external(endpoint) else self.endpoints.get(endpoint, [])

    def isolating(self, endpoint: str, direction: str) -> dict[str, NetworkPolicy]:
        found: dict[str, NetworkPolicy] = {}
        for pod in self.pods(endpoint):
            for policy in self.engine.resolver.isolating(pod, direction):
                found.setdefault(policy_key(policy), policy)
        return found

    def grants(self, src: str, dst: str) -> dict[str, ConnectionSet]:
        """What each policy's rules allow from src to dst: the ingress policies of dst and the
        egress policies of src, each by itself (a pair also needs the other direction)."""
        out: dict[str, ConnectionSet] = {}
        src_pods, dst_pods = self.pods(src), self.pods(dst)
        src_ips = parse_external(src) if is_external(src) else None
        dst_ips = parse_external(dst) if is_external(dst) else None
        resolver = self.engine.resolver
        for pod in dst_pods:
            for policy in resolver.isolating(pod, "ingress"):
                for rule in policy.rules("ingress"):
                    if self._rule_reaches(policy, rule, src_pods, src_ips):
                        key = policy_key(policy)
                        out[key] = out.get(key, NONE) | self.engine.rule_ports(rule, pod)
        for pod in src_pods:
            for policy in resolver.isolating(pod, "egress"):
                for rule in policy.rules("egress"):
                    if self._rule_reaches(policy, rule, dst_pods, dst_ips):
                        key = policy_key(policy)
                        conn = out.get(key, NONE)
                        for target in dst_pods or [None]:
                            conn = conn | self.engine.rule_ports(rule, target)
                        out[key] = conn
        return out

    def _rule_reaches(self, policy: NetworkPolicy, rule, pods: list[Workload], ips: Optional[IPSet]) -> bool:
        if rule.all_peers:
            return True
        wanted = {id(pod) for pod in pods}
        for peer in rule.peers:
            if peer.ip_block is not None:
                if ips is not None and peer.pod_selector is None and peer.namespace_selector is None:
                    block = ip_block_set(peer.ip_block.cidr, peer.ip_block.excepts)
                    if block is not None and not (block & ips).is_empty():
                        return True
                continue
            if wanted and any(id(w) in wanted for w in self.engine.resolver.peer_workloads(policy, peer)):
                return True
        return False


def blame(change: PairChange, old: DiffSide, new: DiffSide) -> list[str]:
    """The policies (`ns/name`) a change goes through, sorted."""
    found: set[str] = set()
    added, removed = change.added, change.removed
    if added.is_empty() and removed.is_empty():
        return []
    before, after = old.grants(change.src, change.dst), new.grants(change.src, change.dst)
    if not added.is_empty():
        found.update(_grew(after, before, added))
        found.update(_released(old, new, change))
    if not removed.is_empty():
        found.update(_grew(before, after, removed))
        found.update(_released(new, old, change))
    return sorted(found)


def _grew(more: dict[str, ConnectionSet], less: dict[str, ConnectionSet], part: ConnectionSet) -> set[str]:
    """Policies that let through some of `part` on the `more` side and not on the `less` side:
    a policy that allowed the same before and after is not what changed."""
    return {key for key, conn in more.items() if not ((conn - less.get(key, NONE)) & part).is_empty()}


def _released(before: DiffSide, after: DiffSide, change: PairChange) -> set[str]:
    """Policies that isolated an end of the pair on the `before` side, when nothing does on
    the `after` side: they were what held the connection back (or, reversed, what cuts it)."""
    found = set()
    for endpoint, direction in ((change.dst, "ingress"), (change.src, "egress")):
        if is_external(endpoint):
            continue
        was = before.isolating(endpoint, direction)
        if was and not after.isolating(endpoint, direction):
            found.update(was)
    return found
