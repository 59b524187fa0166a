"""The peers that reach into other namespaces (a namespaceSelector), indexed by the pod label
keys their podSelector reads: when a workload's labels change, only the peers reading a changed
key can match it differently (incremental.py), whatever the number of policies whose
namespaceSelector selects its namespace.

Kept per analysis and updated for the edited files only (`replacing`), so an edit costs the
peers of the files it touched, not a walk over every policy.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, Optional

from ..model import NetworkPolicy, Peer, Selector


def _reads(selector: Selector) -> set[str]:
    return set(selector.match_labels) | {r.key for r in selector.expressions}


READING_KEPT = 64  # the answers carried to the next edit: the newest (each is updated per edit)


class CrossPeers:
    def __init__(self):
        self.by_path: dict[str, list[Peer]] = {}  # a file's peers with a namespaceSelector
        self.by_key: dict[str, frozenset[str]] = {}  # pod label key -> files whose such peers read it
        self.suggesting: frozenset[str] = frozenset()  # files with such a peer that did-you-mean can answer
        # (namespace labels, pod label key) -> files with a peer whose podSelector reads the key and
        # whose namespaceSelector matches those labels: the answer of `reaching` for a label edit,
        # kept across edits (a keystroke in one workload asks it again and again)
        self.reading: dict[tuple, frozenset[str]] = {}
        # namespace labels -> file -> the anchors of its peers that did-you-mean answers there
        self.suggested: dict[tuple, dict[str, frozenset]] = {}

    @classmethod
    def build(cls, policies: Iterable[NetworkPolicy]) -> "CrossPeers":
        built = cls()
        by_key: dict[str, set[str]] = {}
        suggesting = set()
        for policy in policies:
            peers = _cross_peers(policy)
            if peers:
                built.by_path.setdefault(policy.path, []).extend(peers)
                for peer in peers:
                    for key in _reads(peer.pod_selector) if peer.pod_selector is not None else ():
                        by_key.setdefault(key, set()).add(policy.path)
                    if peer.pod_selector is not None and peer.pod_selector.match_labels:
                        suggesting.add(policy.path)
        built.by_key = {key: frozenset(paths) for key, paths in by_key.items()}
        built.suggesting = frozenset(suggesting)
        return built

    def replacing(self, paths: set[str], policies: Iterable[NetworkPolicy]) -> "CrossPeers":
        """This index with the peers of `paths` replaced by those of `policies` (the new
        versions of every policy in those files)."""
        fresh = CrossPeers.build(policies)
        out = CrossPeers()
        out.by_path = {p: peers for p, peers in self.by_path.items() if p not in paths}
        out.by_path.update(fresh.by_path)
        by_key = dict(self.by_key)
        for key, held in self.by_key.items():
            if not held.isdisjoint(paths):
                by_key[key] = held - paths
        for key, added in fresh.by_key.items():
            by_key[key] = by_key.get(key, frozenset()) | added
        out.by_key = {key: held for key, held in by_key.items() if held}
        out.suggesting = (self.suggesting - paths) | fresh.suggesting
        for (labels, key), held in list(self.reading.items())[-READING_KEPT:]:
            out.reading[labels, key] = (held - paths) | fresh._reading(labels, key)
        for labels, anchors in list(self.suggested.items())[-READING_KEPT:]:
            kept = {path: spans for path, spans in anchors.items() if path not in paths}
            kept.update(fresh._suggested(labels))
            out.suggested[labels] = kept
        return out

    def _suggested(self, labels: tuple) -> dict[str, frozenset]:
        """File -> the podSelector anchors of its matchLabels peers reaching a namespace labelled
        `labels` (the files in `suggesting` that have some)."""
        found = self.suggested.get(labels)
        if found is None:
            namespace_labels = dict(labels)
            found = self.suggested[labels] = {}
            for path in self.suggesting:
                anchors = frozenset(peer.pod_selector.anchor for peer in self.by_path[path]
                                    if peer.pod_selector is not None and peer.pod_selector.match_labels
                                    and peer.namespace_selector.matches(namespace_labels))
                if anchors:
                    found[path] = anchors
        return found

    def _reading(self, labels: tuple, key: str) -> frozenset[str]:
        """The files with a peer reading pod label `key` in a namespace labelled `labels`."""
        found = self.reading.get((labels, key))
        if found is None:
            namespace_labels = dict(labels)
            found = self.reading[labels, key] = frozenset(
                path for path in self.by_key.get(key, ())
                if any(peer.pod_selector is not None and key in _reads(peer.pod_selector)
                       and peer.namespace_selector.matches(namespace_labels) for peer in self.by_path[path]))
        return found

    def reaching(self, namespace_labels: Mapping[str, str], old: Mapping[str, str], new: Mapping[str, str],
                 labels_only: bool, unmatched: Iterable[str],
                 unmatched_at: Callable[[str], set]) -> set[str]:
        """The files whose cross-namespace peers can see a change of a workload of a namespace
        with `namespace_labels`: its template labels went from `old` to `new`; `labels_only`:
        nothing else of it changed. `unmatched`: files that had unmatched-peer findings, and
        `unmatched_at(path)` where they were: a peer matching nothing before and after gets a
        did-you-mean that reads every label of the namespaces it reaches."""
        found = set()
        labels = tuple(sorted(namespace_labels.items()))
        if labels_only:
            changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
            for key in changed:
                found |= self._reading(labels, key)
        else:  # ports, images...: every peer matching the workload, before or after
            for path, peers in self.by_path.items():
                if any(_matches(peer, namespace_labels, old, new) for peer in peers):
                    found.add(path)
        suggested = self._suggested(labels)
        for path in suggested.keys() & unmatched:
            # where its findings are, read only for a file with such a peer
            if path not in found and not suggested[path].isdisjoint(unmatched_at(path)):
                found.add(path)
        return found


def _matches(peer: Peer, namespace_labels, old, new) -> bool:
    if not peer.namespace_selector.matches(namespace_labels):
        return False
    pod: Optional[Selector] = peer.pod_selector
    return pod is None or pod.matches(old) or pod.matches(new)


def _cross_peers(policy: NetworkPolicy) -> list[Peer]:
    """The peers with a namespaceSelector; and, for NP004 (which looks for a pod-only peer's pods
    in the namespaces of the namespaceSelector peer beside it), every pod selector of a rule
    paired with every namespaceSelector of that rule, as one peer reaching those namespaces."""
    found = []
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            peers = [p for p in rule.peers or () if p.ip_block is None]
            found += [p for p in peers if p.namespace_selector is not None]
            for ns_peer in peers:
                if ns_peer.namespace_selector is None:
                    continue
                for pod_peer in peers:
                    if pod_peer is not ns_peer and pod_peer.pod_selector is not None:
                        found.append(Peer(pod_peer.pod_selector, ns_peer.namespace_selector, None,
                                          pod_peer.node, pod_peer.index))
    return found
