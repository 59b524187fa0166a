"""Symbols: the outline of a file and a search over the workspace.

- textDocument/documentSymbol: each object as "Kind namespace/name" ("Namespace name" for a
  Namespace), its selection on the name; a NetworkPolicy's ingress and egress rules nested
  under it ("ingress rule 1", detail "from app=api · TCP 8080"). Documents of other kinds get
  a plain entry. Clients without hierarchy support get the flat list.
- workspace/symbol: policies and workloads whose name matches the query: exact, prefix,
  substring of namespace/name, then the query's letters in order ("wap" finds web-allow-api).
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from lsprotocol import types

from ..manifests.nodes import Mapping, Scalar
from ..model import ClusterPolicy, NetworkPolicy, Peer, PortSpec, Rule, Service, Workload
from ..model.objects import K8sObject, Namespace
from ..rules.base import RuleContext
from ..span import Span
from ..workspace import SourceFile
from .positions import to_range

LIMIT = 500  # workspace symbols returned at most

KINDS = {NetworkPolicy: types.SymbolKind.Struct, ClusterPolicy: types.SymbolKind.Struct, Workload: types.SymbolKind.Class,
         Namespace: types.SymbolKind.Namespace, Service: types.SymbolKind.Interface}


def symbol_name(obj: K8sObject) -> str:
    if isinstance(obj, Namespace):
        return f"Namespace {obj.name}"
    if isinstance(obj, ClusterPolicy):  # cluster-scoped: no namespace
        return f"{obj.kind} {obj.name}"
    return f"{obj.kind} {obj.namespace}/{obj.name}"


def _kind(obj: K8sObject) -> types.SymbolKind:
    for cls, kind in KINDS.items():
        if isinstance(obj, cls):
            return kind
    return types.SymbolKind.Object


def _name_span(obj: K8sObject) -> Span:
    node = obj.name_node
    return node.span if node is not None else obj.kind_span


def _within(inner: Span, outer: Span) -> Span:
    """inner, clipped into outer (clients reject a selection outside its range)."""
    if (inner.start_line, inner.start_col) < (outer.start_line, outer.start_col) or \
            (inner.end_line, inner.end_col) > (outer.end_line, outer.end_col):
        return Span(outer.start_line, outer.start_col, outer.start_line, outer.start_col)
    return inner


# --- rule summaries -------------------------------------------------------------------------

def _peer_text(peer: Peer) -> str:
    if peer.ip_block is not None:
        return peer.ip_block.cidr or "ipBlock"
    parts = []
    if peer.namespace_selector is not None:
        parts.append("namespaces " + ("*" if peer.namespace_selector.is_empty() else peer.namespace_selector.text()))
    if peer.pod_selector is not None:
        parts.append("*" if peer.pod_selector.is_empty() else peer.pod_selector.text())
    return " / ".join(parts) or "nothing"


def _port_text(spec: PortSpec) -> str:
    if spec.port is None:
        return spec.protocol
    if spec.end_port is not None:
        return f"{spec.protocol} {spec.port}-{spec.end_port}"
    return f"{spec.protocol} {spec.port}"


def rule_detail(policy: NetworkPolicy, rule: Rule) -> str:
    word = "from" if rule.direction == "ingress" else "to"
    who = f"{word} anywhere" if rule.all_peers else f"{word} " + "; ".join(_peer_text(p) for p in rule.peers)
    ports = "all ports" if rule.all_ports else ", ".join(_port_text(s) for s in rule.ports)
    text = f"{who} · {ports}"
    if not policy.affects(rule.direction):
        text += " (ignored: not in policyTypes)"
    return text


def _rule_symbols(policy: NetworkPolicy, outer: Span) -> list[types.DocumentSymbol]:
    children = []
    for direction in ("ingress", "egress"):
        for rule in policy.rules(direction):
            span = _within(rule.node.span, outer)
            first = rule.node.items[0][0].span if isinstance(rule.node, Mapping) and rule.node.items else span
            children.append(types.DocumentSymbol(
                name=f"{direction} rule {rule.index + 1}", detail=rule_detail(policy, rule),
                kind=types.SymbolKind.Property, range=to_range(span), selection_range=to_range(_within(first, span))))
    return children


def _detail(obj: K8sObject) -> Optional[str]:
    if isinstance(obj, NetworkPolicy):
        return "policyTypes: " + (", ".join(obj.effective_types) or "none")
    if isinstance(obj, Workload):
        return ",".join(f"{k}={v}" for k, v in obj.template_labels.items()) or None
    return None


def document_symbols(source: SourceFile) -> list[types.DocumentSymbol]:
    symbols = []
    by_doc: dict[int, list[K8sObject]] = {}
    for obj in source.objects:
        by_doc.setdefault(obj.doc_index, []).append(obj)
    for document in source.documents:
        objects = by_doc.get(document.index)
        if objects:
            for obj in objects:
                span = obj.node.span
                symbols.append(types.DocumentSymbol(
                    name=symbol_name(obj), detail=_detail(obj), kind=_kind(obj), range=to_range(span),
                    selection_range=to_range(_within(_name_span(obj), span)),
                    children=_rule_symbols(obj, span) if isinstance(obj, NetworkPolicy) else None))
        elif isinstance(document.root, Mapping) and isinstance(document.root.get("kind"), Scalar):
            symbols.append(_other(document.root))
    return symbols


def _other(root: Mapping) -> types.DocumentSymbol:
    """A document of a kind the model does not build (ConfigMap, Role, ...)."""
    kind = root.get("kind").value
    meta = root.get("metadata")
    name_node = meta.get("name") if isinstance(meta, Mapping) else None
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    name = name_node.value if isinstance(name_node, Scalar) else "?"
    if isinstance(namespace, Scalar):
        name = f"{namespace.value}/{name}"
    selection = name_node.span if name_node is not None else root.get("kind").span
    return types.DocumentSymbol(name=f"{kind} {name}", kind=types.SymbolKind.Object, range=to_range(root.span),
                                selection_range=to_range(_within(selection, root.span)))


def flatten(symbols: Iterable[types.DocumentSymbol], uri: str,
            container: Optional[str] = None) -> list[types.SymbolInformation]:
    """For clients without hierarchicalDocumentSymbolSupport."""
    out = []
    for symbol in symbols:
        out.append(types.SymbolInformation(name=symbol.name, kind=symbol.kind, container_name=container,
                                           location=types.Location(uri=uri, range=symbol.range)))
        out += flatten(symbol.children or (), uri, symbol.name)
    return out


# --- workspace ------------------------------------------------------------------------------

def _subsequence(query: str, text: str) -> bool:
    position = 0
    for char in query:
        position = text.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def match_score(query: str, obj: K8sObject) -> Optional[int]:
    """0 best; None: no match."""
    q = query.strip().lower()
    name = obj.name.lower()
    full = f"{obj.namespace}/{obj.name}".lower()
    if not q:
        return 4
    if name == q or full == q:
        return 0
    if name.startswith(q):
        return 1
    if q in full:
        return 2
    if _subsequence(q, full):
        return 3
    return None


def workspace_symbols(ctx: RuleContext, query: str, uri_for: Callable[[str], str]) -> list[types.SymbolInformation]:
    index = ctx.workspace.index
    scored = []
    for obj in [*index.policies, *index.workloads]:
        score = match_score(query, obj)
        if score is not None:
            scored.append((score, obj.namespace, obj.name, obj.kind, obj))
    scored.sort(key=lambda t: t[:4])
    return [types.SymbolInformation(name=symbol_name(obj), kind=_kind(obj), container_name=obj.namespace,
                                    location=types.Location(uri=uri_for(obj.path), range=to_range(_name_span(obj))))
            for *_, obj in scored[:LIMIT]]
