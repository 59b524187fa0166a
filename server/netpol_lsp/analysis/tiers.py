"""The tiers of the network-policy-api around NetworkPolicy, per direction:

    Admin tier  ->  NetworkPolicy  ->  Baseline tier  ->  default allow

In each of the two cluster tiers the policies whose subject selects the pod are taken by
priority (lower first), their rules in written order, and the first rule that matches a
connection (peer and port) decides it: Accept (v1alpha1 Allow) and Deny are final, Pass hands it
to the next tier. NetworkPolicy decides for a pod it isolates in that direction (allowed or
not), else the connection goes on to the Baseline tier, and what no tier decided is allowed.
These kinds never isolate a pod by themselves. Each direction is decided on its own: an egress
Accept does not open the destination's ingress.

Modelling choices, where manifests cannot show what the cluster has:

- a BaselineAdminNetworkPolicy not named `default` does not exist (the API rejects it);
- host-network pods are neither subjects nor namespaces/pods peers (the API says so); a `networks`
  CIDR set covering all of IPv4 still matches them, by their node's address;
- `networks` CIDRs match addresses outside the cluster (cut like ipBlocks) and pods too, but
  manifests carry no pod addresses: a CIDR set that covers all of IPv4 (`0.0.0.0/0`) matches every
  pod, any other is taken to match no pod (NP087 says so on the rule, once);
- `nodes` and `domainNames` peers match nothing here (NP087 reports them as not analysed);
- a peer with no field this model knows fails closed, as the API asks: an Accept rule with one
  matches no traffic, a Deny or Pass rule with one denies all traffic;
- a named port matches the destination pod's container ports of that name, any protocol; it
  matches nothing outside the cluster.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..model import ClusterPolicy, TierPeer, TierRule, Workload
from ..model.cluster import ACCEPT, ADMIN, BASELINE, DENY, PASS
from .ipset import IPSet
from .ports import ALL, NONE
from .portset import MAX_PORT, ConnectionSet

ALL_IPV4 = IPSet.all()
NETWORKPOLICY_TIER = "NetworkPolicy"
DEFAULT = "default"


@dataclass
class Decision:
    """Who decided part of a connection: a tier, and in the cluster tiers its policy and rule."""

    tier: str  # Admin | NetworkPolicy | Baseline | default
    action: str  # Accept | Deny | Pass (handed to a tier that had nothing to say: then allowed)
    conn: ConnectionSet
    policy: Optional[ClusterPolicy] = None
    rule: Optional[TierRule] = None

    def describe(self) -> str:
        if self.rule is not None and self.policy is not None:
            return f"{self.policy.label}, {self.rule.label}: {self.action}"
        if self.tier == NETWORKPOLICY_TIER:
            return f"NetworkPolicy: {'allowed' if self.action == ACCEPT else 'not allowed'}"
        return "no policy: allowed by default"


def effective_action(rule: TierRule) -> str:
    """A rule with an unreadable peer fails closed: Deny and Pass deny everything."""
    if rule.fails_closed and rule.action in (DENY, PASS):
        return DENY
    return rule.action


def networks_set(peer: TierPeer) -> IPSet:
    found = IPSet.none()
    for text, _node in peer.networks:
        try:
            found = found | IPSet.from_cidr(text)
        except ValueError:
            continue  # IPv6 or malformed: not in the IPv4 model (NP060 checks the text)
    return found


class Tiers:
    """Tier evaluation for the connectivity engine (analysis/connectivity.py), with its caches."""

    def __init__(self, engine):
        self.engine = engine
        self.workspace = engine.workspace
        # a BaselineAdminNetworkPolicy not named default is rejected by the API server (NP086)
        policies = [p for p in self.workspace.index.cluster_policies
                    if p.kind != "BaselineAdminNetworkPolicy" or p.name == "default"]
        self.by_tier = {tier: sorted((p for p in policies if p.tier == tier), key=lambda p: p.order_key)
                        for tier in (ADMIN, BASELINE)}
        self._chains: dict[tuple, list] = {}
        self._subject: dict[tuple, bool] = {}
        self._peer: dict[tuple, bool] = {}
        self._networks: dict[int, IPSet] = {}
        self._ports: dict[tuple, ConnectionSet] = {}
        self._rule_classes: dict[int, frozenset] = {}
        self._named: dict[int, bool] = {}

    # -- who is selected -------------------------------------------------------------------

    def _ns_labels(self, workload: Workload) -> dict[str, str]:
        return self.workspace.namespace(workload.namespace).labels

    def subject_selects(self, policy: ClusterPolicy, workload: Workload) -> bool:
        key = (id(policy), self.engine.class_of(workload).index)
        found = self._subject.get(key)
        if found is None:
            found = (policy.subject_valid and not workload.host_network
                     and policy.subject_namespaces is not None
                     and policy.subject_namespaces.matches(self._ns_labels(workload))
                     and (policy.subject_pods is None or policy.subject_pods.matches(workload.template_labels)))
            self._subject[key] = found
        return found

    def subjects(self, policy: ClusterPolicy) -> list[Workload]:
        return [w for w in self.workspace.workloads if self.subject_selects(policy, w)]

    def networks(self, peer: TierPeer) -> IPSet:
        found = self._networks.get(id(peer))
        if found is None:
            found = self._networks[id(peer)] = networks_set(peer)
        return found

    def peer_matches(self, peer: TierPeer, workload: Workload) -> bool:
        key = (id(peer), self.engine.class_of(workload).index)
        found = self._peer.get(key)
        if found is None:
            found = self._peer[key] = self._peer_matches(peer, workload)
        return found

    def _peer_matches(self, peer: TierPeer, workload: Workload) -> bool:
        if peer.kind == "networks":  # by address: a host-network pod has its node's, in 0.0.0.0/0 too
            return self.networks(peer).covers(ALL_IPV4)  # pods have some IPv4 address: which, unknown
        if workload.host_network:
            return False  # never a namespaces or pods peer
        if peer.kind == "namespaces":
            return peer.namespace_selector.matches(self._ns_labels(workload))
        if peer.kind == "pods":
            return (peer.namespace_selector.matches(self._ns_labels(workload))
                    and peer.pod_selector.matches(workload.template_labels))
        return False  # nodes, domainNames: not analysed; unknown: the rule fails closed

    def peer_matches_external(self, peer: TierPeer, atom: IPSet) -> bool:
        return peer.kind == "networks" and self.networks(peer).covers(atom)

    def peer_workloads(self, peer: TierPeer) -> list[Workload]:
        return [w for w in self.workspace.workloads if self.peer_matches(peer, w)]

    # -- matchers: does some peer of a rule match the other end? -----------------------------

    def rule_classes(self, rule: TierRule) -> frozenset:
        """The indexes of the workload classes some peer of the rule matches (once per rule)."""
        found = self._rule_classes.get(id(rule))
        if found is None:
            found = frozenset(cls.index for cls in self.engine.classes()
                              if any(self.peer_matches(peer, cls.rep) for peer in rule.peers))
            self._rule_classes[id(rule)] = found
        return found

    def workload_matcher(self, workload: Workload) -> Callable[[TierRule], bool]:
        index = self.engine.class_of(workload).index
        if index < 0:  # a workload outside the workspace's classes: peer by peer
            return lambda rule: any(self.peer_matches(peer, workload) for peer in rule.peers)
        return self.class_matcher(index)

    def class_matcher(self, index: int) -> Callable[[TierRule], bool]:
        return lambda rule: index in self.rule_classes(rule)

    def atom_matcher(self, atom: IPSet) -> Callable[[TierRule], bool]:
        return lambda rule: any(self.peer_matches_external(peer, atom) for peer in rule.peers)

    # -- ports -----------------------------------------------------------------------------

    def rule_ports(self, rule: TierRule, destination: Optional[Workload]) -> ConnectionSet:
        named = self._named.get(id(rule))
        if named is None:
            named = self._named[id(rule)] = any(p.name is not None for p in rule.ports or ())
        dkey = (self.engine.class_of(destination).index if destination is not None else None) if named else 0
        key = (id(rule), dkey)
        found = self._ports.get(key)
        if found is None:
            found = self._ports[key] = tier_ports(rule, destination)
        return found

    # -- evaluation ------------------------------------------------------------------------

    def chain(self, workload: Workload, direction: str, tier: str) -> list[tuple[ClusterPolicy, TierRule]]:
        """The rules of one tier that apply to the workload in one direction, in precedence order."""
        return self.chain_of(self.engine.class_of(workload), direction, tier)

    def chain_of(self, cls, direction: str, tier: str) -> list[tuple[ClusterPolicy, TierRule]]:
        key = (cls.index, direction, tier)
        found = self._chains.get(key)
        if found is None:
            found = [(policy, rule) for policy in self.by_tier[tier] if self.subject_selects(policy, cls.rep)
                     for rule in policy.rules(direction)]
            self._chains[key] = found
        return found

    def rule_hit(self, rule: TierRule, matches: Callable[[TierRule], bool],
                 destination: Optional[Workload]) -> ConnectionSet:
        """The connections to the other end that a rule matches (NONE when no peer of it matches
        that end). matches: workload_matcher() or atom_matcher()."""
        if rule.fails_closed:
            return ALL if rule.action in (DENY, PASS) else NONE
        if not rule.action or not matches(rule):
            return NONE  # no action: the API server rejects the policy
        return self.rule_ports(rule, destination)

    def evaluate(self, subject: Workload, direction: str, matches: Callable[[TierRule], bool],
                 destination: Optional[Workload], np_allowed: Optional[ConnectionSet],
                 trace: Optional[list[Decision]] = None, subject_class=None) -> ConnectionSet:
        """What the tiers allow in one direction of one connection. matches: whether a peer of a
        rule matches the other end; destination: the pod ports resolve on (None: outside);
        np_allowed: what NetworkPolicy allows, None when no NetworkPolicy isolates the subject;
        subject_class: the subject's class, when the caller has it."""
        cls = subject_class if subject_class is not None else self.engine.class_of(subject)
        allowed, passed, undecided = self._tier(self.chain_of(cls, direction, ADMIN), ADMIN, matches,
                                                destination, ALL, trace)
        rest = undecided | passed
        if rest.is_empty():
            return allowed
        if np_allowed is not None:
            if trace is not None:
                if not (rest & np_allowed).is_empty():
                    trace.append(Decision(NETWORKPOLICY_TIER, ACCEPT, rest & np_allowed))
                if not (rest - np_allowed).is_empty():
                    trace.append(Decision(NETWORKPOLICY_TIER, DENY, rest - np_allowed))
            return allowed | (rest & np_allowed)
        base_allowed, base_passed, undecided = self._tier(self.chain_of(cls, direction, BASELINE), BASELINE,
                                                          matches, destination, rest, trace)
        tail = undecided | base_passed
        if trace is not None and not tail.is_empty():
            trace.append(Decision(DEFAULT, ACCEPT, tail))
        return allowed | base_allowed | tail

    def _tier(self, chain, tier: str, matches, destination, undecided: ConnectionSet, trace):
        allowed = passed = NONE
        for policy, rule in chain:
            if undecided.is_empty():
                break
            hit = self.rule_hit(rule, matches, destination)
            part = hit & undecided
            if part.is_empty():
                continue
            action = effective_action(rule)
            if action == ACCEPT:
                allowed = allowed | part
            elif action == PASS:
                passed = passed | part
            undecided = undecided - part
            if trace is not None:
                trace.append(Decision(tier, action, part, policy, rule))
        return allowed, passed, undecided


def tier_ports(rule: TierRule, destination: Optional[Workload]) -> ConnectionSet:
    """A rule's ports resolved on a destination pod (None: outside the cluster)."""
    if rule.ports is None:
        return ALL
    found = NONE
    for port in rule.ports:
        if not port.valid:
            continue
        if port.name is not None:
            if destination is None:
                continue
            for cport in destination.ports:
                if cport.name == port.name and cport.number is not None and 1 <= cport.number <= MAX_PORT \
                        and cport.protocol in ("TCP", "UDP", "SCTP"):
                    found = found | ConnectionSet.ports(cport.protocol, cport.number)
            continue
        found = found | ConnectionSet.ports(port.protocol, port.start, port.end)
    return found
