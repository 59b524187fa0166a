"""Build a ClusterPolicy (model/cluster.py) from a ClusterNetworkPolicy, AdminNetworkPolicy or
BaselineAdminNetworkPolicy document, defensively, with the NetworkPolicy builder's accessors."""
from __future__ import annotations

from typing import Optional

from ..manifests.nodes import Mapping, Node, Scalar
from .cluster import ACCEPT, ADMIN, BASELINE, DENY, PASS, ClusterPolicy, TierPeer, TierPort, TierRule
from .objects import Selector

PEER_KINDS = ("namespaces", "pods", "networks", "nodes", "domainNames")
_ACTIONS = {
    "ClusterNetworkPolicy": {"Accept": ACCEPT, "Deny": DENY, "Pass": PASS},
    "AdminNetworkPolicy": {"Allow": ACCEPT, "Deny": DENY, "Pass": PASS},
    "BaselineAdminNetworkPolicy": {"Allow": ACCEPT, "Deny": DENY},
}
_PROTOCOL_KEYS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}


def build_cluster_policy(builder, root: Mapping, common: dict) -> ClusterPolicy:
    kind = common["kind"]
    common = dict(common, namespace="")  # cluster-scoped: a namespace written here means nothing
    spec_node = root.get("spec")
    spec = builder.mapping(spec_node, "spec")
    policy = ClusterPolicy(**common, spec_node=spec_node)
    if kind == "AdminNetworkPolicy":
        policy.tier = ADMIN
    elif kind == "BaselineAdminNetworkPolicy":
        policy.tier = BASELINE
    if spec is None:
        policy.subject_valid = False
        return policy
    if kind == "ClusterNetworkPolicy":
        tier = builder.string(spec.get("tier"), "spec.tier")
        if tier in (ADMIN, BASELINE):
            policy.tier = tier
        elif tier is not None:
            builder.problem(spec.get("tier"), f"tier must be Admin or Baseline, not '{tier}'")
    if spec.get("priority") is not None:
        policy.priority = builder.integer(spec.get("priority"), "spec.priority")
        policy.priority_node = spec.get("priority")
    _subject(builder, policy, spec)
    actions = _ACTIONS[kind]
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        items = builder.sequence(spec.get(direction), direction) or []
        rules = [_rule(builder, kind, actions, direction, peers_key, i, item) for i, item in enumerate(items)]
        setattr(policy, direction, [r for r in rules if r is not None])
    return policy


def _subject(builder, policy: ClusterPolicy, spec: Mapping) -> None:
    policy.subject_node = spec.key("subject") or spec.get("subject")
    subject = builder.mapping(spec.get("subject"), "spec.subject")
    if subject is None:
        policy.subject_valid = False
        return
    keys = subject.keys()
    if keys == ["namespaces"]:
        policy.subject_namespaces = builder.selector(subject.get("namespaces"), subject.key("namespaces"),
                                                     "subject.namespaces")
    elif keys == ["pods"]:
        ns, pods = _namespaced_pods(builder, subject.get("pods"), subject.key("pods"), "subject.pods")
        policy.subject_namespaces, policy.subject_pods = ns, pods
    else:
        policy.subject_valid = False  # exactly one of namespaces, pods: the API rejects the rest


def _namespaced_pods(builder, node: Optional[Node], key: Optional[Node], what: str):
    mapping = builder.mapping(node, what)
    if mapping is None:
        invalid = Selector({}, [], node, key, valid=False)
        return invalid, invalid
    ns = builder.selector(mapping.get("namespaceSelector"), mapping.key("namespaceSelector") or key,
                          f"{what}.namespaceSelector")
    # absent selectors read as Go's zero value, the empty selector (all namespaces, all pods), as
    # implementations decode them; NP060 says where the CRD requires podSelector
    pods = builder.selector(mapping.get("podSelector"), mapping.key("podSelector") or key, f"{what}.podSelector")
    return ns, pods


def _rule(builder, kind: str, actions: dict, direction: str, peers_key: str, index: int,
          node: Node) -> Optional[TierRule]:
    mapping = builder.mapping(node, f"an {direction} rule")
    if mapping is None:
        return None
    name = builder.string(mapping.get("name"), "rule name") or ""
    written = builder.string(mapping.get("action"), "action") or ""
    action = actions.get(written, "")
    if written and not action:
        builder.problem(mapping.get("action"),
                        f"action of a {kind} rule is one of {', '.join(actions)}, not '{written}'")
    peers = []
    for i, item in enumerate(builder.sequence(mapping.get(peers_key), peers_key) or []):
        peers.append(_peer(builder, i, item))
    ports: Optional[list[TierPort]] = None
    if kind == "ClusterNetworkPolicy" and mapping.has("protocols"):
        ports = [p for item in builder.sequence(mapping.get("protocols"), "protocols") or []
                 for p in _protocol(builder, item)]
    elif kind != "ClusterNetworkPolicy" and mapping.has("ports"):
        ports = [p for item in builder.sequence(mapping.get("ports"), "ports") or []
                 for p in _v1alpha1_port(builder, item)]
    if any(p.kind in ("networks", "nodes", "domainNames") for p in peers) and any(
            p.name is not None for p in ports or ()):
        builder.problem(mapping.key(peers_key) or mapping, "a named port cannot be used with networks, nodes or "
                        "domainNames peers (they have no named ports): the API server rejects this rule")
    return TierRule(direction, index, name, action, written, peers, ports, mapping,
                    mapping.get("action"), mapping.key(peers_key))


def _peer(builder, index: int, node: Node) -> TierPeer:
    mapping = builder.mapping(node, "a peer")
    unknown = TierPeer("unknown", None, None, [], node, index)
    if mapping is None:
        return unknown
    keys = mapping.keys()
    if len(keys) != 1 or keys[0] not in PEER_KINDS:
        return unknown  # none, several, or a field of a newer API: fail closed
    kind = keys[0]
    value = mapping.get(kind)
    if value is None or (isinstance(value, Scalar) and value.type == "null"):
        return unknown  # `namespaces: null` decodes to a peer with no field set: fail closed
    if kind in ("namespaces", "nodes"):
        selector = builder.selector(value, mapping.key(kind), kind)
        return TierPeer(kind, selector, None, [], mapping, index)
    if kind == "pods":
        ns, pods = _namespaced_pods(builder, value, mapping.key(kind), "pods")
        return TierPeer(kind, ns, pods, [], mapping, index)
    texts = []
    for item in builder.sequence(value, kind) or []:
        text = builder.string(item, f"an item of {kind}")
        if text is not None:
            texts.append((text.strip(), item))
            if kind == "networks" and not _is_cidr(text.strip()):
                builder.problem(item, f"'{text}' is not a CIDR (an address block such as 10.0.0.0/8 or fd00::/8): "
                                "the API server rejects it")
    return TierPeer(kind, None, None, texts, mapping, index)


def _is_cidr(text: str) -> bool:
    import ipaddress

    if "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _port_number(builder, node: Optional[Node], what: str) -> Optional[int]:
    value = builder.integer(node, what) if node is not None else None
    if value is not None and not 1 <= value <= 65535:
        return None  # the schema (NP060) says it is out of range
    return value


def _protocol(builder, node: Node) -> list[TierPort]:
    """One item of a v1alpha2 `protocols` list."""
    mapping = builder.mapping(node, "a protocols item")
    if mapping is None:
        return [TierPort("TCP", None, None, None, node, valid=False)]
    keys = mapping.keys()
    if len(keys) != 1:
        return [TierPort("TCP", None, None, None, mapping, valid=False)]
    key = keys[0]
    if key == "destinationNamedPort":
        return [TierPort("", None, None, builder.string(mapping.get(key), key) or "", mapping)]
    protocol = _PROTOCOL_KEYS.get(key)
    body = builder.mapping(mapping.get(key), key) if protocol else None
    port = builder.mapping(body.get("destinationPort"), "destinationPort") if body is not None else None
    if protocol is None or port is None:
        return [TierPort(protocol or "TCP", None, None, None, mapping, valid=False)]
    if port.has("number"):
        number = _port_number(builder, port.get("number"), "number")
        return [TierPort(protocol, number, number, None, mapping, valid=number is not None)]
    span = builder.mapping(port.get("range"), "range")
    if span is None:
        return [TierPort(protocol, None, None, None, mapping, valid=False)]
    start = _port_number(builder, span.get("start"), "start")
    end = _port_number(builder, span.get("end"), "end")
    valid = start is not None and end is not None and start < end
    if start is not None and end is not None and start >= end:
        builder.problem(span, f"range start ({start}) must be less than end ({end}): the API server rejects it")
    return [TierPort(protocol, start, end, None, mapping, valid=valid)]


def _v1alpha1_port(builder, node: Node) -> list[TierPort]:
    """One item of a v1alpha1 `ports` list: portNumber, portRange or namedPort."""
    mapping = builder.mapping(node, "a ports item")
    if mapping is None:
        return [TierPort("TCP", None, None, None, node, valid=False)]
    keys = mapping.keys()
    if len(keys) != 1:
        return [TierPort("TCP", None, None, None, mapping, valid=False)]
    key = keys[0]
    if key == "namedPort":
        return [TierPort("", None, None, builder.string(mapping.get(key), key) or "", mapping)]
    body = builder.mapping(mapping.get(key), key)
    if body is None or key not in ("portNumber", "portRange"):
        return [TierPort("TCP", None, None, None, mapping, valid=False)]
    protocol = builder.string(body.get("protocol"), "protocol") or "TCP"
    valid = protocol in _PROTOCOL_KEYS.values()
    if key == "portNumber":
        start = end = _port_number(builder, body.get("port"), "port")
    else:
        start = _port_number(builder, body.get("start"), "start")
        end = _port_number(builder, body.get("end"), "end")
    valid = valid and start is not None and end is not None and start <= end
    return [TierPort(protocol, start, end, None, mapping, valid=valid)]
