"""Suppressions written in the manifests themselves, and the ones that suppress nothing (NP099).

- `# netpol-lsp: disable=NP020,open-database-port` on the line above the finding, or on any line
  of the finding or of the YAML node it is about (a finding on `from:` is about its list of
  peers, so the comment may sit at the end of the peer the message quotes);
- `# netpol-lsp: disable-file=NP001` anywhere in a document: the whole document;
- the annotation `netpol-lsp.io/disable: "NP020,NP021"` on an object's metadata: its document.

Ids and names may be mixed, separated by commas; text after the list is a free reason:
`# netpol-lsp: disable=NP020 only the backup job connects`.

Every id of every suppression is one `Suppression`; applying them marks those that matched a
finding as used. A suppression for a rule that ran and matched nothing, or naming a rule that
does not exist, becomes an NP099 finding at its own position, so suppressions don't rot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping as MappingType, Optional

from ..findings import Finding, Severity
from ..manifests.nodes import Mapping, Scalar, Sequence
from ..rules.registry import resolve_rule
from ..span import Span, utf16_col
from ..workspace import SourceFile, Workspace

_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*netpol-lsp:\s*(disable-file|disable)\s*=\s*"
                      r"([A-Za-z0-9_.\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_.\-]+)*)")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")
ANNOTATION = "netpol-lsp.io/disable"
UNUSED_RULE = "NP099"


@dataclass(eq=False)
class Suppression:
    path: str
    kind: str  # "line" | "file" | "annotation"
    token: str  # as written: NP020, open-database-port
    rule_id: Optional[str]  # None: names no rule
    span: Span  # where it is written (the token in a comment, the annotation's value)
    first_line: int  # the lines whose findings it covers, inclusive
    last_line: int
    used: bool = False

    def covers(self, found: Finding, last_line: Optional[int] = None) -> bool:
        """last_line: where the YAML node the finding is about ends (line comments only)."""
        if found.rule != self.rule_id:
            return False
        if self.kind != "line":
            return self.first_line <= found.span.start_line <= self.last_line
        end = max(found.span.end_line, last_line if last_line is not None else -1)
        return found.span.start_line - 1 <= self.first_line <= end

    def describe(self) -> str:
        if self.kind == "line":
            return "the next line or the node this comment sits in"
        if self.kind == "file":
            return "this document"
        return "this object's document"


def scan(source: SourceFile) -> list[Suppression]:
    """Every suppression written in one file, in order."""
    if source.skipped or "netpol-lsp" not in source.text:
        return []
    found: list[Suppression] = []
    lines = source.text.split("\n")
    for number, text in enumerate(lines):
        if "netpol-lsp" not in text:
            continue
        for match in _COMMENT.finditer(text):
            kind = "line" if match.group(1) == "disable" else "file"
            if kind == "line":
                first, last = number, number
            else:
                doc = next((d for d in source.documents if d.start_line <= number < d.end_line), None)
                first, last = (doc.start_line, doc.end_line - 1) if doc else (0, len(lines) - 1)
            for token in _TOKEN.finditer(match.group(2)):
                start = match.start(2) + token.start()
                end = match.start(2) + token.end()
                span = Span(number, utf16_col(text, start), number, utf16_col(text, end))
                found.append(_entry(source.path, kind, token.group(0), span, first, last))
    for obj in source.objects:
        value = obj.annotations.get(ANNOTATION)
        if not value:
            continue
        doc = next((d for d in source.documents if d.index == obj.doc_index), None)
        if doc is None:
            continue
        node = _annotation_node(obj.node)
        span = node.span if node is not None else obj.kind_span
        for token in _TOKEN.finditer(value):
            found.append(_entry(source.path, "annotation", token.group(0), span, doc.start_line, doc.end_line - 1))
    return found


def _entry(path, kind, token, span, first, last) -> Suppression:
    rule = resolve_rule(token)
    return Suppression(path, kind, token, rule.ID if rule is not None else None, span, first, last)


def _annotation_node(root):
    meta = root.get("metadata") if isinstance(root, Mapping) else None
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    value = annotations.get(ANNOTATION) if isinstance(annotations, Mapping) else None
    return value if isinstance(value, Scalar) else None


def apply_suppressions(workspace: Workspace, findings: list[Finding],
                       ran: Optional[MappingType[str, Severity]] = None,
                       paths: Optional[Iterable[str]] = None) -> list[Finding]:
    """The findings no suppression covers. `ran` maps the id of every rule that ran to its
    severity; when NP099 is among them, unused and unknown suppressions are added as NP099
    findings (a suppression of a rule that did not run is not judged). `paths`: the files the
    findings were computed for (default: all), whose suppressions are judged."""
    by_path: dict[str, list[Suppression]] = {}

    def suppressions_of(path: str) -> list[Suppression]:
        if path not in by_path:
            source = workspace.files.get(path)
            by_path[path] = scan(source) if source is not None else []
        return by_path[path]

    kept = []
    for found in findings:
        written = suppressions_of(found.path)
        if not written:
            kept.append(found)
            continue
        end = node_end_line(workspace.files.get(found.path), found.span) \
            if any(s.kind == "line" and s.rule_id == found.rule for s in written) else None
        matching = [s for s in written if s.covers(found, end)]
        for suppression in matching:
            suppression.used = True
        if not matching:
            kept.append(found)
    if ran is None or UNUSED_RULE not in ran:
        return kept
    for path in workspace.files if paths is None else paths:
        suppressions_of(path)
    unused = []
    for suppressions in by_path.values():
        for suppression in suppressions:
            if suppression.used or suppression.rule_id == UNUSED_RULE:
                continue
            if suppression.rule_id is None:
                message = (f"'{suppression.token}' is not a rule id or name, so this suppression suppresses "
                           "nothing (see: netpol-lsp rules)")
            elif suppression.rule_id in ran:
                rule = resolve_rule(suppression.rule_id)
                message = (f"unused suppression: no {rule.ID} ({rule.NAME}) finding on {suppression.describe()}; "
                           "remove it")
            else:
                continue  # that rule did not run: we cannot tell
            unused.append(_unused_finding(suppression, message, ran[UNUSED_RULE]))
    for found in unused:  # an NP099 finding can itself be suppressed (disable-file=NP099)
        if not any(s.covers(found) for s in by_path.get(found.path, ())):
            kept.append(found)
    return kept


def node_end_line(source: Optional[SourceFile], span: Span) -> Optional[int]:
    """The last line of the YAML node a finding at `span` is about: the value of the key it
    points at (with the key), else the node that starts where it starts."""
    if source is None:
        return None
    doc = next((d for d in source.documents if d.start_line <= span.start_line < d.end_line), None)
    node = doc.root if doc is not None else None
    best = None
    while node is not None:
        step = None
        if isinstance(node, Mapping):
            for key, value in node.items:
                if _starts_at(key.span, span):
                    return max(key.span.end_line, value.span.end_line if value is not None else -1)
                if value is not None and _contains(value.span, span):
                    step = value
                    break
        elif isinstance(node, Sequence):
            step = next((item for item in node.items if _contains(item.span, span)), None)
        if step is not None and _starts_at(step.span, span):
            best = step.span.end_line
        node = step
    return best


def _starts_at(node_span: Optional[Span], span: Span) -> bool:
    return node_span is not None and (node_span.start_line, node_span.start_col) == (span.start_line, span.start_col)


def _contains(node_span: Optional[Span], span: Span) -> bool:
    return node_span is not None and (node_span.start_line, node_span.start_col) <= (span.start_line, span.start_col) \
        <= (node_span.end_line, node_span.end_col)


def _unused_finding(suppression: Suppression, message: str, severity: Severity) -> Finding:
    from ..rules.base import finding

    return finding(UNUSED_RULE, message, suppression.path, suppression.span, severity=severity)
