"""Cluster-scoped policies of the network-policy-api (policy.networking.k8s.io): the tiers.

Three kinds, one model:

- `ClusterNetworkPolicy` v1alpha2 (and v1beta1, same shape): `spec.tier` Admin or Baseline,
  `spec.priority`, actions Accept / Deny / Pass, ports under `protocols`
  (`tcp|udp|sctp.destinationPort.number|range`, `destinationNamedPort`);
- `AdminNetworkPolicy` v1alpha1: the Admin tier, actions Allow / Deny / Pass, ports under `ports`
  (`portNumber`, `portRange`, `namedPort`);
- `BaselineAdminNetworkPolicy` v1alpha1: the Baseline tier, a singleton named `default` with no
  priority, actions Allow / Deny.

Actions are kept as written and normalised (`Allow` is `Accept`). Antrea's own
`crd.antrea.io` ClusterNetworkPolicy is another object: build.py tells them apart by apiVersion.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from ..manifests.nodes import Node
from .objects import K8sObject, Selector

API_GROUP = "policy.networking.k8s.io/"
CLUSTER_KINDS = ("ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")
ADMIN, BASELINE = "Admin", "Baseline"
ACCEPT, DENY, PASS = "Accept", "Deny", "Pass"


@dataclass(eq=False)
class TierPort:
    """One port match: a protocol with a range (1-65535 for the whole protocol) or a named port."""

    protocol: str
    start: Optional[int]
    end: Optional[int]
    name: Optional[str]  # a destination named port: resolved on the destination pod
    node: Node
    valid: bool = True


@dataclass(eq=False)
class TierPeer:
    """One peer: exactly one of namespaces, pods, networks, nodes, domainNames.

    kind "unknown": no field this model knows (or more than one): the API says to fail closed."""

    kind: str  # namespaces | pods | networks | nodes | domainNames | unknown
    namespace_selector: Optional[Selector]
    pod_selector: Optional[Selector]
    networks: list[tuple[str, Node]]
    node: Node
    index: int


@dataclass(eq=False)
class TierRule:
    direction: str  # ingress | egress
    index: int
    name: str
    action: str  # normalised: Accept | Deny | Pass ("" when missing or unknown: the API rejects it)
    written_action: str
    peers: list[TierPeer]
    ports: Optional[list[TierPort]]  # None: every port and protocol
    node: Node
    action_node: Optional[Node] = None
    peers_key: Optional[Node] = None

    @cached_property
    def fails_closed(self) -> bool:
        """A peer the model cannot read: an Accept matches nothing more, Deny/Pass become deny-all."""
        return any(p.kind == "unknown" for p in self.peers)

    @property
    def label(self) -> str:
        return f"{self.direction} rule {self.name!r}" if self.name else f"{self.direction} rule #{self.index + 1}"


@dataclass(eq=False)
class ClusterPolicy(K8sObject):
    tier: str = ADMIN  # Admin | Baseline
    priority: Optional[int] = None  # None: absent (a BaselineAdminNetworkPolicy has none)
    priority_node: Optional[Node] = None
    subject_namespaces: Optional[Selector] = None  # the subject's namespace selector
    subject_pods: Optional[Selector] = None  # None: every pod of those namespaces
    subject_node: Optional[Node] = None
    subject_valid: bool = True  # False: missing or unreadable subject: selects nothing
    ingress: list[TierRule] = field(default_factory=list)
    egress: list[TierRule] = field(default_factory=list)
    spec_node: Optional[Node] = None

    def rules(self, direction: str) -> list[TierRule]:
        return self.ingress if direction == "ingress" else self.egress

    @property
    def order_key(self) -> tuple:
        """Precedence inside a tier: lower priority first; ties broken by name, stably (the
        API leaves ties to the implementation: NP081 says so)."""
        return (self.priority if self.priority is not None else 0, self.name, self.path, self.doc_index)

    @property
    def label(self) -> str:
        priority = "no priority" if self.priority is None else f"priority {self.priority}"
        if self.kind == "ClusterNetworkPolicy":
            return f"ClusterNetworkPolicy {self.name} ({self.tier} tier, {priority})"
        if self.kind == "AdminNetworkPolicy":
            return f"AdminNetworkPolicy {self.name} ({priority})"
        return f"BaselineAdminNetworkPolicy {self.name}"
