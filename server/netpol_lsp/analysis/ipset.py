"""IPSet: sets of IPv4 addresses, for ipBlock peers and the world outside the cluster.

An ipBlock is a CIDR minus its `except` CIDRs, which is rarely one CIDR; the engine cuts
the outside world at every ipBlock boundary (cut_points) and prints each piece as the
minimal ascending CIDR list that the conformance corpus uses. Stored as sorted, merged,
non-adjacent inclusive integer intervals, so equal sets compare and hash equal.
"""
from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, summarize_address_range
from typing import Iterable

from .portset import Ranges, intersect_ranges, merge_ranges, subtract_ranges, union_ranges

MAX_ADDRESS = 2**32 - 1

_CIDR = re.compile(r"[0-9.]+/[0-9]{1,2}")  # Kubernetes wants prefix notation, not netmasks


class IPSet:
    """An immutable set of IPv4 addresses; compare, hash and print it by value."""

    __slots__ = ("_iv",)
    _iv: Ranges

    def __init__(self) -> None:
        raise TypeError("use IPSet.from_cidr(), .from_ranges(), .all() or .none()")

    @classmethod
    def _make(cls, iv: Ranges) -> IPSet:
        if iv == _ALL_IV:
            return _ALL
        if not iv:
            return _NONE
        s = object.__new__(cls)
        object.__setattr__(s, "_iv", iv)
        return s

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("IPSet is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("IPSet is immutable")

    def __reduce__(self) -> tuple:
        return (IPSet._make, (self._iv,))  # copy and pickle keep the singletons

    # constructors

    @staticmethod
    def all() -> IPSet:
        return _ALL

    @staticmethod
    def none() -> IPSet:
        return _NONE

    @classmethod
    def from_cidr(cls, text: str) -> IPSet:
        """An IPv4 CIDR "a.b.c.d/n", host bits masked off; ValueError for IPv6 or bad text."""
        if ":" in text:
            raise ValueError(f"IPv6 CIDR {text!r} is not supported: only IPv4 is analysed")
        if not _CIDR.fullmatch(text):
            raise ValueError(f"invalid CIDR {text!r}: expected a.b.c.d/prefix")
        try:
            net = IPv4Network(text, strict=False)
        except ValueError as e:
            raise ValueError(f"invalid CIDR {text!r}: {e}") from None
        return cls._make(((int(net.network_address), int(net.broadcast_address)),))

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> IPSet:
        """Inclusive (first, last) integer address pairs, in any order, overlapping or not."""
        ranges = list(ranges)
        for a, b in ranges:
            if not 0 <= a <= b <= MAX_ADDRESS:
                raise ValueError(f"invalid address range {a}-{b}: need 0 <= first <= last <= 2**32-1")
        return cls._make(merge_ranges(ranges))

    # set algebra

    def __or__(self, other: IPSet) -> IPSet:
        return IPSet._make(union_ranges(self._iv, other._iv))

    def __and__(self, other: IPSet) -> IPSet:
        return IPSet._make(intersect_ranges(self._iv, other._iv))

    def __sub__(self, other: IPSet) -> IPSet:
        return IPSet._make(subtract_ranges(self._iv, other._iv))

    # queries

    def is_empty(self) -> bool:
        return self is _NONE

    def covers(self, other: IPSet) -> bool:
        """True when self is a superset of other."""
        return (other - self) is _NONE

    def intervals(self) -> Ranges:
        """The merged inclusive (first, last) integer ranges, ascending."""
        return self._iv

    def to_cidrs(self) -> list[str]:
        """The minimal CIDR list, ascending. Intervals are never adjacent, so the
        per-interval summaries never merge: no collapse_addresses pass is needed."""
        return [str(net) for a, b in self._iv
                for net in summarize_address_range(IPv4Address(a), IPv4Address(b))]

    # value semantics

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not IPSet:
            return NotImplemented
        return self._iv == other._iv  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._iv)

    def __str__(self) -> str:
        return ",".join(self.to_cidrs())

    def __repr__(self) -> str:
        return f"IPSet({str(self)!r})"


def cut_points(ipsets: Iterable[IPSet]) -> list[IPSet]:
    """Partitions 0.0.0.0/0 into ascending intervals at every boundary of any input set,
    so each piece lies wholly inside or wholly outside each input."""
    points = {0}
    for s in ipsets:
        for a, b in s._iv:
            points.add(a)
            if b < MAX_ADDRESS:
                points.add(b + 1)
    starts = sorted(points)
    ends = [p - 1 for p in starts[1:]] + [MAX_ADDRESS]
    return [IPSet._make(((a, b),)) for a, b in zip(starts, ends)]


_ALL_IV: Ranges = ((0, MAX_ADDRESS),)
_ALL = object.__new__(IPSet)
object.__setattr__(_ALL, "_iv", _ALL_IV)
_NONE = object.__new__(IPSet)
object.__setattr__(_NONE, "_iv", ())
