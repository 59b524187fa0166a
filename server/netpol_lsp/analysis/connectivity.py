"""The connectivity engine: what every pair of endpoints may open to each other.

Traffic src -> dst is allowed on the intersection of what src's egress allows towards dst and
what dst's ingress allows from src; a direction no policy isolates allows everything; policies
only add (union). Outside the cluster is IPv4 space cut at every ipBlock boundary; ipBlock peers
match only those external addresses, rules without peers match everything.

Endpoints are workloads named as `ns/name[Kind]`; pods with one controller are one endpoint,
whose connections are the union over its pods.

Scale: every answer depends on a workload only through its namespace, its template labels and
its container ports, so workloads are grouped into *classes* with identical values of those
before anything is paired. Sides (a class's allowances in one direction), peer resolution and
rule ports are computed once per class; pairs are enumerated class by class, only between
classes that some rule (or an unisolated direction) lets talk, and expanded to endpoints at the
end. The outside world is swept once per class over the sorted IPv4 pieces instead of testing
every piece against every ipBlock.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..model import NetworkPolicy, Rule, Workload
from ..workspace import Workspace
from .ipset import MAX_ADDRESS, IPSet, cut_points
from .ports import ALL, NONE, rule_ports, uses_named_ports
from .portset import ConnectionSet
from .selection import Resolver
from .tiers import Tiers


class Interrupted(Exception):
    """A computation given up because its caller's stop() said so."""


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


def class_key(workload: Workload) -> tuple:
    """What the analysis can tell a workload by: equal keys get equal answers everywhere."""
    ports = tuple(sorted((p.name or "", p.number or 0, p.protocol) for p in workload.ports))
    # hostNetwork: the cluster tiers (tiers.py) leave those pods out
    return (workload.namespace, frozenset(workload.template_labels.items()), ports, workload.host_network)


class WorkloadClass:
    """Workloads with the same namespace, template labels and container ports."""

    __slots__ = ("index", "key", "members", "rep", "endpoints")

    def __init__(self, index: int, key: tuple, first: Workload):
        self.index = index
        self.key = key
        self.members: list[Workload] = [first]
        self.rep = first  # any member answers for all
        self.endpoints: list[str] = [first.endpoint]  # distinct, in first-seen order


class _Side:
    """One class's allowances in one direction, when it is isolated in that direction."""

    __slots__ = ("by_peer", "wildcard_rules", "ip_rules", "_wild")

    def __init__(self):
        self.by_peer: dict[int, list[Rule]] = {}  # peer class index -> rules naming it
        self.wildcard_rules: list[Rule] = []  # rules without peers: every endpoint
        self.ip_rules: list[tuple[IPSet, Rule]] = []
        self._wild: dict[object, ConnectionSet] = {}  # destination key -> wildcard rules' ports


class Engine:
    def __init__(self, workspace: Workspace, resolver: Optional[Resolver] = None):
        self.workspace = workspace
        self.resolver = resolver or Resolver(workspace)
        self._classes: Optional[list[WorkloadClass]] = None
        self._class_of: dict[int, WorkloadClass] = {}
        self._sides: dict[tuple[int, str], Optional[_Side]] = {}
        self._peer_classes: dict[int, list[int]] = {}
        self._ports: dict[tuple[int, object], ConnectionSet] = {}
        self._named: dict[int, bool] = {}
        self._atoms: Optional[list[IPSet]] = None
        self._starts: list[int] = []
        # the Admin and Baseline tiers, when the workspace has cluster policies
        self.tiers: Optional[Tiers] = Tiers(self) if workspace.index.cluster_policies else None

    # -- classes ---------------------------------------------------------------------------

    def classes(self) -> list[WorkloadClass]:
        if self._classes is None:
            by_key: dict[tuple, WorkloadClass] = {}
            classes: list[WorkloadClass] = []
            for workload in self.workspace.workloads:
                key = class_key(workload)
                found = by_key.get(key)
                if found is None:
                    found = WorkloadClass(len(classes), key, workload)
                    by_key[key] = found
                    classes.append(found)
                else:
                    found.members.append(workload)
                    if workload.endpoint not in found.endpoints:
                        found.endpoints.append(workload.endpoint)
                self._class_of[id(workload)] = found
            self._classes = classes
        return self._classes

    def class_of(self, workload: Workload) -> WorkloadClass:
        self.classes()
        found = self._class_of.get(id(workload))
        if found is None:  # not in the workspace (a caller's own object): a class of its own
            found = WorkloadClass(-1 - len(self._class_of), class_key(workload), workload)
            self._class_of[id(workload)] = found
        return found

    # -- one side --------------------------------------------------------------------------

    def side(self, workload: Workload, direction: str) -> Optional[_Side]:
        """None when no policy isolates the workload in this direction."""
        return self._class_side(self.class_of(workload), direction)

    def _class_side(self, cls: WorkloadClass, direction: str) -> Optional[_Side]:
        key = (cls.index, direction)
        if key in self._sides:
            return self._sides[key]
        policies = self.resolver.isolating(cls.rep, direction)
        side = None
        if policies:
            side = _Side()
            for policy in policies:
                self._add_policy(side, policy, direction)
        self._sides[key] = side
        return side

    def peer_classes(self, policy: NetworkPolicy, peer) -> list[int]:
        """Indexes of the classes a cluster peer matches (cached per peer)."""
        key = id(peer)
        found = self._peer_classes.get(key)
        if found is None:
            seen: dict[int, None] = {}
            for other in self.resolver.peer_workloads(policy, peer):
                seen[self.class_of(other).index] = None
            found = list(seen)
            self._peer_classes[key] = found
        return found

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
                for index in self.peer_classes(policy, peer):
                    rules = side.by_peer.setdefault(index, [])
                    if not rules or rules[-1] is not rule:
                        rules.append(rule)

    def rule_ports(self, rule: Rule, destination: Optional[Workload]) -> ConnectionSet:
        """The rule's ports resolved on a destination (None: outside the cluster), cached;
        rules without named ports are the same for every destination."""
        named = self._named.get(id(rule))
        if named is None:
            named = self._named[id(rule)] = uses_named_ports(rule)
        dkey: object = None
        if named and destination is not None:
            dkey = self.class_of(destination).index
        elif named:
            dkey = "outside"
        key = (id(rule), dkey)
        found = self._ports.get(key)
        if found is None:
            found = rule_ports(rule, destination)
            self._ports[key] = found
        return found

    def _wildcard_ports(self, side: _Side, destination: Optional[Workload]) -> ConnectionSet:
        if not side.wildcard_rules:
            return NONE
        dkey = None if destination is None else self.class_of(destination).index
        found = side._wild.get(dkey)
        if found is None:
            found = NONE
            for rule in side.wildcard_rules:
                found = found | self.rule_ports(rule, destination)
            side._wild[dkey] = found
        return found

    # -- pairs -----------------------------------------------------------------------------

    def allowed(self, src: Workload, dst: Workload) -> ConnectionSet:
        """Connections src may open to dst: src's egress AND dst's ingress."""
        return self._allowed_classes(self.class_of(src), self.class_of(dst))

    def _allowed_classes(self, src: WorkloadClass, dst: WorkloadClass) -> ConnectionSet:
        if self.tiers is not None:
            out = self._tier_direction(src, dst, "egress")
            return out if out.is_empty() else out & self._tier_direction(src, dst, "ingress")
        egress = self._class_side(src, "egress")
        out = ALL if egress is None else self._allowed_by(egress, dst.index, dst.rep)
        if out.is_empty():
            return out
        ingress = self._class_side(dst, "ingress")
        into = ALL if ingress is None else self._allowed_by(ingress, src.index, dst.rep)
        return out & into

    def direction(self, src: Workload, dst: Workload, direction: str, trace=None) -> ConnectionSet:
        """What one direction of src -> dst allows, the cluster tiers included: src's egress
        or dst's ingress. trace: a list that receives the tiers' Decisions."""
        subject, other = (src, dst) if direction == "egress" else (dst, src)
        side = self._class_side(self.class_of(subject), direction)
        np_allowed = None if side is None else self._allowed_by(side, self.class_of(other).index, dst)
        if self.tiers is None:
            return ALL if np_allowed is None else np_allowed
        return self.tiers.evaluate(subject, direction, self.tiers.workload_matcher(other), dst,
                                   np_allowed, trace)

    def _tier_direction(self, src: WorkloadClass, dst: WorkloadClass, direction: str) -> ConnectionSet:
        """direction() between two classes (the pair loop's fast path, with the tiers)."""
        subject, other = (src, dst) if direction == "egress" else (dst, src)
        side = self._class_side(subject, direction)
        np_allowed = None if side is None else self._allowed_by(side, other.index, dst.rep)
        return self.tiers.evaluate(subject.rep, direction, self.tiers.class_matcher(other.index), dst.rep,
                                   np_allowed, subject_class=subject)

    def external_direction(self, workload: Workload, atom: IPSet, outward: bool, trace=None) -> ConnectionSet:
        """What one direction between a workload and an outside address block allows."""
        direction = "egress" if outward else "ingress"
        destination = None if outward else workload
        side = self._class_side(self.class_of(workload), direction)
        np_allowed = None if side is None else self._external(side, atom, destination)
        if self.tiers is None:
            return ALL if np_allowed is None else np_allowed
        return self.tiers.evaluate(workload, direction, self.tiers.atom_matcher(atom),
                                   destination, np_allowed, trace)

    def _allowed_by(self, side: _Side, peer: int, destination: Workload) -> ConnectionSet:
        found = self._wildcard_ports(side, destination)
        for rule in side.by_peer.get(peer, ()):
            if found.is_all():
                break
            found = found | self.rule_ports(rule, destination)
        return found

    def from_external(self, dst: Workload, atom: IPSet) -> ConnectionSet:
        if self.tiers is not None:
            return self.external_direction(dst, atom, outward=False)
        side = self.side(dst, "ingress")
        if side is None:
            return ALL
        return self._external(side, atom, dst)

    def _external(self, side: _Side, atom: IPSet, destination: Optional[Workload]) -> ConnectionSet:
        found = self._wildcard_ports(side, destination)
        for block, rule in side.ip_rules:
            if block.covers(atom):
                found = found | self.rule_ports(rule, destination)
        return found

    def candidates(self, workload: Workload, direction: str, everyone: list[Workload]) -> list[Workload]:
        """Peers that might have something allowed with workload in this direction."""
        side = self.side(workload, direction)
        if side is None or side.wildcard_rules or self.tiers is not None:
            return everyone
        wanted = side.by_peer
        return [w for w in everyone if self.class_of(w).index in wanted]

    # -- everything ------------------------------------------------------------------------

    def external_atoms(self) -> list[IPSet]:
        if self._atoms is not None:
            return self._atoms
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
        for cluster_policy in self.workspace.index.cluster_policies:
            for rule in cluster_policy.egress + cluster_policy.ingress:
                for tier_peer in rule.peers:
                    if tier_peer.kind == "networks":
                        blocks.extend(IPSet.from_cidr(t) for t in _ipv4_cidrs(tier_peer))
        self._atoms = cut_points(blocks)
        self._starts = [atom.intervals()[0][0] for atom in self._atoms]
        return self._atoms

    def compute(self, namespaces: Optional[set[str]] = None,
                stop: Optional[Callable[[], bool]] = None) -> ConnectivityResult:
        """Every allowed connection; with `namespaces`, only those with a workload of one of
        them at either end (what a change confined to those namespaces can alter: conndiff).
        `stop()` is asked between classes: True raises Interrupted (work in the background)."""
        workloads = self.workspace.workloads
        endpoints: dict[str, list[Workload]] = {}
        for workload in workloads:
            endpoints.setdefault(workload.endpoint, []).append(workload)
        classes = self.classes()
        senders: Optional[tuple[list[WorkloadClass], dict[int, list[WorkloadClass]]]] = None
        # only the classes of the namespaces asked for send to the others (None: every class)
        inside = None if namespaces is None else [c for c in classes if c.rep.namespace in namespaces]
        pairs: dict[tuple[str, str], ConnectionSet] = {}
        for dst in classes:
            if stop is not None and stop():
                raise Interrupted()
            if inside is not None and dst.rep.namespace not in namespaces:
                sources: Iterable[WorkloadClass] = [src for src in inside if self._may_send(src, dst)]
            else:
                ingress = self._class_side(dst, "ingress")
                if ingress is None or ingress.wildcard_rules or self.tiers is not None:
                    if senders is None:
                        senders = self._senders(classes)
                    sources = senders[0] + senders[1].get(dst.index, [])
                else:
                    sources = [classes[i] for i in ingress.by_peer]
            for src in sources:
                conn = self._allowed_classes(src, dst)
                if conn.is_empty():
                    continue
                for s in src.endpoints:
                    for d in dst.endpoints:
                        if s == d:
                            continue
                        previous = pairs.get((s, d))
                        pairs[(s, d)] = conn if previous is None else previous | conn
        connections = [Connection(s, d, c) for (s, d), c in pairs.items()]
        outside = endpoints if namespaces is None else \
            {name: pods for name, pods in endpoints.items() if pods[0].namespace in namespaces}
        connections.extend(self._external_connections(outside))
        connections.sort(key=lambda c: (c.src, c.dst))
        return ConnectivityResult(connections, endpoints)

    def _senders(self, classes: list[WorkloadClass]) -> tuple[list[WorkloadClass], dict[int, list[WorkloadClass]]]:
        """Who may send to a class: classes whose egress is open (unisolated, or a rule without
        peers), and per class those whose egress rules name it."""
        open_senders: list[WorkloadClass] = []
        named_senders: dict[int, list[WorkloadClass]] = {}
        for cls in classes:
            side = self._class_side(cls, "egress")
            if side is None or side.wildcard_rules or self.tiers is not None:
                open_senders.append(cls)
            else:
                for index in side.by_peer:
                    named_senders.setdefault(index, []).append(cls)
        return open_senders, named_senders

    def _may_send(self, src: WorkloadClass, dst: WorkloadClass) -> bool:
        if self.tiers is not None:  # a cluster-wide tier may allow what no NetworkPolicy names
            return True
        side = self._class_side(src, "egress")
        return side is None or bool(side.wildcard_rules) or dst.index in side.by_peer

    # -- the outside world -----------------------------------------------------------------

    def _profile(self, cls: WorkloadClass, outward: bool) -> list[tuple[int, int, ConnectionSet]]:
        """(first atom, last atom, connections) runs over the external atoms, for traffic from
        the class to the outside (outward) or from the outside into it."""
        atoms = self.external_atoms()
        last = len(atoms) - 1
        if self.tiers is not None:
            return self._tier_profile(cls, outward, atoms)
        side = self._class_side(cls, "egress" if outward else "ingress")
        if side is None:
            return [(0, last, ALL)]
        destination = None if outward else cls.rep
        base = self._wildcard_ports(side, destination)
        if base.is_all() or not side.ip_rules:
            return [] if base.is_empty() else [(0, last, base)]
        starts = self._starts
        opens: dict[int, list[int]] = {}
        closes: dict[int, list[int]] = {}
        rules = [rule for _block, rule in side.ip_rules]
        for number, (block, _rule) in enumerate(side.ip_rules):
            for first, end in block.intervals():
                i = bisect_right(starts, first) - 1
                j = last if end >= MAX_ADDRESS else bisect_right(starts, end + 1) - 2
                opens.setdefault(i, []).append(number)
                closes.setdefault(j + 1, []).append(number)
        points = sorted(set(opens) | set(closes) | {0})
        active: dict[int, int] = {}
        memo: dict[frozenset, ConnectionSet] = {}
        runs: list[tuple[int, int, ConnectionSet]] = []
        for k, point in enumerate(points):
            if point > last:
                break
            for number in closes.get(point, ()):
                active[number] -= 1
                if not active[number]:
                    del active[number]
            for number in opens.get(point, ()):
                active[number] = active.get(number, 0) + 1
            state = frozenset(active)
            conn = memo.get(state)
            if conn is None:
                conn = base
                for number in state:
                    conn = conn | self.rule_ports(rules[number], destination)
                memo[state] = conn
            end = (points[k + 1] - 1) if k + 1 < len(points) else last
            end = min(end, last)
            if runs and runs[-1][2] == conn and runs[-1][1] == point - 1:
                runs[-1] = (runs[-1][0], end, conn)
            else:
                runs.append((point, end, conn))
        return [run for run in runs if not run[2].is_empty()]

    def _tier_profile(self, cls: WorkloadClass, outward: bool, atoms: list[IPSet]) -> list:
        """_profile with the cluster tiers: every atom evaluated on its own."""
        runs: list[tuple[int, int, ConnectionSet]] = []
        for number, atom in enumerate(atoms):
            conn = self.external_direction(cls.rep, atom, outward)
            if runs and runs[-1][2] == conn and runs[-1][1] == number - 1:
                runs[-1] = (runs[-1][0], number, conn)
            else:
                runs.append((number, number, conn))
        return [run for run in runs if not run[2].is_empty()]

    def _external_connections(self, endpoints: dict[str, list[Workload]]) -> list[Connection]:
        atoms = self.external_atoms()
        bounds = [atom.intervals()[0] for atom in atoms]
        profiles: dict[tuple[int, bool], list] = {}
        grouped: dict[tuple[tuple[int, ...], bool], list[tuple[ConnectionSet, str]]] = {}
        out = []
        for name, pods in endpoints.items():
            indexes = tuple(sorted({self.class_of(pod).index for pod in pods}))
            for outward in (True, False):
                key = (indexes, outward)
                found = grouped.get(key)
                if found is None:
                    runs = []
                    for index in indexes:
                        pkey = (index, outward)
                        if pkey not in profiles:
                            profiles[pkey] = self._profile(self.classes()[index], outward)
                        runs.append(profiles[pkey])
                    found = grouped[key] = self._by_connection(runs, bounds)
                for conn, text in found:
                    out.append(Connection(name, text, conn) if outward else Connection(text, name, conn))
        return out

    @staticmethod
    def _by_connection(profiles: list[list], bounds: list[tuple[int, int]]) -> list[tuple[ConnectionSet, str]]:
        """The union of several profiles, grouped by connection set: (conn, CIDR list text)."""
        if len(profiles) == 1:
            merged = profiles[0]
        else:  # cut at every run boundary of every profile, union what covers each piece
            cuts = sorted({run[0] for runs in profiles for run in runs}
                          | {run[1] + 1 for runs in profiles for run in runs})
            merged = []
            for a, b in zip(cuts, cuts[1:]):
                conn = NONE
                for runs in profiles:
                    for first, last, c in runs:
                        if first <= a and b - 1 <= last:
                            conn = conn | c
                if not conn.is_empty():
                    merged.append((a, b - 1, conn))
        by_conn: dict[ConnectionSet, list[tuple[int, int]]] = {}
        for first, last, conn in merged:
            by_conn.setdefault(conn, []).append((bounds[first][0], bounds[last][1]))
        return [(conn, str(IPSet.from_ranges(ranges))) for conn, ranges in by_conn.items()]


def _ipv4_cidrs(peer) -> list[str]:
    out = []
    for text, _node in peer.networks:
        try:
            IPSet.from_cidr(text)
        except ValueError:
            continue
        out.append(text)
    return out


def compute_connectivity(workspace: Workspace) -> ConnectivityResult:
    return Engine(workspace).compute()
