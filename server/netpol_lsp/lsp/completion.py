"""Completion in NetworkPolicies, from what the workspace holds.

- in a selector's matchLabels: the label keys, then the values of a key, found on the workloads
  the selector can reach: spec.podSelector and a peer's podSelector look at the policy's
  namespace (or, for a peer, at the namespaces its namespaceSelector matches); a
  namespaceSelector looks at the Namespaces' labels. The detail counts what carries the label
  ("app=frontend · 2 workloads"). matchExpressions get keys, operators and values the same way;
- `policyTypes` items: Ingress, Egress; `protocol`: TCP, UDP, SCTP;
- a rule's `port`: the named ports of the target pods (ingress: the pods the policy selects;
  egress: the pods of the rule's peers), of the protocol written next to it;
- in the cluster policies: the same, and tier and action words (completion_tiers.py).

Where the cursor is comes from the text (text_path.py), so half-typed YAML completes; the policy
around it (namespace, sibling selectors) from the parsed document, or, when that does not parse,
from the document parsed again without the line being typed.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

from lsprotocol import types

from ..config import Config
from ..manifests import ParseLimits, parse_text
from ..manifests.edits import scalar, text_of
from ..manifests.nodes import Mapping, Scalar, Sequence
from ..model import NetworkPolicy, Selector, Workload, build_objects
from ..model.build import OPERATORS, PROTOCOLS
from ..rules.base import RuleContext
from ..span import codepoint_col
from ..workspace import SourceFile
from .completion_tiers import cluster_kind_at, complete_cluster
from .node_at import Key, document_at, node_path_at
from .text_path import Cursor, cursor_at

OPTIONS = types.CompletionOptions(trigger_characters=[" "], resolve_provider=False)

POLICY_TYPES = ("Ingress", "Egress")
MAX_REPARSE_LINES = 5000  # a document that does not parse is parsed again only up to this size


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --- where the cursor is --------------------------------------------------------------------

def _is_flow_document(lines: list[str], start: int, end: int) -> bool:
    for number in range(start, min(end, len(lines))):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return stripped[0] in "{["
    return False


def _scalar_text(node) -> str:
    return node.value if isinstance(node, Scalar) else ""


def cursor_from_nodes(source: SourceFile, line: int, col: int) -> Optional[Cursor]:
    """The Cursor from the parsed nodes, for flow collections and JSON (where indentation says nothing)."""
    path = node_path_at(source.documents, line, col)
    if path is None:
        return None
    lines = text_of(source).lines
    children = [{_scalar_text(k): _scalar_text(v) for k, v in n.items} if isinstance(n, Mapping) else {}
                for n in path.nodes]
    keys = list(path.keys)
    if path.on_key:
        word, role = path.key_node, "key"
        keys = keys[:-1]
        children = children[:-1]
    elif isinstance(path.leaf, Scalar):
        word, role = path.leaf, "value"
    else:
        role = "key" if isinstance(path.leaf, Mapping) else "value"
        if isinstance(path.leaf, Sequence):
            keys.append(len(path.leaf.items))
        return Cursor(keys, role, "", col, col, children, has_colon=False)
    span = word.span
    if span.start_line != line:
        return None
    text = lines[line] if line < len(lines) else ""
    first = text[codepoint_col(text, span.start_col):][:1]
    quote = first if first in ("\"", "'") else ""
    start = span.start_col + (1 if quote else 0)
    end = span.end_col - (1 if quote and span.end_col > start else 0) if span.end_line == line else col
    prefix = text[codepoint_col(text, start):codepoint_col(text, max(col, start))]
    after = text[codepoint_col(text, span.end_col):] if span.end_line == line else ""
    has_colon = bool(quote) or after.lstrip(" \t").startswith(":")
    return Cursor(keys, role, prefix, start, max(end, col), children, has_colon=has_colon, quote=quote)


def cursor_of(source: SourceFile, line: int, col: int) -> Optional[Cursor]:
    lines = text_of(source).lines
    document = document_at(source.documents, line)
    if document is not None and _is_flow_document(lines, document.start_line, document.end_line):
        return cursor_from_nodes(source, line, col)
    return cursor_at(lines, line, col) or cursor_from_nodes(source, line, col)


# --- the policy around it -------------------------------------------------------------------

def _innermost(objects: Iterable, line: int):
    best = None
    for obj in objects:
        span = obj.node.span
        if span.start_line <= line <= span.end_line and (best is None or span.start_line >= best.node.span.start_line):
            best = obj
    return best


def policy_at(source: SourceFile, config: Config, line: int) -> Optional[NetworkPolicy]:
    """The NetworkPolicy of the document at a line; parsed again without that line (then
    without the lines from there on) when the document does not parse as it is."""
    document = document_at(source.documents, line)
    if document is None:
        return None
    if document.root is not None:
        found = _innermost([o for o in source.objects if o.doc_index == document.index], line)
    elif document.end_line - document.start_line <= MAX_REPARSE_LINES:
        found = None
        lines = text_of(source).lines[document.start_line:document.end_line]
        cut = line - document.start_line
        limits = ParseLimits(max_depth=config.limits.max_depth, max_aliases=config.limits.max_aliases)
        for attempt in (lines[:cut] + [""] + lines[cut + 1:], lines[:cut]):
            parsed = parse_text("\n" * document.start_line + "\n".join(attempt), limits)
            roots = [d.root for d in parsed.documents if d.root is not None]
            if len(roots) == 1 and not parsed.problems:
                objects, _ = build_objects(roots[0], source.path, document.index, config.default_namespace,
                                           config.operators)
                found = _innermost(objects, line) or (objects[0] if len(objects) == 1 else None)
                break
    else:
        return None
    return found if isinstance(found, NetworkPolicy) else None


# --- candidates -----------------------------------------------------------------------------

def _namespaces(ctx: RuleContext, selector: Optional[Selector]):
    """The namespaces a selector matches (no caching by object: the policy may be a temporary one)."""
    infos = ctx.workspace.index.namespaces.values()
    if selector is None:
        return list(infos)
    return [ns for ns in infos if selector.matches(ns.labels)]


def _pods(ctx: RuleContext, namespaces: Iterable[str], selector: Optional[Selector]) -> list[Workload]:
    out = []
    by_ns = ctx.workspace.index.workloads_by_ns
    for name in namespaces:
        if selector is None:
            out.extend(by_ns.get(name, ()))
        else:
            out.extend(ctx.resolver.workloads_matching(name, selector))
    return out


def _rule(policy: Optional[NetworkPolicy], direction: str, index: Key):
    if policy is None:
        return None
    return next((r for r in policy.rules(direction) if r.index == index), None)


def _peer(policy: Optional[NetworkPolicy], path: list[Key]):
    rule = _rule(policy, path[1], path[2])
    if rule is None:
        return None
    return next((p for p in rule.peers or () if p.index == path[4]), None)


def _selector_scope(ctx: RuleContext, policy: Optional[NetworkPolicy], config: Config, selector_path: list[Key]):
    """(labels of each candidate, noun) for the selector at selector_path; None if not a selector."""
    namespace = policy.namespace if policy is not None else config.default_namespace
    if selector_path == ["spec", "podSelector"]:
        return [w.template_labels for w in _pods(ctx, [namespace], None)], "workload"
    if len(selector_path) == 6 and selector_path[0] == "spec" and selector_path[1] in ("ingress", "egress") \
            and isinstance(selector_path[2], int) and selector_path[3] == ("from" if selector_path[1] == "ingress" else "to") \
            and isinstance(selector_path[4], int):
        if selector_path[5] == "namespaceSelector":
            return [ns.labels for ns in _namespaces(ctx, None)], "namespace"
        if selector_path[5] == "podSelector":
            peer = _peer(policy, selector_path)
            if peer is not None and peer.namespace_selector is not None:
                names = [ns.name for ns in _namespaces(ctx, peer.namespace_selector)]
            else:
                names = [namespace]
            return [w.template_labels for w in _pods(ctx, names, None)], "workload"
    return None


# --- items ----------------------------------------------------------------------------------

def _edit(line: int, cursor: Cursor, text: str) -> types.TextEdit:
    return types.TextEdit(range=types.Range(start=types.Position(line=line, character=cursor.start),
                                            end=types.Position(line=line, character=cursor.end)), new_text=text)


def _value_text(cursor: Cursor, value: str, before: str) -> str:
    text = value if cursor.quote else scalar(value)
    return (" " + text) if before.endswith(":") else text


def _item(line: int, cursor: Cursor, label: str, text: str, kind: types.CompletionItemKind,
          detail: Optional[str] = None, order: int = 0, documentation: Optional[str] = None) -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=kind, detail=detail, documentation=documentation,
                                sort_text=f"{order:06d}{label}", filter_text=label, text_edit=_edit(line, cursor, text))


def _label_keys(line, cursor, labels: list[dict], noun: str, exclude: Iterable[str]) -> list[types.CompletionItem]:
    counts = Counter(key for each in labels for key in each)
    values: dict[str, Counter] = {}
    for each in labels:
        for key, value in each.items():
            values.setdefault(key, Counter())[value] += 1
    skip = set(exclude)
    items = []
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if key in skip:
            continue
        text = key if cursor.has_colon else f"{key}: "
        shown = ", ".join(f"{v} ({c})" for v, c in values[key].most_common(5))
        items.append(_item(line, cursor, key, text, types.CompletionItemKind.Property,
                           f"{key} · {_count(n, noun)}", len(items),
                           f"values: {shown}"))
    return items


def _label_values(line, cursor, labels: list[dict], noun: str, key: str, before: str) -> list[types.CompletionItem]:
    counts = Counter(each[key] for each in labels if key in each)
    return [_item(line, cursor, value, _value_text(cursor, value, before), types.CompletionItemKind.Value,
                  f"{key}={value} · {_count(n, noun)}", order)
            for order, (value, n) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))]


def _words(line, cursor, words: Iterable[str], before: str, detail: str) -> list[types.CompletionItem]:
    return [_item(line, cursor, word, _value_text(cursor, word, before), types.CompletionItemKind.EnumMember,
                  detail, order) for order, word in enumerate(words)]


def _port_targets(ctx: RuleContext, policy: NetworkPolicy, direction: str, index: Key) -> list[Workload]:
    if direction == "ingress":
        return _pods(ctx, [policy.namespace], policy.pod_selector)
    rule = _rule(policy, direction, index)
    if rule is None:
        return []
    if rule.all_peers:
        return list(ctx.workspace.workloads)
    seen, out = set(), []
    for peer in rule.peers:
        if not peer.is_cluster_peer:
            continue
        names = [ns.name for ns in _namespaces(ctx, peer.namespace_selector)] if peer.namespace_selector is not None \
            else [policy.namespace]
        for workload in _pods(ctx, names, peer.pod_selector):
            if id(workload) not in seen:
                seen.add(id(workload))
                out.append(workload)
    return out


def _named_ports(line, cursor, targets: list[Workload], protocol: Optional[str], before: str):
    found: dict[tuple[str, str], tuple[set, set]] = {}
    for workload in targets:
        for port in workload.ports:
            if port.name and (protocol is None or port.protocol == protocol):
                numbers, owners = found.setdefault((port.name, port.protocol), (set(), set()))
                if port.number is not None:
                    numbers.add(port.number)
                owners.add(id(workload))
    items = []
    for order, ((name, proto), (numbers, owners)) in enumerate(sorted(found.items())):
        number = ",".join(str(n) for n in sorted(numbers)) or "?"
        items.append(_item(line, cursor, name, _value_text(cursor, name, before), types.CompletionItemKind.Value,
                           f"{name} = {proto} {number} · {_count(len(owners), 'workload')}", order))
    return items


def complete(ctx: RuleContext, source: SourceFile, line: int, col: int,
             trigger: Optional[str] = None) -> list[types.CompletionItem]:
    """The completion items at (line, UTF-16 col); [] where there is nothing to offer."""
    lines = text_of(source).lines
    if not 0 <= line < len(lines):
        return []
    cursor = cursor_of(source, line, col)
    if cursor is None:
        return []
    text = lines[line]
    before = text[:codepoint_col(text, cursor.start)]
    if trigger == " " and not text[:codepoint_col(text, col)].strip():
        return []  # a space typed in the indentation
    config = ctx.workspace.config
    path = cursor.path
    cluster = cluster_kind_at(source, lines, line)
    if cluster is not None:  # a ClusterNetworkPolicy or Admin/BaselineAdminNetworkPolicy
        return complete_cluster(ctx, cluster[0], cluster[1], cursor, line, before)
    policy = policy_at(source, config, line)
    if policy is None and (not path or path[0] != "spec" or not _mentions_policy(lines, line)):
        return []

    in_selector = complete_selector(cursor, line, before, lambda owner: _selector_scope(ctx, policy, config, owner))
    if in_selector is not None:
        return in_selector

    if cursor.role != "value":
        return []
    if len(path) == 3 and path[:2] == ["spec", "policyTypes"] and isinstance(path[2], int):
        written = set(policy.policy_types or ()) if policy is not None else set()
        choices = [t for t in POLICY_TYPES if t not in written or t == cursor.prefix]
        return _words(line, cursor, choices, before, "policyType")
    if len(path) == 6 and path[0] == "spec" and path[1] in ("ingress", "egress") and isinstance(path[2], int) \
            and path[3] == "ports" and isinstance(path[4], int):
        if path[5] == "protocol":
            return _words(line, cursor, PROTOCOLS, before, "protocol (default TCP)")
        if path[5] == "port" and policy is not None:
            protocol = cursor.mapping().get("protocol", "").strip("\"'") or None
            if protocol not in PROTOCOLS:
                protocol = None
            return _named_ports(line, cursor, _port_targets(ctx, policy, path[1], path[2]), protocol, before)
    return []


def complete_selector(cursor, line: int, before: str, scope_of) -> Optional[list]:
    """Completion inside a label selector (matchLabels keys and values, matchExpressions keys,
    operators and values), or None when the cursor is in no selector. scope_of(path to the
    selector's owner) -> (label sets the selector may match, their noun), or None."""
    path = cursor.path
    for anchor in ("matchLabels", "matchExpressions"):
        if anchor not in path:
            continue
        at = path.index(anchor)
        scope = scope_of(path[:at])
        if scope is None:
            return []
        labels, noun = scope
        rest = path[at:]
        if anchor == "matchLabels":
            if cursor.role == "key" and rest == ["matchLabels"]:
                return _label_keys(line, cursor, labels, noun, cursor.mapping())
            if cursor.role == "value" and len(rest) == 2 and isinstance(rest[1], str):
                return _label_values(line, cursor, labels, noun, rest[1], before)
            return []
        if cursor.role != "value" or len(rest) < 3 or not isinstance(rest[1], int):
            return []
        if rest[2] == "key" and len(rest) == 3:
            return _label_keys(line, cursor, labels, noun, ())
        if rest[2] == "operator" and len(rest) == 3:
            return _words(line, cursor, OPERATORS, before, "label selector operator")
        if rest[2] == "values" and len(rest) == 4:
            key = cursor.at(at + 2).get("key")
            return _label_values(line, cursor, labels, noun, key.strip("\"'"), before) if key else []
        return []
    return None


def _mentions_policy(lines: list[str], line: int) -> bool:
    """When nothing parses: does the document above the cursor say it is a NetworkPolicy?"""
    for number in range(line, -1, -1):
        text = lines[number]
        if text.startswith("---"):
            return False
        if text.startswith("kind:") and "NetworkPolicy" in text:
            return True
    return False
