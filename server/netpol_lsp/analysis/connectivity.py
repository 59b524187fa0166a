"""The connectivity engine: what every pair of endpoints may open to each other.

Traffic src -> dst is allowed on the intersection of what src's egress allows towards dst and
what dst's ingress allows from src; a direction no policy isolates allows everything; policies
only add (union). Outside the cluster is IPv4 space cut at every ipBlock boundary; ipBlock peers
match only those external addresses, rules without peers match everything.

Endpoints are workloads named as `ns/name[Kind]`; pods with one controller are one endpoint,
whose connections are the union over its pods.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model import NetworkPolicy, Rule, Workload
from ..workspace import Workspace
from .ipset import IPSet, cut_points
from .ports import ALL, NONE, rule_ports
from .portset import ConnectionSet
from .selection import Resolver


@dataclass
class Connection:
    src: str
    dst: str
    conn: ConnectionSet

    def as_dict(self) -> dict:
        return {"src": self.src, "dst": self.dst, "conn": self.conn.canonical()}


@dataclass
class ConnectivityResult:
    connections: list[Connection] = field(default_factory=list)
    endpoints: dict[str, list[Workload]] = field(default_factory=dict)  # name -> its pods

    def as_list(self) -> list[dict]:
        return [c.as_dict() for c in self.connections]


def ip_block_set(text: str, excepts) -> Optional[IPSet]:
    """cidr minus except; None when the cidr does not parse (NP050 says so)."""
    try:
        allowed = IPSet.from_cidr(text)
    except ValueError:
        return None
    for except_text, _node in excepts:
        try:
            allowed = allowed - IPSet.from_cidr(except_text)
        except ValueError:
            continue
    return allowed


class _Side:
    """One pod's allowances in one direction, when it is isolated in that direction."""

    __slots__ = ("by_peer", "wildcard_rules", "ip_rules")

    def __init__(self):
        self.by_peer: dict[int, list[Rule]] = {}  # id(peer workload) -> rules naming it
        self.wildcard_rules: list[Rule] = []  # rules without peers: every endpoint
        self.ip_rules: list[tuple[IPSet, Rule]] = []


class Engine:
    def __init__(self, workspace: Workspace, resolver: Optional[Resolver] = None):
        self.workspace = workspace
        self.resolver = resolver or Resolver(workspace)
        self._sides: dict[tuple[int, str], Optional[_Side]] = {}
        self._ports: dict[tuple[int, int], ConnectionSet] = {}

    # -- one side --------------------------------------------------------------------------

    def side(self, workload: Workload, direction: str) -> Optional[_Side]:
        """None when no policy isolates the workload in this direction."""
        key = (id(workload), direction)
        if key in self._sides:
            return self._sides[key]
        policies = self.resolver.isolating(workload, direction)
        side = None
        if policies:
            side = _Side()
            for policy in policies:
                self._add_policy(side, policy, direction)
        self._sides[key] = side
        return side

    def _add_policy(self, side: _Side, policy: NetworkPolicy, direction: str) -> None:
        for rule in policy.rules(direction):
            if rule.all_peers:
                side.wildcard_rules.append(rule)
                continue
            for peer in rule.peers:
                if peer.ip_block is not None:
                    if peer.pod_selector is None and peer.namespace_selector is None:
                        block = ip_block_set(peer.ip_block.cidr, peer.ip_block.excepts)
                        if block is not None and not block.is_empty():
                            side.ip_rules.append((block, rule))
                    continue
                for other in self.resolver.peer_workloads(policy, peer):
                    rules = side.by_peer.setdefault(id(other), [])
                    if not rules or rules[-1] is not rule:
                        rules.append(rule)

    def _rule_ports(self, rule: Rule, destination: Optional[Workload]) -> ConnectionSet:
        key = (id(rule), id(destination))
        found = self._ports.get(key)
        if found is None:
            found = rule_ports(rule, destination)
            self._ports[key] = found
        return found

    # -- pairs -----------------------------------------------------------------------------

    def allowed(self, src: Workload, dst: Workload) -> ConnectionSet:
        """Connections src may open to dst: src's egress AND dst's ingress."""
        egress = self.side(src, "egress")
        ingress = self.side(dst, "ingress")
        out = ALL if egress is None else self._allowed_by(egress, src, dst, dst)
        if out.is_empty():
            return out
        into = ALL if ingress is None else self._allowed_by(ingress, dst, src, dst)
        return out & into

    def _allowed_by(self, side: _Side, owner: Workload, peer: Workload, destination: Workload) -> ConnectionSet:
        found = NONE
        for rule in side.wildcard_rules:
            found = found | self._rule_ports(rule, destination)
        for rule in side.by_peer.get(id(peer), ()):
            found = found | self._rule_ports(rule, destination)
        return found

    def to_external(self, src: Workload, atom: IPSet) -> ConnectionSet:
        side = self.side(src, "egress")
        if side is None:
            return ALL
        return self._external(side, atom, None)

    def from_external(self, dst: Workload, atom: IPSet) -> ConnectionSet:
        side = self.side(dst, "ingress")
        if side is None:
            return ALL
        return self._external(side, atom, dst)

    def _external(self, side: _Side, atom: IPSet, destination: Optional[Workload]) -> ConnectionSet:
        found = NONE
        for rule in side.wildcard_rules:
            found = found | self._rule_ports(rule, destination)
        for block, rule in side.ip_rules:
            if block.covers(atom):
                found = found | self._rule_ports(rule, destination)
        return found

    def candidates(self, workload: Workload, direction: str, everyone: list[Workload]) -> list[Workload]:
        """Peers that might have something allowed with workload in this direction."""
        side = self.side(workload, direction)
        if side is None or side.wildcard_rules:
            return everyone
        wanted = side.by_peer
        return [w for w in everyone if id(w) in wanted]

    # -- everything ------------------------------------------------------------------------

    def external_atoms(self) -> list[IPSet]:
        blocks = []
        for policy in self.workspace.policies:
            for direction in ("ingress", "egress"):
                for rule in policy.rules(direction):
                    for peer in rule.peers or ():
                        if peer.ip_block is None:
                            continue
                        try:
                            blocks.append(IPSet.from_cidr(peer.ip_block.cidr))
                        except ValueError:
                            continue
                        for text, _node in peer.ip_block.excepts:
                            try:
                                blocks.append(IPSet.from_cidr(text))
                            except ValueError:
                                continue
        return cut_points(blocks)

    def compute(self) -> ConnectivityResult:
        workloads = self.workspace.workloads
        endpoints: dict[str, list[Workload]] = {}
        for workload in workloads:
            endpoints.setdefault(workload.endpoint, []).append(workload)
        pairs: dict[tuple[str, str], ConnectionSet] = {}
        for dst in workloads:
            sources = self.candidates(dst, "ingress", workloads)
            for src in sources:
                if src.endpoint == dst.endpoint:
                    continue
                conn = self.allowed(src, dst)
                if conn.is_empty():
                    continue
                key = (src.endpoint, dst.endpoint)
                previous = pairs.get(key)
                pairs[key] = conn if previous is None else previous | conn
        connections = [Connection(s, d, c) for (s, d), c in pairs.items()]
        connections.extend(self._external_connections(endpoints))
        connections.sort(key=lambda c: (c.src, c.dst))
        return ConnectivityResult(connections, endpoints)

    def _external_connections(self, endpoints: dict[str, list[Workload]]) -> list[Connection]:
        atoms = self.external_atoms()
        out = []
        for name, pods in endpoints.items():
            for outward in (True, False):
                by_conn: dict[ConnectionSet, IPSet] = {}
                for atom in atoms:
                    conn = NONE
                    for pod in pods:
                        conn = conn | (self.to_external(pod, atom) if outward else self.from_external(pod, atom))
                    if not conn.is_empty():
                        by_conn[conn] = by_conn[conn] | atom if conn in by_conn else atom
                for conn, ips in by_conn.items():
                    text = str(ips)
                    out.append(Connection(name, text, conn) if outward else Connection(text, name, conn))
        return out


def compute_connectivity(workspace: Workspace) -> ConnectivityResult:
    return Engine(workspace).compute()
