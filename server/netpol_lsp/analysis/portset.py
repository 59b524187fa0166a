"""ConnectionSet: which (protocol, port) pairs a policy, a rule or a pair of workloads allows.

The connectivity engine unions, intersects and subtracts these for every pair of endpoints,
so they are small immutable values: per protocol a sorted tuple of merged, non-adjacent
inclusive port ranges. Equal sets have equal ranges, hence equal text: `canonical()` is
exactly the `conn` field of the conformance corpus (../shared/conformance/connlist.py).

The range algebra below works on any inclusive integer intervals; IPSet uses it too.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterable

PROTOCOLS = ("SCTP", "TCP", "UDP")  # sorted by name: the canonical text's order
MAX_PORT = 65535

ALL_TEXT = "All Connections"
NONE_TEXT = "No Connections"

Range = tuple[int, int]
Ranges = tuple[Range, ...]

_INDEX = {p: i for i, p in enumerate(PROTOCOLS)}
_FULL: Ranges = ((1, MAX_PORT),)
_GROUP = re.compile(r"(SCTP|TCP|UDP) ([0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*)")


# --- range algebra on sorted, merged, non-adjacent tuples of inclusive intervals

def merge_ranges(ranges: Iterable[Range]) -> Ranges:
    """Sorts and merges overlapping or adjacent intervals."""
    out: list[Range] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1] + 1:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return tuple(out)


def union_ranges(a: Ranges, b: Ranges) -> Ranges:
    if not a:
        return b
    if not b or a == b:
        return a
    return merge_ranges(a + b)  # timsort sees two runs: linear


def intersect_ranges(a: Ranges, b: Ranges) -> Ranges:
    # Each output piece comes from one (a, b) pair; canonical inputs make it canonical.
    out: list[Range] = []
    i = j = 0
    na, nb = len(a), len(b)
    while i < na and j < nb:
        s1, e1 = a[i]
        s2, e2 = b[j]
        s = s1 if s1 > s2 else s2
        e = e1 if e1 < e2 else e2
        if s <= e:
            out.append((s, e))
        if e1 < e2:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract_ranges(a: Ranges, b: Ranges) -> Ranges:
    if not a or not b:
        return a
    out: list[Range] = []
    j, nb = 0, len(b)
    for s, e in a:
        while j < nb and b[j][1] < s:  # b intervals wholly before this one
            j += 1
        cur = s
        while j < nb and b[j][0] <= e:
            bs, be = b[j]
            if bs > cur:
                out.append((cur, bs - 1))
            cur = be + 1
            if cur > e:
                break  # b[j] may reach into the next interval of a: keep j
            j += 1
        if cur <= e:
            out.append((cur, e))
    return tuple(out)


# --- ConnectionSet

def _index(protocol: str) -> int:
    try:
        return _INDEX[protocol]
    except KeyError:
        raise ValueError(f"unknown protocol {protocol!r}: expected one of {', '.join(PROTOCOLS)}") from None


def _check_ports(start: int, end: int) -> None:
    if not 1 <= start <= end <= MAX_PORT:
        raise ValueError(f"invalid port range {start}-{end}: ports are 1..{MAX_PORT}, start <= end")


class ConnectionSet:
    """An immutable set of (protocol, port) pairs; compare, hash and print it by value."""

    __slots__ = ("_r",)
    _r: tuple[Ranges, Ranges, Ranges]  # ranges per protocol, in PROTOCOLS order

    def __init__(self) -> None:
        raise TypeError("use ConnectionSet.all(), .none(), .ports(), .protocol() or .parse()")

    @classmethod
    def _make(cls, r: tuple[Ranges, Ranges, Ranges]) -> ConnectionSet:
        # The extremes are singletons, so identity checks below take the fast path.
        if r == _ALL_R:
            return _ALL
        if r == _NONE_R:
            return _NONE
        cs = object.__new__(cls)
        object.__setattr__(cs, "_r", r)
        return cs

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ConnectionSet is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("ConnectionSet is immutable")

    def __reduce__(self) -> tuple:
        return (ConnectionSet._make, (self._r,))  # copy and pickle keep the singletons

    # constructors

    @staticmethod
    def all() -> ConnectionSet:
        return _ALL

    @staticmethod
    def none() -> ConnectionSet:
        return _NONE

    @classmethod
    def ports(cls, protocol: str, start: int, end: int | None = None) -> ConnectionSet:
        """Ports start..end (inclusive) of one protocol; a single port when end is None."""
        if end is None:
            end = start
        _check_ports(start, end)
        r: list[Ranges] = [(), (), ()]
        r[_index(protocol)] = ((start, end),)
        return cls._make((r[0], r[1], r[2]))

    @classmethod
    def protocol(cls, protocol: str) -> ConnectionSet:
        """Every port of one protocol."""
        return cls.ports(protocol, 1, MAX_PORT)

    @classmethod
    def parse(cls, text: str) -> ConnectionSet:
        """The inverse of canonical(); also accepts unsorted or overlapping ranges."""
        text = text.strip()
        if text == ALL_TEXT:
            return _ALL
        if text == NONE_TEXT:
            return _NONE
        r: list[list[Range]] = [[], [], []]
        for group in text.split(";"):
            m = _GROUP.fullmatch(group.strip())
            if not m:
                raise ValueError(f"cannot parse connections {text!r} at {group!r}")
            ranges = r[_INDEX[m.group(1)]]
            for token in m.group(2).split(","):
                start, _, end = token.partition("-")
                rng = (int(start), int(end or start))
                _check_ports(*rng)
                ranges.append(rng)
        return cls._make((merge_ranges(r[0]), merge_ranges(r[1]), merge_ranges(r[2])))

    # set algebra

    def __or__(self, other: ConnectionSet) -> ConnectionSet:
        if self is _ALL or other is _NONE:
            return self
        if other is _ALL or self is _NONE:
            return other
        a, b = self._r, other._r
        return ConnectionSet._make(
            (union_ranges(a[0], b[0]), union_ranges(a[1], b[1]), union_ranges(a[2], b[2])))

    def __and__(self, other: ConnectionSet) -> ConnectionSet:
        if self is _ALL or other is _NONE:
            return other
        if other is _ALL or self is _NONE:
            return self
        a, b = self._r, other._r
        return ConnectionSet._make(
            (intersect_ranges(a[0], b[0]), intersect_ranges(a[1], b[1]), intersect_ranges(a[2], b[2])))

    def __sub__(self, other: ConnectionSet) -> ConnectionSet:
        if other is _NONE or self is _NONE:
            return self
        if other is _ALL:
            return _NONE
        a, b = self._r, other._r
        return ConnectionSet._make(
            (subtract_ranges(a[0], b[0]), subtract_ranges(a[1], b[1]), subtract_ranges(a[2], b[2])))

    # queries

    def is_empty(self) -> bool:
        return self is _NONE

    def is_all(self) -> bool:
        return self is _ALL

    def contains(self, protocol: str, port: int) -> bool:
        ranges = self._r[_index(protocol)]
        i = bisect_right(ranges, (port, MAX_PORT))  # first range starting after port
        return i > 0 and ranges[i - 1][1] >= port

    def covers(self, other: ConnectionSet) -> bool:
        """True when self is a superset of other."""
        return (other - self) is _NONE

    def ranges(self, protocol: str) -> Ranges:
        """The merged inclusive (start, end) port ranges of one protocol, ascending."""
        return self._r[_index(protocol)]

    # value semantics

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not ConnectionSet:
            return NotImplemented
        return self._r == other._r  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._r)

    def canonical(self) -> str:
        if self is _ALL:
            return ALL_TEXT
        if self is _NONE:
            return NONE_TEXT
        return ";".join(
            p + " " + ",".join(str(s) if s == e else f"{s}-{e}" for s, e in ranges)
            for p, ranges in zip(PROTOCOLS, self._r) if ranges)

    __str__ = canonical

    def __repr__(self) -> str:
        return f"ConnectionSet.parse({self.canonical()!r})"


_ALL_R = (_FULL, _FULL, _FULL)
_NONE_R: tuple[Ranges, Ranges, Ranges] = ((), (), ())
_ALL = object.__new__(ConnectionSet)
object.__setattr__(_ALL, "_r", _ALL_R)
_NONE = object.__new__(ConnectionSet)
object.__setattr__(_NONE, "_r", _NONE_R)
