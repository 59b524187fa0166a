"""Buckets that find the candidates for "outer covers inner" without comparing all pairs (NP070).

`selector_covers(outer, inner)` holds only when every requirement of outer follows from inner's
requirements. Each outer selector is filed under ONE of its requirements (any one will do: all
must hold), as a bucket key that inner must imply for that requirement to follow:

- `k=v` (matchLabels) or `k In (v1, v2)`: inner must pin k to values among them, so inner's
  allowed values for k are a non-empty subset (one of them is looked up: ("value", k, v)) or
  none at all (a contradiction, implied by anything on k: ("values of", k));
- `k Exists`: inner must require k (matchLabels, In or Exists on k): ("exists", k);
- `k DoesNotExist`: inner must say DoesNotExist on k: ("absent", k);
- `k NotIn (...)`: inner must mention k in some way: ("mentions", k);
- no requirement (or one that can follow from anything, `NotIn ()`): ("any",).

An inner selector looks up every key its own requirements imply (`implied_keys`). The buckets
only narrow the candidates: the exact test still decides, so a candidate too many costs time,
never a finding; a cover is never missed because every way a requirement can follow is a key
inner looks up. tests/test_np070_index.py checks that against the pairwise test.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Optional

from ..analysis.selection import SHARED_LIMIT, selector_key
from ..model import Peer, Selector

ANY = ("any",)


def selector_bucket(selector: Selector) -> list[Hashable]:
    """The keys an outer selector is filed under (several only for `In`: one per value)."""
    for key, value in selector.match_labels.items():
        return [("value", key, value)]
    best: Optional[list[Hashable]] = None
    best_rank = None
    for requirement in selector.expressions:
        key, op = requirement.key, requirement.operator
        if op == "In":
            # an empty In follows only from a contradiction on k: filed with the values of k
            found: list[Hashable] = [("value", key, v) for v in sorted(set(requirement.values))] \
                or [("values of", key)]
            rank = len(found)
        elif op == "Exists":
            found, rank = [("exists", key)], 1000  # broad buckets last
        elif op == "DoesNotExist":
            found, rank = [("absent", key)], 1000
        elif op == "NotIn" and requirement.values:
            found, rank = [("mentions", key)], 1000
        else:
            continue  # NotIn () or an unknown operator: nothing inner must name
        if best_rank is None or rank < best_rank:
            best, best_rank = found, rank
    return best if best is not None else [ANY]


def implied_keys(selector: Selector) -> frozenset[Hashable]:
    """Every bucket key under which an outer selector covering `selector` can be filed. Kept on
    the selector (built once, never changed): NP070 asks it of every rule of the edited file's
    namespace on each keystroke, and the other files' selectors are the same objects."""
    found = selector._implied_keys
    if found is None:
        content = selector_key(selector)  # equal selectors share one set (selection.shared)
        found = _IMPLIED.get(content) if content is not None else None
        if found is None:
            found = frozenset(_implied_keys(selector))
            if content is not None:
                if len(_IMPLIED) >= SHARED_LIMIT:
                    _IMPLIED.clear()
                _IMPLIED[content] = found
        selector._implied_keys = found
    return found


_IMPLIED: dict = {}  # a selector's content (selection.selector_key) -> its implied keys


def _implied_keys(selector: Selector) -> set[Hashable]:
    keys: set[Hashable] = {ANY}
    possible: dict[str, Optional[set[str]]] = {}
    for key, value in selector.match_labels.items():
        possible[key] = {value}
        keys.add(("exists", key))
        keys.add(("mentions", key))
    excluded: dict[str, set[str]] = {}
    for r in selector.expressions:
        keys.add(("mentions", r.key))
        if r.operator == "In":
            values = set(r.values)
            possible[r.key] = values if possible.get(r.key) is None else possible[r.key] & values
            keys.add(("exists", r.key))
        elif r.operator == "Exists":
            keys.add(("exists", r.key))
        elif r.operator == "DoesNotExist":
            keys.add(("absent", r.key))
        elif r.operator == "NotIn":
            excluded.setdefault(r.key, set()).update(r.values)
    for key, values in possible.items():
        values = values - excluded.get(key, set()) if values is not None else None
        if values is None:
            continue
        if values:
            keys.update(("value", key, v) for v in values)
        else:
            keys.add(("values of", key))  # nothing can satisfy inner on k: every outer on k follows
    return keys


class SelectorIndex:
    """Items filed by an outer selector (or under a plain key); `candidates(inner)` gives every
    item whose selector can cover `inner` (and some that do not), each once, in the order the
    items were first added."""

    def __init__(self):
        self._buckets: dict[Hashable, list[tuple[int, object]]] = {}
        self._numbers: dict[int, int] = {}  # id(item) -> when it was first added
        self._items: list[object] = []  # keeps the items (and so their ids) alive

    def _entry(self, item: object) -> tuple[int, object]:
        number = self._numbers.get(id(item))
        if number is None:
            number = self._numbers[id(item)] = len(self._items)
            self._items.append(item)
        return number, item

    def add(self, selector: Selector, item: object, prefix: Hashable = ()) -> None:
        entry = self._entry(item)
        for key in selector_bucket(selector):
            self._buckets.setdefault((prefix, key), []).append(entry)
            if key[0] == "value":  # a contradiction on k is covered by every outer on k
                self._buckets.setdefault((prefix, ("values of", key[1])), []).append(entry)

    def add_key(self, key: Hashable, item: object) -> None:
        self._buckets.setdefault(key, []).append(self._entry(item))

    def lookup(self, keys: Iterable[Hashable]) -> list:
        seen: dict[int, object] = {}
        for key in keys:
            for number, item in self._buckets.get(key, ()):
                seen.setdefault(number, item)
        return [seen[n] for n in sorted(seen)]

    def count(self, keys: Iterable[Hashable]) -> int:
        """An upper bound of len(lookup(keys)), without building it."""
        return sum(len(self._buckets.get(key, ())) for key in keys)

    def candidates(self, inner: Selector, prefix: Hashable = ()) -> list:
        return self.lookup((prefix, key) for key in implied_keys(inner))


# --- peers ------------------------------------------------------------------------------------

def peer_keys_outer(peer: Peer, namespace_selected: bool) -> list[tuple[Hashable, Optional[Selector]]]:
    """Where an outer peer is filed: (key, selector) pairs; with a selector, the key is a prefix
    and the selector's own bucket follows. `namespace_selected`: the peer's namespaceSelector
    certainly selects the policy's own namespace (then it also covers peers without one)."""
    if peer.ip_block is not None:
        return [(("ip",), None)]
    if not peer.is_cluster_peer:
        return []  # matches nothing: covers nothing
    pod = peer.pod_selector
    if pod is not None and not pod.is_empty():
        return [(("pod",), pod)] if pod.valid else []
    if peer.namespace_selector is None:
        return [(("own namespace",), None)]
    if not peer.namespace_selector.valid:
        return []
    found: list[tuple[Hashable, Optional[Selector]]] = [(("namespaces",), peer.namespace_selector)]
    if namespace_selected:
        found.append((("own namespace",), None))
    return found


def peer_keys_inner(peer: Peer) -> list[Hashable]:
    """Every key under which an outer peer covering this one can be filed."""
    if peer.ip_block is not None:
        return [("ip",)]
    if not peer.is_cluster_peer:
        return []
    keys: list[Hashable] = []
    if peer.pod_selector is not None and peer.pod_selector.valid:
        keys += [(("pod",), key) for key in implied_keys(peer.pod_selector)]
    if peer.namespace_selector is None:
        keys.append(("own namespace",))
    elif peer.namespace_selector.valid:
        keys += [(("namespaces",), key) for key in implied_keys(peer.namespace_selector)]
    return keys
