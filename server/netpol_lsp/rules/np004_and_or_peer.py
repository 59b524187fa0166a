"""NP004 and-or-peer: a `- podSelector` item right after a `- namespaceSelector` item (or the
reverse) in one from/to list: two peers (OR) where one peer with both selectors (AND) may have
been meant. The difference is one dash; the finding says which one the YAML means."""
from __future__ import annotations

from ..findings import Fix, Related, Severity, TextEdit
from ..manifests.nodes import Mapping
from ..span import Span, codepoint_col
from . import fixes
from .base import describe_workload, finding

ID = "NP004"
NAME = "and-or-peer"
SEVERITY = Severity.WARNING
SUMMARY = "a podSelector peer next to a namespaceSelector peer: two peers (OR) where one (AND) may be meant"


def check(ctx):
    for policy in ctx.policies():
        for direction in ("ingress", "egress"):
            word = "from" if direction == "ingress" else "to"
            for rule in policy.rules(direction):
                peers = rule.peers or []
                for first, second in zip(peers, peers[1:]):
                    pair = _pair(first, second)
                    if pair is None:
                        continue
                    ns_peer, pod_peer = pair
                    evidence = _evidence(ctx, policy, ns_peer, pod_peer)
                    if evidence is None:
                        continue  # the OR reads as meant (or what it reaches cannot be seen)
                    ns_text = ns_peer.namespace_selector.text()
                    pod_text = pod_peer.pod_selector.text()
                    message = (f"these are two '{word}' peers, ORed (every pod in the namespaces with {ns_text}, or "
                               f"the pods with {pod_text} in namespace {policy.namespace}), and {evidence}, so one "
                               f"peer (AND) was probably meant. If so, write both selectors in one list item "
                               f"(remove the '-' before {_key(second)})")
                    related = [Related(policy.path, _selector(first).anchor,
                                       f"the {_key(first)} peer it is ORed with")]
                    found = finding(ID, message, policy.path, _selector(second).anchor, related)
                    fix = _merge_fix(ctx, policy.path, first, second, f"the pods with {pod_text} in the "
                                     f"namespaces with {ns_text}")
                    if fix is not None:
                        found.fixes.append(fix)
                    yield found


def explains(ctx, policy, rule, peer) -> bool:
    """Whether NP004 flags the pair this pod-only peer belongs to: then the peer's matching no
    pod of its own namespace has that one cause, and NP002 leaves it to NP004."""
    peers = rule.peers or []
    for first, second in zip(peers, peers[1:]):
        pair = _pair(first, second)
        if pair is not None and pair[1] is peer and _evidence(ctx, policy, *pair) is not None:
            return True
    return False


def _evidence(ctx, policy, ns_peer, pod_peer):
    """Why the OR looks like a mistake, or None when it reads as meant. Never beside an empty
    selector (`podSelector: {}` next to a namespaceSelector is the documented "this namespace,
    or those"). Plausibly a mistake: the two peers overlap (the policy's own namespace has the
    namespace labels, so the podSelector peer adds nothing), or the pods with the podSelector's
    labels live in the selected namespaces (the AND would reach them; the pod peer, confined to
    the policy's namespace, does not)."""
    ns_selector, pod_selector = ns_peer.namespace_selector, pod_peer.pod_selector
    if ns_selector.is_empty() or pod_selector.is_empty():
        return None
    namespaces = ctx.resolver.namespaces_matching(ns_selector)
    if any(ns.name == policy.namespace for ns in namespaces):
        return (f"namespace {policy.namespace} itself has {ns_selector.text()}, so the podSelector peer adds "
                "nothing to the namespaceSelector peer")
    for ns in namespaces:
        matched = ctx.resolver.workloads_matching(ns.name, pod_selector)
        if matched:
            return (f"the pods with {pod_selector.text()} are in namespace {ns.name} ({describe_workload(matched[0])}), "
                    f"which only the AND would confine to")
    return None


def _only(peer, which) -> bool:
    if peer.ip_block is not None or not isinstance(peer.node, Mapping) or \
            (peer.keys if peer.keys >= 0 else len(peer.node)) != 1:  # the model's count reads no tree
        return False
    selector = peer.namespace_selector if which == "ns" else peer.pod_selector
    other = peer.pod_selector if which == "ns" else peer.namespace_selector
    return selector is not None and other is None and selector.valid


def _pair(first, second):
    """(namespace-only peer, pod-only peer) when the two adjacent items are one of each."""
    if _only(first, "ns") and _only(second, "pod"):
        return first, second
    if _only(first, "pod") and _only(second, "ns"):
        return second, first
    return None


def _selector(peer):
    return peer.namespace_selector if peer.namespace_selector is not None else peer.pod_selector


def _key(peer) -> str:
    return "namespaceSelector" if peer.namespace_selector is not None else "podSelector"


def _merge_fix(ctx, path, first, second, meaning):
    """Turn `- podSelector:` into `  podSelector:` when both items are block mappings written
    `- key:` at the same column: then the second key joins the first item (AND)."""
    source = ctx.workspace.files.get(path)
    if source is None or not fixes.wanted():
        return None
    a, b = first.node.span, second.node.span
    if a.start_col != b.start_col or b.start_line <= a.start_line:
        return None
    lines = source.lines
    if b.start_line >= len(lines):
        return None
    line = lines[b.start_line]
    key_at = codepoint_col(line, b.start_col)
    prefix = line[:key_at]
    stripped = prefix.rstrip(" ")
    if not stripped.endswith("-") or stripped[:-1].strip(" ") or len(prefix) - len(stripped) < 1:
        return None
    dash = len(stripped) - 1
    edit = TextEdit(Span(b.start_line, dash, b.start_line, dash + 1), " ")
    return Fix(f"Make it one peer (AND): {meaning}", (edit,))
