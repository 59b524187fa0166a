""""Did you mean": the one existing label a selector's missing pair was plainly meant to be.

Only typos are suggested: the same key with a value one edit away (a letter added, dropped,
changed, or two neighbours swapped), or a key one edit away with the same value. Another key
(`name=prometheus` -> `app.kubernetes.io/part-of=kube-prometheus`) or another component
(`argocd-server` -> `argocd-repo-server`) is a different selection, not a typo. A suggestion is
made only when exactly one candidate exists and the corrected selector selects exactly one
object (workload or namespace): a fix never widens a selection to several workloads.

Cost: the labels of a group (a namespace's workloads, or all namespaces) are indexed once per
analysis as distinct (key, value) pairs; the one-edit neighbours of a word are looked up
through its one-deletion variants (a word within one edit of another shares a variant with
it), so a query costs the length of its words, not the size of the namespace.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ..model import Selector

MAX_CANDIDATES = 8  # more one-edit neighbours than this: not a typo anyone can single out


@dataclass(frozen=True)
class Suggestion:
    old: str  # "app=frontnd"
    new: str  # "app=frontend"
    owner: object  # the one workload or namespace the corrected selector selects


def one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter inserted, deleted, substituted, or two adjacent letters
    swapped (optimal string alignment distance 1)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    start = 0
    while start < min(la, lb) and a[start] == b[start]:
        start += 1
    if la == lb:
        if a[start + 1:] == b[start + 1:]:
            return True  # one substitution
        return (start + 1 < la and a[start] == b[start + 1] and a[start + 1] == b[start]
                and a[start + 2:] == b[start + 2:])  # one transposition
    if la > lb:
        return a[start + 1:] == b[start:]
    return b[start + 1:] == a[start:]


def _variants(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


class _Neighbours:
    """Words by their one-deletion variants: the words within one edit of a query."""

    def __init__(self, words: Iterable[str]):
        self._by_variant: dict[str, list[str]] = {}
        for word in words:
            for variant in _variants(word):
                self._by_variant.setdefault(variant, []).append(word)

    def of(self, word: str) -> list[str]:
        found = set()
        for variant in _variants(word):
            for other in self._by_variant.get(variant, ()):
                if other not in found and one_edit_apart(word, other):
                    found.add(other)
        return sorted(found)


class _Union:
    """The neighbours of two word sets' union: those of each."""

    def __init__(self, base: _Neighbours, extra: _Neighbours):
        self.base, self.extra = base, extra

    def of(self, word: str) -> list[str]:
        return sorted(set(self.base.of(word)) | set(self.extra.of(word)))


class LabelIndex:
    """The distinct label pairs of a group of objects, by key; neighbour indexes built lazily.
    base: the index of a group these objects are added to (a Kustomize root's view: the loose
    files' namespaces and the root's): its neighbour indexes are shared, not built again."""

    def __init__(self, objects: Iterable, labels_of: Callable[[object], dict[str, str]],
                 base: Optional["LabelIndex"] = None):
        self._base = base
        self.values: dict[str, set[str]] = {key: set(values) for key, values in base.values.items()} if base else {}
        for obj in objects:
            for key, value in labels_of(obj).items():
                self.values.setdefault(key, set()).add(value)
        self._value_neighbours: dict[str, _Neighbours] = {}
        self._key_neighbours: Optional[_Neighbours] = None

    def _values_neighbours(self, key: str):
        found = self._value_neighbours.get(key)
        if found is None:
            base = self._base
            if base is not None and key in base.values:
                extra = self.values[key] - base.values[key]
                found = base._values_neighbours(key)
                found = _Union(found, _Neighbours(extra)) if extra else found
            else:
                found = _Neighbours(self.values[key])
            self._value_neighbours[key] = found
        return found

    def _keys_neighbours(self):
        if self._key_neighbours is None:
            base = self._base
            if base is not None:
                extra = self.values.keys() - base.values.keys()
                found = base._keys_neighbours()
                self._key_neighbours = _Union(found, _Neighbours(extra)) if extra else found
            else:
                self._key_neighbours = _Neighbours(self.values)
        return self._key_neighbours

    def has(self, key: str, value: str) -> bool:
        return value in self.values.get(key, ())

    def typo_candidates(self, key: str, value: str) -> list[tuple[str, str]]:
        """(key, value) pairs one typo away from key=value: same key, or same value."""
        found = []
        if key in self.values:
            found += [(key, other) for other in self._values_neighbours(key).of(value)]
        found += [(other, value) for other in self._keys_neighbours().of(key) if value in self.values[other]]
        return found


def suggest(selector: Selector, indexes: list[LabelIndex],
            selected_by: Callable[[Selector], list]) -> Optional[Suggestion]:
    """The one typo fix of the selector's matchLabels, or None. `indexes`: the label indexes of
    the groups the selector looks into; `selected_by(selector)`: what a selector selects there."""
    if not selector.valid:
        return None
    candidates: list[tuple[str, str, str, str]] = []
    for key, value in selector.match_labels.items():
        if any(index.has(key, value) for index in indexes):
            continue  # this pair exists: the typo, if any, is elsewhere
        pairs = set()
        for index in indexes:
            pairs.update(index.typo_candidates(key, value))
        candidates += [(key, value, k, v) for k, v in sorted(pairs) if k == key or k not in selector.match_labels]
        if len(candidates) > MAX_CANDIDATES:
            return None
    found = None
    for key, value, new_key, new_value in candidates:
        labels = {(new_key if k == key else k): (new_value if k == key else v)
                  for k, v in selector.match_labels.items()}
        fixed = Selector(labels, selector.expressions, None)
        selected = selected_by(fixed)
        if len(selected) != 1:
            continue  # nothing, or several workloads: not a fix of a typo
        if found is not None:
            return None  # two plausible fixes: guessing would be worse than saying nothing
        found = Suggestion(f"{key}={value}", f"{new_key}={new_value}", selected[0])
    return found
