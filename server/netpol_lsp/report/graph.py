"""Connectivity as a picture: Graphviz DOT, Mermaid, or SVG rendered by Graphviz.

One cluster (DOT) or subgraph (Mermaid) per namespace holding its workloads; each external
address range is a node of its own, outside every namespace, in a distinct shape; an edge per
allowed pair, labelled with the canonical connection text, "All Connections" edges drawn bold
and red so wide-open paths stand out. Everything is sorted: the same input gives the same bytes.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

from ..analysis.connectivity import Connection, ConnectivityResult

ALL_TEXT = "All Connections"
MAX_CIDRS_IN_LABEL = 6
MERMAID_MAX_EDGES = 500  # Mermaid's default maxEdges: renderers refuse bigger flowcharts
MERMAID_MAX_TEXT = 50_000  # and its default maxTextSize

GRAPHVIZ_MISSING = ("--format svg needs Graphviz's `dot` on PATH: install it (apt-get install graphviz, "
                    "brew install graphviz, or https://graphviz.org/download/) or use --format dot")


@dataclass(frozen=True)
class _Node:
    endpoint: str
    namespace: Optional[str]  # None: outside the cluster
    name: str
    kind: str
    isolated: bool = False  # a workload with no allowed connection at all


def _parse_endpoint(endpoint: str) -> _Node:
    if endpoint.endswith("]") and "[" in endpoint:
        qualified, kind = endpoint[:-1].split("[", 1)
        namespace, _, name = qualified.partition("/")
        return _Node(endpoint, namespace, name, kind)
    return _Node(endpoint, None, endpoint, "external")


def _nodes(connections: list[Connection], result: Optional[ConnectivityResult]) -> list[_Node]:
    """Every endpoint of the connections; when the whole result is drawn (not narrowed), also
    the workloads nothing may reach and that may reach nothing: they matter in a review."""
    seen: dict[str, _Node] = {}
    for c in connections:
        for endpoint in (c.src, c.dst):
            if endpoint not in seen:
                seen[endpoint] = _parse_endpoint(endpoint)
    if result is not None and len(connections) == len(result.connections):
        for endpoint in result.endpoints:
            if endpoint not in seen:
                node = _parse_endpoint(endpoint)
                seen[endpoint] = _Node(node.endpoint, node.namespace, node.name, node.kind, isolated=True)
    return sorted(seen.values(), key=lambda n: (n.namespace is None, n.namespace or "", n.name, n.kind))


def _sorted_connections(connections: list[Connection]) -> list[Connection]:
    return sorted(connections, key=lambda c: (c.src, c.dst, c.conn.canonical()))


def _external_lines(endpoint: str) -> list[str]:
    cidrs = endpoint.split(",")
    if len(cidrs) > MAX_CIDRS_IN_LABEL:
        shown = cidrs[:MAX_CIDRS_IN_LABEL - 1]
        return shown + [f"and {len(cidrs) - len(shown)} more"]
    return cidrs


def render_graph(connections: list[Connection], fmt: str, result: Optional[ConnectivityResult] = None):
    if fmt == "dot":
        return render_dot(connections, result)
    if fmt == "mermaid":
        text = render_mermaid(connections, result)
        warning = mermaid_size_warning(text, len(connections))
        if warning:
            print(f"netpol-lsp: warning: {warning}", file=sys.stderr)
        return text
    if fmt == "svg":
        return render_svg(connections, result)
    raise ValueError(f"unknown graph format {fmt!r}: expected dot, mermaid or svg")


# -- Graphviz -------------------------------------------------------------------------------

def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_label(lines: list[str]) -> str:
    """A label of several centred lines (escaped one by one, joined with DOT's \\n)."""
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines) + '"'


def render_dot(connections: list[Connection], result: Optional[ConnectivityResult] = None) -> str:
    nodes = _nodes(connections, result)
    conns = _sorted_connections(connections)
    out = [
        "digraph connectivity {",
        '  graph [rankdir=LR, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=1.0, '
        f'labelloc=t, label={_dot_quote(_summary(conns))}];',
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", '
        'fillcolor="#e8f0fe", color="#1a73e8"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#5f6368", fontcolor="#3c4043"];',
    ]
    namespaces, externals = _group_by_namespace(nodes)
    for number, (namespace, members) in enumerate(sorted(namespaces.items())):
        out.append(f"  subgraph cluster_{number} {{")
        out.append(f'    label={_dot_quote("namespace " + namespace)}; style="rounded,dashed"; '
                   'color="#9aa0a6"; fontcolor="#3c4043";')
        for node in members:
            attrs = f"label={_dot_label([node.name, node.kind])}"
            if node.isolated:
                attrs += ', fillcolor="#f1f3f4", color="#9aa0a6", style="rounded,filled,dashed", ' \
                         'tooltip="no allowed connection in or out"'
            out.append(f"    {_dot_quote(node.endpoint)} [{attrs}];")
        out.append("  }")
    for node in externals:
        out.append(f"  {_dot_quote(node.endpoint)} [label={_dot_label(_external_lines(node.endpoint))}, "
                   'shape=hexagon, style=filled, fillcolor="#fef7e0", color="#b06000"];')
    for c in conns:
        text = c.conn.canonical()
        attrs = f"label={_dot_quote(text)}"
        if text == ALL_TEXT:
            attrs += ', color="#c5221f", fontcolor="#c5221f", penwidth=2, style=bold'
        out.append(f"  {_dot_quote(c.src)} -> {_dot_quote(c.dst)} [{attrs}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _summary(conns: list[Connection]) -> str:
    wide = sum(1 for c in conns if c.conn.is_all())
    noun = "connection" if len(conns) == 1 else "connections"
    text = f"netpol-lsp connectivity: {len(conns)} allowed {noun}"
    if wide:
        text += f", {wide} with All Connections (red)"
    return text


def render_svg(connections: list[Connection], result: Optional[ConnectivityResult] = None) -> bytes:
    return svg_from_dot(render_dot(connections, result))


def svg_from_dot(source: str) -> bytes:
    """Graphviz's SVG of a DOT source; UsageError (one line) without Graphviz or when it fails."""
    from ..cli import UsageError

    dot = shutil.which("dot")
    if dot is None:
        raise UsageError(GRAPHVIZ_MISSING)
    try:
        proc = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True, check=False)
    except OSError as err:
        raise UsageError(f"could not run Graphviz ({dot}): {err.strerror or err}; use --format dot") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"Graphviz failed (exit {proc.returncode}): {reason[0] if reason else 'no message'}; "
                         "use --format dot to get the source")
    return proc.stdout


# -- Mermaid --------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and angle brackets as entity codes."""
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid_size_warning(text: str, edges: int) -> Optional[str]:
    """Why a Mermaid renderer with default settings (GitHub's, the live editor's) would refuse it."""
    if edges > MERMAID_MAX_EDGES:
        why = f"{edges} edges, more than the {MERMAID_MAX_EDGES} Mermaid renders by default (maxEdges)"
    elif len(text) > MERMAID_MAX_TEXT:
        why = f"{len(text)} characters, more than the {MERMAID_MAX_TEXT} Mermaid renders by default (maxTextSize)"
    else:
        return None
    return f"the diagram has {why}; narrow it with --focus-workload or --exclude-external, or use --format dot|svg"


def _group_by_namespace(nodes: list[_Node]) -> tuple[dict[str, list[_Node]], list[_Node]]:
    """Workload nodes by namespace, and the external (CIDR) nodes."""
    namespaces: dict[str, list[_Node]] = {}
    externals: list[_Node] = []
    for node in nodes:
        if node.namespace is None:
            externals.append(node)
        else:
            namespaces.setdefault(node.namespace, []).append(node)
    return namespaces, externals


def render_mermaid(connections: list[Connection], result: Optional[ConnectivityResult] = None) -> str:
    nodes = _nodes(connections, result)
    conns = _sorted_connections(connections)
    ids: dict[str, str] = {}
    out = ["flowchart LR"]
    namespaces, externals = _group_by_namespace(nodes)
    workload_ids, isolated_ids, external_ids = [], [], []
    for number, (namespace, members) in enumerate(sorted(namespaces.items())):
        out.append(f'  subgraph ns{number}_{_UNSAFE.sub("_", namespace)}["namespace {_mermaid_text(namespace)}"]')
        out.append("    direction LR")
        for node in members:
            node_id = f"w{len(ids)}"
            ids[node.endpoint] = node_id
            (isolated_ids if node.isolated else workload_ids).append(node_id)
            out.append(f'    {node_id}["{_mermaid_text(node.name)}<br/>{_mermaid_text(node.kind)}"]')
        out.append("  end")
    for node in externals:
        node_id = f"x{len(ids)}"
        ids[node.endpoint] = node_id
        external_ids.append(node_id)
        label = "<br/>".join(_mermaid_text(line) for line in _external_lines(node.endpoint))
        out.append(f'  {node_id}{{{{"{label}"}}}}')
    wide_links = []
    for number, c in enumerate(conns):
        text = c.conn.canonical()
        arrow = "==>" if text == ALL_TEXT else "-->"
        if text == ALL_TEXT:
            wide_links.append(str(number))
        out.append(f'  {ids[c.src]} {arrow}|"{_mermaid_text(text)}"| {ids[c.dst]}')
    out.append("  classDef workload fill:#e8f0fe,stroke:#1a73e8,color:#202124")
    out.append("  classDef isolated fill:#f1f3f4,stroke:#9aa0a6,color:#5f6368,stroke-dasharray:4 3")
    out.append("  classDef external fill:#fef7e0,stroke:#b06000,color:#202124")
    for name, members in (("workload", workload_ids), ("isolated", isolated_ids), ("external", external_ids)):
        if members:
            out.append(f"  class {','.join(members)} {name}")
    if wide_links:
        out.append(f"  linkStyle {','.join(wide_links)} stroke:#c5221f,stroke-width:2px,color:#c5221f")
    return "\n".join(out) + "\n"
