"""NP004 and-or-peer: a `- podSelector` item right after a `- namespaceSelector` item (or the
reverse) in one from/to list: two peers (OR) where one peer with both selectors (AND) may have
been meant. The difference is one dash; the finding says which one the YAML means."""
from __future__ import annotations

from ..findings import Fix, Related, Severity, TextEdit
from ..manifests.nodes import Mapping
from ..span import Span, codepoint_col
from .base import finding

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
                    ns_text = ns_peer.namespace_selector.text()
                    pod_text = pod_peer.pod_selector.text()
                    message = (f"these are two '{word}' peers, ORed: every pod in the namespaces with {ns_text}, "
                               f"or the pods with {pod_text} in namespace {policy.namespace}. If you meant only the "
                               f"pods with {pod_text} in the namespaces with {ns_text}, write both selectors in one "
                               f"list item (remove the '-' before {_key(second)})")
                    related = [Related(policy.path, _selector(first).anchor,
                                       f"the {_key(first)} peer it is ORed with")]
                    found = finding(ID, message, policy.path, _selector(second).anchor, related)
                    fix = _merge_fix(ctx, policy.path, first, second, f"the pods with {pod_text} in the "
                                     f"namespaces with {ns_text}")
                    if fix is not None:
                        found.fixes.append(fix)
                    yield found


def _only(peer, which) -> bool:
    if peer.ip_block is not None or not isinstance(peer.node, Mapping) or len(peer.node.items) != 1:
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
    if source is None:
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
