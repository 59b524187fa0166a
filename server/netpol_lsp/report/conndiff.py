"""A connectivity diff rendered: text, JSON, Markdown (a pull-request comment), SARIF, and a
graph (DOT, Mermaid, SVG) with added connections green and removed ones red.

One entry per pair of endpoints, sorted by pair: `+` a pair that could not talk before, `-` a
pair that no longer can, `~` a pair whose ports changed (what was added and what was removed).
Each entry names the policies it goes through (analysis/diff_blame.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from .. import __version__
from ..analysis.compare import Comparison
from ..analysis.conndiff import PairChange
from ..span import Span

MARKS = {"added": "+", "removed": "-", "changed": "~"}
MARKDOWN_MAX_ROWS = 200  # a pull-request comment holds 65,536 characters
MARKDOWN_MARKER = "<!-- netpol-lsp diff -->"  # lets a CI job find and update its own comment
ADDED_COLOR, REMOVED_COLOR = "#188038", "#c5221f"


@dataclass
class Labels:
    old: str  # "main (1a2b3c4d5e6f)", "old/", ...
    new: str


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def summary_line(comparison: Comparison) -> str:
    counts = comparison.diff.counts()
    if not comparison.diff.changes:
        return "no change in connectivity"
    return (f"{_plural(counts['added'], 'pair')} added, {counts['removed']} removed, "
            f"{counts['changed']} changed (ports)")


def change_text(change: PairChange) -> str:
    """What changed for one pair: its connections now, or what was lost, or both ways."""
    if change.kind == "added":
        return change.new.canonical()
    if change.kind == "removed":
        return change.old.canonical()
    parts = []
    if not change.added.is_empty():
        parts.append(f"+{change.added.canonical()}")
    if not change.removed.is_empty():
        parts.append(f"-{change.removed.canonical()}")
    return " ".join(parts) + f" (was {change.old.canonical()}, now {change.new.canonical()})"


def render(comparison: Comparison, fmt: str, labels: Labels):
    if fmt in ("text", "txt"):
        return render_text(comparison, labels)
    if fmt == "json":
        return render_json(comparison, labels)
    if fmt in ("md", "markdown"):
        return render_markdown(comparison, labels)
    if fmt == "sarif":
        return render_sarif(comparison, labels)
    if fmt == "dot":
        return render_dot(comparison, labels)
    if fmt == "mermaid":
        return render_mermaid(comparison, labels)
    if fmt == "svg":
        from .graph import svg_from_dot
        return svg_from_dot(render_dot(comparison, labels))
    raise ValueError(f"unknown diff format {fmt!r}")


def render_text(comparison: Comparison, labels: Labels) -> str:
    lines = [f"netpol-lsp diff: {labels.old} -> {labels.new}"]
    for change, policies in zip(comparison.diff.changes, comparison.policies):
        line = f"{MARKS[change.kind]} {change.src} => {change.dst} : {change_text(change)}"
        if policies:
            line += f"  [{', '.join(policies)}]"
        lines.append(line)
    lines.append(summary_line(comparison))
    return "\n".join(lines) + "\n"


def render_json(comparison: Comparison, labels: Labels) -> str:
    changes = []
    for change, policies in zip(comparison.diff.changes, comparison.policies):
        entry = change.as_dict()
        entry["policies"] = policies
        changes.append(entry)
    return json.dumps({"version": 1, "old": labels.old, "new": labels.new, "summary": comparison.diff.counts(),
                       "changes": changes}, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else _cell(text)


def render_markdown(comparison: Comparison, labels: Labels) -> str:
    out = [MARKDOWN_MARKER, f"### Connectivity: {_cell(labels.old)} → {_cell(labels.new)}", ""]
    changes = comparison.diff.changes
    if not changes:
        out.append("No change in connectivity.")
        return "\n".join(out) + "\n"
    counts = comparison.diff.counts()
    out.append(f"**{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed** "
               "(pairs of workloads or address ranges)")
    out.append("")
    out.append("| | from | to | before | after | policies |")
    out.append("|---|---|---|---|---|---|")
    for change, policies in list(zip(changes, comparison.policies))[:MARKDOWN_MAX_ROWS]:
        before = change.old.canonical() if not change.old.is_empty() else "—"
        after = change.new.canonical() if not change.new.is_empty() else "—"
        names = ", ".join(_code(p) for p in policies) or "—"
        out.append(f"| {MARKS[change.kind]} {change.kind} | {_code(change.src)} | {_code(change.dst)} | "
                   f"{_cell(before)} | {_cell(after)} | {names} |")
    if len(changes) > MARKDOWN_MAX_ROWS:
        out.append("")
        out.append(f"… and {len(changes) - MARKDOWN_MAX_ROWS} more: run `netpol-lsp diff` for the full list.")
    return "\n".join(out) + "\n"


# -- SARIF ----------------------------------------------------------------------------------

RULES = {
    "added": ("connectivity-added", "A pair of endpoints that could not talk before can now."),
    "removed": ("connectivity-removed", "A pair of endpoints that could talk before no longer can."),
    "changed": ("connectivity-changed", "The ports a pair of endpoints may use changed."),
}


def render_sarif(comparison: Comparison, labels: Labels) -> str:
    from .sarif import INFORMATION_URI, SCHEMA_URI, _location

    kinds = list(RULES)
    results = []
    for change, policies, place in zip(comparison.diff.changes, comparison.policies, comparison.places):
        message = f"{change.kind}: {change.src} => {change.dst} : {change_text(change)}"
        if policies:
            message += f" (through {', '.join(policies)})"
        result = {
            "ruleId": RULES[change.kind][0],
            "ruleIndex": kinds.index(change.kind),
            "level": "warning" if not change.added.is_empty() else "note",
            "message": {"text": message},
            "partialFingerprints": {"connectivityPair": f"{change.src}=>{change.dst}:{change.kind}"},
        }
        if place is not None:
            result["locations"] = [_location(place[0], place[1] or Span(0, 0, 0, 0))]
        results.append(result)
    rules = [{"id": rule_id, "name": rule_id, "shortDescription": {"text": text},
              "defaultConfiguration": {"level": "warning" if kind != "removed" else "note"}}
             for kind, (rule_id, text) in RULES.items()]
    run = {
        "tool": {"driver": {"name": "netpol-lsp", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "invocations": [{"executionSuccessful": True}],
        "automationDetails": {"description": {"text": f"connectivity {labels.old} -> {labels.new}"}},
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2,
                      ensure_ascii=False) + "\n"


# -- graphs ---------------------------------------------------------------------------------

def _edges(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """(src, dst, "added"|"removed", label): a changed pair gives a green and/or a red edge."""
    edges = []
    for change in comparison.diff.changes:
        if not change.added.is_empty():
            edges.append((change.src, change.dst, "added", "+" + change.added.canonical()))
        if not change.removed.is_empty():
            edges.append((change.src, change.dst, "removed", "-" + change.removed.canonical()))
    return edges


def _nodes(edges):
    from .graph import _parse_endpoint

    seen = {}
    for src, dst, _kind, _label in edges:
        for endpoint in (src, dst):
            seen.setdefault(endpoint, _parse_endpoint(endpoint))
    return sorted(seen.values(), key=lambda n: (n.namespace is None, n.namespace or "", n.name, n.kind))


def render_dot(comparison: Comparison, labels: Labels) -> str:
    from .graph import _dot_label, _dot_quote, _external_lines, _group_by_namespace

    edges = _edges(comparison)
    title = f"netpol-lsp diff {labels.old} -> {labels.new}: {summary_line(comparison)}"
    out = [
        "digraph connectivity_diff {",
        '  graph [rankdir=LR, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=1.0, '
        f"labelloc=t, label={_dot_quote(title)}];",
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", '
        'fillcolor="#e8f0fe", color="#1a73e8"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    namespaces, externals = _group_by_namespace(_nodes(edges))
    for number, (namespace, members) in enumerate(sorted(namespaces.items())):
        out.append(f"  subgraph cluster_{number} {{")
        out.append(f'    label={_dot_quote("namespace " + namespace)}; style="rounded,dashed"; '
                   'color="#9aa0a6"; fontcolor="#3c4043";')
        for node in members:
            out.append(f"    {_dot_quote(node.endpoint)} [label={_dot_label([node.name, node.kind])}];")
        out.append("  }")
    for node in externals:
        out.append(f"  {_dot_quote(node.endpoint)} [label={_dot_label(_external_lines(node.endpoint))}, "
                   'shape=hexagon, style=filled, fillcolor="#fef7e0", color="#b06000"];')
    for src, dst, kind, label in edges:
        color = ADDED_COLOR if kind == "added" else REMOVED_COLOR
        style = "bold" if kind == "added" else "dashed"
        out.append(f"  {_dot_quote(src)} -> {_dot_quote(dst)} [label={_dot_quote(label)}, color=\"{color}\", "
                   f'fontcolor="{color}", style={style}, penwidth=2];')
    out.append("}")
    return "\n".join(out) + "\n"


def render_mermaid(comparison: Comparison, labels: Labels) -> str:
    from .graph import _UNSAFE, _external_lines, _group_by_namespace, _mermaid_text

    edges = _edges(comparison)
    ids: dict[str, str] = {}
    out = ["flowchart LR"]
    namespaces, externals = _group_by_namespace(_nodes(edges))
    for number, (namespace, members) in enumerate(sorted(namespaces.items())):
        out.append(f'  subgraph ns{number}_{_UNSAFE.sub("_", namespace)}["namespace {_mermaid_text(namespace)}"]')
        out.append("    direction LR")
        for node in members:
            ids[node.endpoint] = f"w{len(ids)}"
            out.append(f'    {ids[node.endpoint]}["{_mermaid_text(node.name)}<br/>{_mermaid_text(node.kind)}"]')
        out.append("  end")
    for node in externals:
        ids[node.endpoint] = f"x{len(ids)}"
        label = "<br/>".join(_mermaid_text(line) for line in _external_lines(node.endpoint))
        out.append(f'  {ids[node.endpoint]}{{{{"{label}"}}}}')
    if not edges:
        out.append(f'  none["{_mermaid_text(summary_line(comparison))}"]')
    added, removed = [], []
    for number, (src, dst, kind, label) in enumerate(edges):
        arrow = "==>" if kind == "added" else "-.->"
        (added if kind == "added" else removed).append(str(number))
        out.append(f'  {ids[src]} {arrow}|"{_mermaid_text(label)}"| {ids[dst]}')
    if added:
        out.append(f"  linkStyle {','.join(added)} stroke:{ADDED_COLOR},stroke-width:2px,color:{ADDED_COLOR}")
    if removed:
        out.append(f"  linkStyle {','.join(removed)} stroke:{REMOVED_COLOR},stroke-width:2px,color:{REMOVED_COLOR}")
    return "\n".join(out) + "\n"


def hover_lines(changes: list[PairChange], limit: int = 20) -> list[str]:
    """Markdown bullets for the editor: one a pair."""
    lines = [f"- `{MARKS[c.kind]}` {c.src} → {c.dst}: {change_text(c)}" for c in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"- … and {len(changes) - limit} more")
    return lines
