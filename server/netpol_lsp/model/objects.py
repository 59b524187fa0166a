"""The typed objects the analysis works on.

Each keeps the YAML nodes it came from (`*_node` fields), so a finding can point at the exact
key or value. Fields hold what Kubernetes would use: a workload's labels are its pod
*template*'s labels, not the controller's own metadata.labels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..manifests.nodes import Mapping, Node, Scalar
from ..span import Span

# kind -> path from the object's root to its pod template
WORKLOAD_KINDS = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(eq=False)
class ModelProblem:
    """A field with the wrong shape: the object is still built from what makes sense."""

    span: Span
    message: str


@dataclass(eq=False)
class K8sObject:
    kind: str
    name: str
    namespace: str
    path: str
    doc_index: int
    node: Mapping  # the object's root mapping
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    api_version: str = ""
    # What analysis keeps on an object or selector once asked (duplicates.identity,
    # selection.selector_key, coverage_index.implied_keys, NP070's port summary): fields set at
    # construction, so that keeping it later finds room among the instance's inline attributes
    # (CPython 3.11 sizes them when the object is made; an attribute added later, or a look at
    # __dict__, makes the instance a dict of its own: 32 MB for the selectors at policy factor 5).
    # compare=False: not facts of the object (analysis/interface.plain leaves them out)
    _identity: Optional[tuple] = field(default=None, repr=False, compare=False)

    @property
    def kind_node(self) -> Optional[Node]:
        return self.node.get("kind")

    @property
    def kind_span(self) -> Span:
        node = self.node.get("kind")
        return node.span if node is not None else self.node.span

    @property
    def name_node(self) -> Optional[Node]:
        meta = self.node.get("metadata")
        return meta.get("name") if isinstance(meta, Mapping) else None


@dataclass(eq=False)
class ContainerPort:
    container: str
    number: Optional[int]
    name: Optional[str]
    protocol: str
    node: Node


@dataclass(eq=False)
class Workload(K8sObject):
    template_labels: dict[str, str] = field(default_factory=dict)
    template_labels_node: Optional[Node] = None
    ports: list[ContainerPort] = field(default_factory=list)
    host_network: bool = False
    owner: Optional[tuple[str, str]] = None  # (kind, name) of a Pod's controller

    @property
    def endpoint(self) -> str:
        """The name the connectivity output uses: ns/name[Kind], a Pod named after its controller."""
        if self.owner is not None:
            return f"{self.namespace}/{self.owner[1]}[{self.owner[0]}]"
        return f"{self.namespace}/{self.name}[{self.kind}]"

    def resolve_named_port(self, name: str, protocol: str) -> list[int]:
        return sorted({p.number for p in self.ports
                       if p.name == name and p.protocol == protocol and p.number is not None})


@dataclass(eq=False)
class Namespace(K8sObject):
    pass


@dataclass(eq=False)
class ForeignPolicy(K8sObject):
    """A policy kind of a CNI or vendor that the analysis does not model (policy_kinds.py)."""

    vendor: str = ""


@dataclass(eq=False)
class PodMakingResource(K8sObject):
    """A custom resource of a kind no operator rule describes, with a field that says it makes
    pods (spec.podMetadata, spec.podTemplate, spec.template): its pods are not known."""

    pod_field: str = ""


@dataclass(eq=False)
class Service(K8sObject):
    selector: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Requirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...]
    node: Optional[Node] = None

    def matches(self, labels: dict[str, str]) -> bool:
        op = self.operator
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        if op == "NotIn":  # true when the key is missing, too
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        return False  # an unknown operator is rejected by the API server: matches nothing

    def text(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return self.key if self.operator == "Exists" else f"!{self.key}"
        verb = "in" if self.operator == "In" else "notin"
        return f"{self.key} {verb} ({', '.join(self.values)})"


@dataclass(eq=False)
class Selector:
    """A LabelSelector: matchLabels AND every matchExpression. `{}` matches everything."""

    match_labels: dict[str, str]
    expressions: list[Requirement]
    node: Optional[Node]
    key_node: Optional[Node] = None  # the `podSelector:` key itself
    valid: bool = True  # False when the API server would reject it: matches nothing
    _key: object = field(default=False, repr=False, compare=False)  # see K8sObject._identity (False: not asked; None: unhashable)
    _implied_keys: Optional[frozenset] = field(default=None, repr=False, compare=False)

    def matches(self, labels: dict[str, str]) -> bool:
        if not self.valid:
            return False
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for requirement in self.expressions:
            if not requirement.matches(labels):
                return False
        return True

    def is_empty(self) -> bool:
        return self.valid and not self.match_labels and not self.expressions

    def text(self) -> str:
        """kubectl's selector syntax: app=web,tier in (a, b)."""
        if self.is_empty():
            return "{} (everything)"
        parts = [f"{k}={v}" for k, v in self.match_labels.items()]
        parts += [r.text() for r in self.expressions]
        return ",".join(parts)

    @property
    def anchor(self) -> Span:
        node = self.key_node or self.node
        return node.span if node is not None else Span(0, 0, 0, 0)


@dataclass(eq=False)
class IPBlock:
    cidr: str
    cidr_node: Optional[Node]
    excepts: list[tuple[str, Node]]
    node: Node


@dataclass(eq=False)
class Peer:
    pod_selector: Optional[Selector]
    namespace_selector: Optional[Selector]
    ip_block: Optional[IPBlock]
    node: Node
    index: int
    keys: int = -1  # how many keys its mapping has (-1: not known, ask the node): read without the tree

    @property
    def is_cluster_peer(self) -> bool:
        return self.ip_block is None and (self.pod_selector is not None or self.namespace_selector is not None)


@dataclass(eq=False)
class PortSpec:
    protocol: str  # TCP | UDP | SCTP
    port: Optional[int | str]  # None: every port of the protocol; str: a named port
    end_port: Optional[int]
    node: Node
    port_node: Optional[Node] = None
    end_port_node: Optional[Node] = None
    protocol_node: Optional[Node] = None
    valid: bool = True


@dataclass(eq=False)
class Rule:
    direction: str  # "ingress" | "egress"
    index: int
    peers: Optional[list[Peer]]  # None or []: every peer, in and outside the cluster
    ports: Optional[list[PortSpec]]  # None or []: every port and protocol
    node: Node
    peers_key: Optional[Node] = None  # the `from:` / `to:` key
    first_key: Optional[Node] = None  # its mapping's first key (the mapping when empty): NP070's anchor
    _port_summary: Optional[tuple] = field(default=None, repr=False, compare=False)  # see K8sObject._identity

    @property
    def all_peers(self) -> bool:
        return not self.peers

    @property
    def all_ports(self) -> bool:
        return not self.ports


@dataclass(eq=False)
class NetworkPolicy(K8sObject):
    pod_selector: Selector = None  # type: ignore[assignment]
    policy_types: Optional[list[str]] = None  # as written; None when absent
    ingress: Optional[list[Rule]] = None  # None when the key is absent
    egress: Optional[list[Rule]] = None
    spec_node: Optional[Node] = None
    types_count: int = -1  # items of spec.policyTypes as written (-1: not known, read the node): NP011

    @property
    def effective_types(self) -> tuple[str, ...]:
        """What Kubernetes enforces: as written, else Ingress plus Egress if egress has a rule."""
        if self.policy_types is not None:
            return tuple(t for t in ("Ingress", "Egress") if t in self.policy_types)
        if self.egress:
            return ("Ingress", "Egress")
        return ("Ingress",)

    def affects(self, direction: str) -> bool:
        return ("Ingress" if direction == "ingress" else "Egress") in self.effective_types

    def rules(self, direction: str) -> list[Rule]:
        return (self.ingress if direction == "ingress" else self.egress) or []

    def spec_key(self, key: str) -> Optional[Scalar]:
        return self.spec_node.key(key) if isinstance(self.spec_node, Mapping) else None
