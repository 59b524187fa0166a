"""What a change does to connectivity: the allowed connections of two workspaces compared.

Pairs of workloads compare by their endpoint names (`ns/name[Kind]`). The outside world does
not: each side cuts IPv4 space at its own ipBlock boundaries, so an `except` added on one side
renames every external endpoint. External connections are compared per workload and direction
over the address space instead: both sides' ranges are cut at each other's boundaries, and the
pieces where what is allowed differs are grouped by (before, after) into one CIDR list each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .connectivity import Connection
from .ipset import IPSet, cut_points
from .portset import ConnectionSet

NONE = ConnectionSet.none()


@dataclass(frozen=True)
class PairChange:
    """One pair whose allowed connections differ: what was allowed before and what is now."""

    src: str
    dst: str
    old: ConnectionSet
    new: ConnectionSet

    @property
    def added(self) -> ConnectionSet:
        return self.new - self.old

    @property
    def removed(self) -> ConnectionSet:
        return self.old - self.new

    @property
    def kind(self) -> str:
        """added: the pair could not talk before; removed: it cannot any more; changed: ports."""
        if self.old.is_empty():
            return "added"
        if self.new.is_empty():
            return "removed"
        return "changed"

    def as_dict(self) -> dict:
        return {"src": self.src, "dst": self.dst, "change": self.kind, "old": self.old.canonical(),
                "new": self.new.canonical(), "added": self.added.canonical(),
                "removed": self.removed.canonical()}


@dataclass
class ConnectivityDiff:
    changes: list[PairChange]

    @property
    def added(self) -> list[PairChange]:
        """Pairs that gained something (new pairs, and changed pairs with new ports)."""
        return [c for c in self.changes if not c.added.is_empty()]

    @property
    def removed(self) -> list[PairChange]:
        """Pairs that lost something."""
        return [c for c in self.changes if not c.removed.is_empty()]

    def counts(self) -> dict[str, int]:
        kinds = [c.kind for c in self.changes]
        return {"added": kinds.count("added"), "removed": kinds.count("removed"),
                "changed": kinds.count("changed")}


def is_external(endpoint: str) -> bool:
    return not endpoint.endswith("]")


def parse_external(endpoint: str) -> IPSet:
    """An external endpoint's name (a comma-separated CIDR list) back to its address set."""
    found = IPSet.none()
    for cidr in endpoint.split(","):
        found = found | IPSet.from_cidr(cidr)
    return found


def diff_connections(old: Iterable[Connection], new: Iterable[Connection]) -> ConnectivityDiff:
    old_pairs, old_outside = _split(old)
    new_pairs, new_outside = _split(new)
    changes = []
    for key in sorted(set(old_pairs) | set(new_pairs)):
        before, after = old_pairs.get(key, NONE), new_pairs.get(key, NONE)
        if before != after:
            changes.append(PairChange(key[0], key[1], before, after))
    for key in sorted(set(old_outside) | set(new_outside)):
        workload, outward = key
        for block, before, after in _outside_changes(old_outside.get(key, []), new_outside.get(key, [])):
            text = str(block)
            src, dst = (workload, text) if outward else (text, workload)
            changes.append(PairChange(src, dst, before, after))
    changes.sort(key=lambda c: (c.src, c.dst))
    return ConnectivityDiff(changes)


def _split(connections: Iterable[Connection]):
    """Workload pairs -> connections; (workload, outward) -> [(addresses, connections)]."""
    pairs: dict[tuple[str, str], ConnectionSet] = {}
    outside: dict[tuple[str, bool], list[tuple[IPSet, ConnectionSet]]] = {}
    for c in connections:
        if is_external(c.dst):
            outside.setdefault((c.src, True), []).append((parse_external(c.dst), c.conn))
        elif is_external(c.src):
            outside.setdefault((c.dst, False), []).append((parse_external(c.src), c.conn))
        else:
            key = (c.src, c.dst)
            previous = pairs.get(key)
            pairs[key] = c.conn if previous is None else previous | c.conn
    return pairs, outside


def _outside_changes(before: list[tuple[IPSet, ConnectionSet]], after: list[tuple[IPSet, ConnectionSet]]):
    """(addresses, before, after) for the address ranges where what is allowed differs."""
    pieces = cut_points([block for block, _ in before] + [block for block, _ in after])
    grouped: dict[tuple[ConnectionSet, ConnectionSet], list[tuple[int, int]]] = {}
    for piece in pieces:
        old, new = _at(before, piece), _at(after, piece)
        if old != new:
            grouped.setdefault((old, new), []).extend(piece.intervals())
    out = [(IPSet.from_ranges(ranges), old, new) for (old, new), ranges in grouped.items()]
    out.sort(key=lambda item: item[0].intervals()[0])
    return out


def _at(runs: list[tuple[IPSet, ConnectionSet]], piece: IPSet) -> ConnectionSet:
    found = NONE
    for block, conn in runs:
        if block.covers(piece):  # pieces lie wholly inside or outside every block
            found = found | conn
    return found
